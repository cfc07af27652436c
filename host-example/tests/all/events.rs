//! Waiting for something the host logs, such as its first retry, instead of
//! guessing how long it takes to get there.

use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::Mutex;

use tracing::field::{Field, Visit};
use tracing::subscriber::DefaultGuard;
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::Layer;

/// Until the guard is dropped, each event this thread logs with the
/// message `message` sends `()` to the receiver.
pub fn signal_on(message: &'static str) -> (DefaultGuard, Receiver<()>) {
    let (sender, receiver) = channel();
    let layer = Signal {
        message,
        sender: Mutex::new(sender),
    };
    let guard = tracing::subscriber::set_default(tracing_subscriber::registry().with(layer));
    (guard, receiver)
}

struct Signal {
    message: &'static str,
    sender: Mutex<Sender<()>>,
}

impl<S: Subscriber> Layer<S> for Signal {
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let mut found = Message(None);
        event.record(&mut found);
        if found.0.as_deref() == Some(self.message) {
            // The receiver may be gone once the test has what it waited for.
            let _ = self.sender.lock().expect("not poisoned").send(());
        }
    }
}

struct Message(Option<String>);

impl Visit for Message {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.0 = Some(format!("{value:?}"));
        }
    }
}

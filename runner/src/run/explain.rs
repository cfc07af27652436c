//! A failed probe explains itself: a probe of ours whose tolerance is not
//! met, or a judgement that did not pass, prints the facts
//! `chaosprometheus_host::explanation` finds (the resolved query, the
//! window, the series, a link to them) and keeps them in its journal entry.

use chaosprometheus_host::explanation::{explain, LinkTarget};
use serde_json::Map;

use super::Runner;
use crate::configuration::substitute;
use crate::journal::Entry;
use crate::model::{Activity, Provider};
use crate::prometheus::PROBES_MODULE;

impl Runner {
    /// Explains `entry` of `activity` once, when it is a probe of ours that
    /// ran (an error explains itself already).
    pub(super) fn explain(&self, activity: &Activity, entry: &mut Entry) {
        if entry.explanation.is_some() || !entry.succeeded() {
            return;
        }
        let Provider::Python {
            module,
            func,
            arguments,
            ..
        } = &activity.provider
        else {
            return;
        };
        if module != PROBES_MODULE {
            return;
        }
        let names = self.values.lookup(&activity.secrets());
        let arguments = substitute(arguments, &names);
        let ran_at = entry
            .start
            .parse()
            .unwrap_or_else(|_| jiff::Timestamp::now());
        let links = LinkTarget::from_configuration(&self.values.configuration);
        let explanation = explain(
            &activity.name,
            func,
            arguments.as_object().unwrap_or(&Map::new()),
            &entry.output,
            ran_at,
            &links,
        );
        self.printer.explanation(&explanation.lines());
        entry.explanation = Some(explanation.to_json());
    }
}

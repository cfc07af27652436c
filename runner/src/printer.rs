//! What a person sees while the experiment runs.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use crate::journal::Entry;
use crate::model::Activity;

pub(crate) struct Printer {
    verbose: bool,
    terminal: bool,
}

impl Printer {
    pub(crate) fn new(verbose: bool) -> Printer {
        Printer {
            verbose,
            terminal: std::io::stderr().is_terminal(),
        }
    }

    pub(crate) fn line(&self, text: &str) {
        println!("{text}");
    }

    pub(crate) fn warning(&self, text: &str) {
        eprintln!("warning: {}", text.replace('\n', " "));
    }

    pub(crate) fn activity(&self, activity: &Activity, entry: &Entry, aborted: Option<&str>) {
        let kind = activity.kind.name();
        let status = entry.status.unwrap_or("aborted");
        let name = &activity.name;
        print!(
            "  {kind:<6} {name:<40} {status:<9} {:>8.3} s",
            entry.duration
        );
        if let Some(reason) = entry.exception.as_deref().or(aborted) {
            let kind = entry.error_kind.as_deref().unwrap_or("aborted");
            print!("  (error[{kind}]: {})", reason.replace('\n', " "));
        }
        println!();
        if self.verbose {
            println!("         output: {}", entry.output);
        }
    }

    pub(crate) fn tolerance(&self, within: bool) {
        if self.verbose || !within {
            println!(
                "         tolerance {}",
                if within { "met" } else { "NOT met" }
            );
        }
    }

    /// The lines that explain a failed probe, under its line.
    pub(crate) fn explanation(&self, lines: &[String]) {
        for line in lines {
            println!("         {line}");
        }
    }

    /// Waits `seconds`, counting down on a terminal.
    pub(crate) async fn pause(&self, seconds: f64, when: &str, name: &str) {
        if seconds <= 0.0 {
            return;
        }
        let total = Duration::from_secs_f64(seconds);
        println!("  pausing {seconds} s {when} '{name}'");
        if !self.terminal || seconds < 2.0 {
            tokio::time::sleep(total).await;
            return;
        }
        let started = Instant::now();
        while started.elapsed() < total {
            let left = total.saturating_sub(started.elapsed());
            eprint!("\r  {:>5.0} s left ", left.as_secs_f64().ceil());
            let _ = std::io::stderr().flush();
            tokio::time::sleep(left.min(Duration::from_secs(1))).await;
        }
        eprint!("\r                \r");
    }
}

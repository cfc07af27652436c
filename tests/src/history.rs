//! The history the judgement tests judge, written into a real Prometheus
//! by `promtool tsdb create-blocks-from openmetrics` (so the windows are
//! exact and nothing waits for scrapes). Every sample is on a 15 s grid
//! ending at [`History::end`], a minute before the history was made:
//!
//! - `chaos_latency_seconds{instance="a"|"b"}`, a gauge over the last hour:
//!   `a` cycles 0.10, 0.11, 0.12, 0.13, 0.14 throughout; `b` does the same
//!   until 25 minutes before the end, then twice those values. The baseline
//!   window is 40 to 30 minutes before the end, the degraded window 20 to
//!   10 minutes before it.
//! - `chaos_requests_total`, a counter rising 10 per second over the last
//!   seven hours; `chaos_errors_total`, flat at 0 until an hour before the
//!   end, then rising 0.2 per second: a 2% error ratio over the last hour,
//!   20 times the budget of a 99.9% objective.

use std::fmt::Write;

use crate::servers::{Prometheus, PrometheusOptions};

/// Seconds between samples.
pub const STEP: i64 = 15;

/// A real Prometheus backfilled with a [`History::recent`], and the history.
pub fn backfilled_prometheus() -> (Prometheus, History) {
    let history = History::recent();
    let prometheus = Prometheus::start_with(PrometheusOptions {
        backfill: Some(history.openmetrics()),
        ..PrometheusOptions::default()
    });
    (prometheus, history)
}

/// The series of instance `instance` in a judgement's report.
pub fn series<'a>(report: &'a serde_json::Value, instance: &str) -> &'a serde_json::Value {
    report["series"]
        .as_array()
        .expect("series")
        .iter()
        .find(|s| s["labels"]["instance"] == instance)
        .unwrap_or_else(|| panic!("no series {instance} in {report}"))
}

/// When the history ends and what it holds.
#[derive(Debug, Clone, Copy)]
pub struct History {
    /// Unix seconds of the last sample.
    pub end: i64,
}

impl History {
    /// A history ending a minute ago, on the 15 s grid.
    pub fn recent() -> History {
        let now = crate::unix_now() as i64;
        History {
            end: (now / STEP) * STEP - 60,
        }
    }

    /// The baseline window: 40 to 30 minutes before the end.
    pub fn baseline(&self) -> (i64, i64) {
        (self.end - 40 * 60, self.end - 30 * 60)
    }

    /// The degraded window: 20 to 10 minutes before the end.
    pub fn degraded(&self) -> (i64, i64) {
        (self.end - 20 * 60, self.end - 10 * 60)
    }

    /// When `b`'s latency doubles.
    pub fn degradation_start(&self) -> i64 {
        self.end - 25 * 60
    }

    /// When the errors start.
    pub fn errors_start(&self) -> i64 {
        self.end - 60 * 60
    }

    /// The latency of `instance` at `t` (on the grid).
    pub fn latency(&self, instance: &str, t: i64) -> f64 {
        let base = 0.10 + 0.01 * ((t / STEP).rem_euclid(5)) as f64;
        if instance == "b" && t >= self.degradation_start() {
            2.0 * base
        } else {
            base
        }
    }

    /// The latency samples of `instance` over `[start, end]`.
    pub fn latencies(&self, instance: &str, (start, end): (i64, i64)) -> Vec<f64> {
        (start..=end)
            .step_by(STEP as usize)
            .map(|t| self.latency(instance, t))
            .collect()
    }

    /// The history in OpenMetrics, for the backfill.
    pub fn openmetrics(&self) -> String {
        let mut text = String::from("# TYPE chaos_latency_seconds gauge\n");
        for instance in ["a", "b"] {
            for t in (self.end - 3600..=self.end).step_by(STEP as usize) {
                let value = self.latency(instance, t);
                writeln!(
                    text,
                    "chaos_latency_seconds{{instance=\"{instance}\"}} {value} {t}"
                )
                .expect("a String takes writes");
            }
        }
        let first = self.end - 7 * 3600;
        text.push_str("# TYPE chaos_requests counter\n");
        for t in (first..=self.end).step_by(STEP as usize) {
            let value = 10 * (t - first);
            writeln!(text, "chaos_requests_total {value} {t}").expect("a String takes writes");
        }
        text.push_str("# TYPE chaos_errors counter\n");
        for t in (first..=self.end).step_by(STEP as usize) {
            let value = 0.2 * (t - self.errors_start()).max(0) as f64;
            writeln!(text, "chaos_errors_total {value} {t}").expect("a String takes writes");
        }
        text.push_str("# EOF\n");
        text
    }
}

//! The journal's pieces, in Chaos Toolkit's shapes: run entries, times as
//! Python writes them, numbers JSON cannot hold.

use serde_json::{json, Map, Value};

use crate::validate;

/// A run entry in the journal's shape.
#[derive(Debug)]
pub(crate) struct Entry {
    pub(crate) activity: Value,
    pub(crate) output: Value,
    pub(crate) start: String,
    pub(crate) end: String,
    pub(crate) duration: f64,
    pub(crate) status: Option<&'static str>,
    pub(crate) exception: Option<String>,
    /// The failure's kind (`transport/timeout`...), for the person watching;
    /// the journal has Chaos Toolkit's fields only.
    pub(crate) error_kind: Option<String>,
    pub(crate) tolerance_met: Option<bool>,
    /// What explains a failed probe (`chaosprometheus_host::explanation`):
    /// not one of Chaos Toolkit's keys, so only ours write it.
    pub(crate) explanation: Option<Value>,
}

impl Entry {
    pub(crate) fn succeeded(&self) -> bool {
        self.status == Some("succeeded")
    }

    pub(crate) fn to_json(&self) -> Value {
        let mut entry = Map::new();
        entry.insert("activity".into(), self.activity.clone());
        entry.insert("output".into(), self.output.clone());
        entry.insert("start".into(), Value::String(self.start.clone()));
        if let Some(status) = self.status {
            entry.insert("status".into(), Value::String(status.into()));
        }
        if let Some(exception) = &self.exception {
            entry.insert(
                "exception".into(),
                json!([format!("chaoslib.exceptions.ActivityFailed: {exception}\n")]),
            );
        }
        entry.insert("end".into(), Value::String(self.end.clone()));
        entry.insert("duration".into(), json!(self.duration));
        if let Some(met) = self.tolerance_met {
            entry.insert("tolerance_met".into(), Value::Bool(met));
        }
        if let Some(explanation) = &self.explanation {
            entry.insert("explanation".into(), explanation.clone());
        }
        Value::Object(entry)
    }
}

pub(crate) fn probe_failed(state: &Value) -> bool {
    validate::list(state.get("probes")).any(|probe| probe["status"] != "succeeded")
}

pub(crate) fn empty_entry(activity: &Value) -> Entry {
    let now = now_iso();
    Entry {
        activity: activity.clone(),
        output: Value::Null,
        start: now.clone(),
        end: now,
        duration: 0.0,
        status: Some("failed"),
        exception: None,
        error_kind: None,
        tolerance_met: None,
        explanation: None,
    }
}

/// A number for the journal; JSON has no NaN or infinities, so those are
/// written as Prometheus writes them.
pub(crate) fn number(value: f64) -> Value {
    serde_json::Number::from_f64(value).map_or_else(
        || Value::String(chaosprometheus::response::format_sample(value)),
        Value::Number,
    )
}

/// UTC now as Python's `datetime.now(timezone.utc).isoformat()` writes it.
pub(crate) fn now_iso() -> String {
    python_isoformat(jiff::Timestamp::now())
}

/// `isoformat()` of an aware UTC datetime: microseconds, left out when they
/// are zero, and `+00:00`.
pub(crate) fn python_isoformat(time: jiff::Timestamp) -> String {
    let format = if time.subsec_microsecond() == 0 {
        "%Y-%m-%dT%H:%M:%S+00:00"
    } else {
        "%Y-%m-%dT%H:%M:%S.%6f+00:00"
    };
    time.strftime(format).to_string()
}

pub(crate) fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "localhost".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_written_as_python_writes_them() {
        let at = |text: &str| python_isoformat(text.parse().unwrap());
        assert_eq!(
            at("2026-11-22T10:08:32.666525Z"),
            "2026-11-22T10:08:32.666525+00:00"
        );
        assert_eq!(
            at("2026-11-22T10:08:32.000001Z"),
            "2026-11-22T10:08:32.000001+00:00"
        );
        assert_eq!(at("2024-02-29T00:00:00Z"), "2024-02-29T00:00:00+00:00");
        assert_eq!(
            at("1970-01-01T00:00:00.5Z"),
            "1970-01-01T00:00:00.500000+00:00"
        );
        assert!(now_iso().ends_with("+00:00"));
    }

    #[test]
    fn numbers_json_cannot_hold_are_written_as_prometheus_writes_them() {
        assert_eq!(number(0.5), json!(0.5));
        assert_eq!(number(f64::NAN), json!("NaN"));
        assert_eq!(number(f64::INFINITY), json!("+Inf"));
        assert_eq!(number(f64::NEG_INFINITY), json!("-Inf"));
    }
}

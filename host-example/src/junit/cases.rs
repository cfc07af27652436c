//! From a Chaos Toolkit journal to test cases: which activity runs become a
//! case, under which class, and why one failed, in words a CI page shows.

use serde_json::Value;

/// One experiment run: a `<testsuite>`.
#[derive(Debug)]
pub(super) struct Suite {
    pub(super) name: String,
    pub(super) timestamp: Option<String>,
    pub(super) time: f64,
    pub(super) hostname: Option<String>,
    pub(super) properties: Vec<(&'static str, String)>,
    pub(super) cases: Vec<Case>,
}

/// One activity run (or the run's own outcome): a `<testcase>`.
#[derive(Debug)]
pub(super) struct Case {
    pub(super) classname: String,
    pub(super) name: String,
    pub(super) time: f64,
    pub(super) outcome: Outcome,
}

#[derive(Debug, PartialEq)]
pub(super) enum Outcome {
    Passed,
    /// `<failure>`: a tolerance not met, an activity that failed, a run
    /// that deviated.
    Failed(Problem),
    /// `<error>`: a run that did not end as planned (aborted, failed,
    /// interrupted), or an entry in a state the journal format does not
    /// have.
    Errored(Problem),
    /// `<skipped>`: an entry the run's interruption cut short.
    Skipped(String),
}

#[derive(Debug, PartialEq)]
pub(super) struct Problem {
    /// The `type` attribute: `tolerance-not-met`, `activity-failed`,
    /// `deviated`...
    pub(super) kind: &'static str,
    /// The `message` attribute: one line.
    pub(super) message: String,
    /// The element's text: what the journal has on it, longer.
    pub(super) detail: String,
}

/// The classname of the run's own outcome case.
pub(super) const EXPERIMENT_CLASS: &str = "experiment";
/// How much of a probe's output or a tolerance a message quotes.
const QUOTE_CHARS: usize = 200;
/// How much of a probe's output the failure's text carries.
const DETAIL_CHARS: usize = 4000;

impl Suite {
    pub(super) fn from_journal(journal: &serde_json::Map<String, Value>) -> Suite {
        let text = |key: &str| journal.get(key).and_then(Value::as_str).map(str::to_string);
        let states = journal.get("steady_states");
        let state = |when: &str| states.and_then(|s| s.get(when)).filter(|s| !s.is_null());
        let mut cases = Vec::new();
        if let Some(before) = state("before") {
            cases.extend(probes(before, "steady-state-hypothesis.before"));
        }
        let during = states
            .and_then(|s| s.get("during"))
            .and_then(Value::as_array);
        for (index, state) in during.into_iter().flatten().enumerate() {
            let class = format!("steady-state-hypothesis.during.{}", index + 1);
            cases.extend(probes(state, &class));
        }
        cases.extend(entries(journal.get("run"), "method"));
        if let Some(after) = state("after") {
            cases.extend(probes(after, "steady-state-hypothesis.after"));
        }
        cases.extend(entries(journal.get("rollbacks"), "rollbacks"));
        cases.push(Case {
            classname: EXPERIMENT_CLASS.into(),
            name: "status".into(),
            time: seconds(journal.get("duration")),
            outcome: run_outcome(journal, state("before"), state("after")),
        });
        let mut properties = Vec::new();
        for key in ["status", "deviated", "chaoslib-version", "platform"] {
            if let Some(value) = journal.get(key).filter(|v| !v.is_null()) {
                properties.push((key, plain(value)));
            }
        }
        for key in ["interruption", "safeguards"] {
            if let Some(value) = journal.get(key).filter(|v| !v.is_null()) {
                properties.push((key, compact(value)));
            }
        }
        let title = journal
            .get("experiment")
            .and_then(|e| e.get("title"))
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty());
        Suite {
            name: title.unwrap_or("(untitled experiment)").into(),
            timestamp: text("start").as_deref().map(super::junit_timestamp),
            time: seconds(journal.get("duration")),
            hostname: text("node"),
            properties,
            cases,
        }
    }
}

fn probes<'a>(state: &'a Value, class: &'a str) -> impl Iterator<Item = Case> + 'a {
    entries(state.get("probes"), class)
}

fn entries<'a>(list: Option<&'a Value>, class: &'a str) -> impl Iterator<Item = Case> + 'a {
    list.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(move |entry| Case {
            classname: class.to_string(),
            name: activity_name(entry),
            time: seconds(entry.get("duration")),
            outcome: entry_outcome(entry),
        })
}

fn activity_name(entry: &Value) -> String {
    entry
        .get("activity")
        .and_then(|a| a.get("name"))
        .and_then(Value::as_str)
        .unwrap_or("(unnamed activity)")
        .to_string()
}

/// A probe's `{"explain": "..."}` (the judgement probes' answer), when its
/// output has one.
fn explanation(entry: &Value) -> Option<&str> {
    entry
        .get("output")
        .and_then(|o| o.get("explain"))
        .and_then(Value::as_str)
        .filter(|text| !text.trim().is_empty())
}

/// What `chaosprom run` found explains a failed probe (the journal's
/// `explanation`: the query, the window, the series, the link), a line
/// each, before the output.
fn facts(entry: &Value) -> String {
    let Some(facts) = entry.get("explanation").and_then(Value::as_object) else {
        return String::new();
    };
    facts
        .iter()
        .filter(|(key, _)| *key != "probe")
        .map(|(key, value)| format!("{key}: {}\n", compact(value)))
        .collect()
}

fn entry_outcome(entry: &Value) -> Outcome {
    let output = entry.get("output").unwrap_or(&Value::Null);
    match entry.get("status").and_then(Value::as_str) {
        Some("succeeded") if entry.get("tolerance_met") == Some(&Value::Bool(false)) => {
            let tolerance = entry
                .get("activity")
                .and_then(|a| a.get("tolerance"))
                .unwrap_or(&Value::Null);
            let message = explanation(entry).map_or_else(
                || {
                    format!(
                        "tolerance {} was not met: the probe returned {}",
                        shorten(&compact(tolerance), QUOTE_CHARS),
                        shorten(&compact(output), QUOTE_CHARS)
                    )
                },
                str::to_string,
            );
            Outcome::Failed(Problem {
                kind: "tolerance-not-met",
                message,
                detail: format!(
                    "tolerance: {}\n{}output: {}",
                    compact(tolerance),
                    facts(entry),
                    shorten(&pretty(output), DETAIL_CHARS)
                ),
            })
        }
        Some("succeeded") => Outcome::Passed,
        Some("failed") => {
            let exception = exception_text(entry);
            let last_line = exception
                .lines()
                .rev()
                .map(str::trim)
                .find(|line| !line.is_empty());
            let message = match (explanation(entry), last_line) {
                (Some(explain), _) => explain.to_string(),
                (None, Some(line)) => line.to_string(),
                (None, None) => "the activity failed and the journal records no exception".into(),
            };
            Outcome::Failed(Problem {
                kind: "activity-failed",
                message,
                detail: if exception.is_empty() {
                    format!("output: {}", shorten(&pretty(output), DETAIL_CHARS))
                } else {
                    exception
                },
            })
        }
        None => Outcome::Skipped(
            "the run was interrupted while this activity ran: it has no status".into(),
        ),
        Some(other) => Outcome::Errored(Problem {
            kind: "unknown-status",
            message: format!("the journal gives this activity the status {other:?}"),
            detail: compact(entry),
        }),
    }
}

/// The journal's `exception`: a list of traceback lines (Chaos Toolkit), or
/// one text.
fn exception_text(entry: &Value) -> String {
    match entry.get("exception") {
        Some(Value::Array(lines)) => lines.iter().map(plain).collect::<String>(),
        Some(Value::String(text)) => text.clone(),
        _ => String::new(),
    }
    .trim_end()
    .to_string()
}

/// The run's own case: passed when it completed with the steady state met
/// before and after.
fn run_outcome(
    journal: &serde_json::Map<String, Value>,
    before: Option<&Value>,
    after: Option<&Value>,
) -> Outcome {
    let status = journal.get("status").and_then(Value::as_str).unwrap_or("");
    let not_met = |state: Option<&Value>| -> Option<Vec<String>> {
        let state = state?;
        (state.get("steady_state_met") == Some(&Value::Bool(false))).then(|| {
            probes(state, "")
                .filter(|case| case.outcome != Outcome::Passed)
                .map(|case| case.name)
                .collect()
        })
    };
    let named = |names: &[String]| {
        if names.is_empty() {
            String::new()
        } else {
            format!(" (not met: {})", names.join(", "))
        }
    };
    let detail = format!(
        "status: {status}\ndeviated: {}",
        plain(journal.get("deviated").unwrap_or(&Value::Bool(false)))
    );
    if matches!(status, "aborted" | "failed" | "interrupted") {
        let reason = journal
            .get("interruption")
            .and_then(|i| i.get("reason"))
            .and_then(Value::as_str)
            .map(str::to_string)
            .or_else(|| {
                let guard = journal.get("safeguards")?.get("triggered_by")?.as_str()?;
                Some(format!(
                    "safeguard '{guard}' triggered the end of the experiment"
                ))
            });
        let message = match (status, reason) {
            (_, Some(reason)) => format!("the run was {status}: {reason}"),
            ("aborted", None) => "the run was aborted: the method did not finish".into(),
            ("failed", None) => "the run failed: an activity it needed failed".into(),
            _ => format!("the run was {status}"),
        };
        return Outcome::Errored(Problem {
            kind: match status {
                "aborted" => "aborted",
                "failed" => "failed",
                _ => "interrupted",
            },
            message,
            detail,
        });
    }
    if journal.get("deviated") == Some(&Value::Bool(true)) {
        let names = not_met(after).unwrap_or_default();
        return Outcome::Failed(Problem {
            kind: "deviated",
            message: format!(
                "the steady state deviated after the method{}",
                named(&names)
            ),
            detail,
        });
    }
    if let Some(names) = not_met(before) {
        return Outcome::Failed(Problem {
            kind: "steady-state-not-met",
            message: format!(
                "the steady state was not met before the method, so the method did not run{}",
                named(&names)
            ),
            detail,
        });
    }
    Outcome::Passed
}

fn seconds(value: Option<&Value>) -> f64 {
    value
        .and_then(Value::as_f64)
        .filter(|s| s.is_finite() && *s >= 0.0)
        .unwrap_or(0.0)
}

/// A string as itself, anything else as JSON.
fn plain(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => compact(other),
    }
}

fn compact(value: &Value) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

/// At most `limit` characters, an ellipsis saying some were left out.
pub(super) fn shorten(text: &str, limit: usize) -> String {
    match text.char_indices().nth(limit) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

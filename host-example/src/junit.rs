//! JUnit XML from a Chaos Toolkit journal, so CI systems (Jenkins, GitLab,
//! GitHub's test reporters) show an experiment's probes as test cases. One
//! writer for every front end: `chaosprom run --junit` and the Python
//! package's `chaosprometheus.junit` control both hand it their journal,
//! which has the same shape under either runner.
//!
//! The report is one `<testsuite>` (named for the experiment's title) in a
//! `<testsuites>`, with a `<testcase>` per activity run: the steady-state
//! hypothesis's probes before, during and after the method
//! (`steady-state-hypothesis.before`, `.during.N`, `.after`), the method's
//! activities (`method`) and the rollbacks' (`rollbacks`), actions
//! included, so a failed action shows too. A last case, `experiment.status`,
//! carries the run's verdict: a failure when it deviated or the steady state
//! was not met before the method, an error when it was aborted, failed or
//! interrupted.
//!
//! A probe fails when its tolerance was not met or it failed; the message is
//! its output's `explain` when it has one (the judgement probes answer
//! `{"verdict": ..., "explain": ...}`), else which tolerance was not met and
//! what the probe returned, or its exception.

mod cases;
#[cfg(test)]
mod tests;

use std::io;
use std::path::{Path, PathBuf};

use quick_xml::events::{BytesDecl, BytesText, Event};
use quick_xml::Writer;
use serde_json::Value;

use cases::{Case, Outcome, Problem, Suite};

/// The module an experiment's `controls` name for the report, under
/// `chaos run` (the Python package's control) and `chaosprom run` alike.
pub const CONTROL_MODULE: &str = "chaosprometheus.junit";
/// Where the control writes the report when its arguments give no `path`.
pub const DEFAULT_PATH: &str = "junit.xml";

/// Why no report was written.
#[derive(Debug, thiserror::Error)]
pub enum JunitError {
    /// What was given is not a journal.
    #[error("the journal is not a JSON object (it is {0}); pass the journal Chaos Toolkit or chaosprom run wrote")]
    NotAJournal(&'static str),
    /// The journal's text is not JSON.
    #[error("the journal is not valid JSON: {0}")]
    NotJson(#[from] serde_json::Error),
    /// The control's `path` argument is no path.
    #[error("the {CONTROL_MODULE} control's `path` must be a file's path as text, not {0}")]
    BadPath(String),
    /// The report could not be written to its file.
    #[error("cannot write the JUnit report to {}: {source}; check that its directory exists and is writable", path.display())]
    Write { path: PathBuf, source: io::Error },
}

/// The JUnit XML report of one experiment run, from its journal.
pub fn to_xml(journal: &Value) -> Result<String, JunitError> {
    let journal = journal
        .as_object()
        .ok_or(JunitError::NotAJournal(match journal {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "a list",
            Value::Object(_) => "an object",
        }))?;
    let suite = Suite::from_journal(journal);
    let mut writer = Writer::new_with_indent(Vec::new(), b' ', 2);
    write_report(&mut writer, &suite).expect("writing to memory cannot fail");
    let mut xml = String::from_utf8(writer.into_inner()).expect("the writer writes our UTF-8");
    xml.push('\n');
    Ok(xml)
}

/// Writes the journal's report to `path`, replacing what was there.
pub fn write(journal: &Value, path: &Path) -> Result<(), JunitError> {
    let xml = to_xml(journal)?;
    std::fs::write(path, xml).map_err(|source| JunitError::Write {
        path: path.to_path_buf(),
        source,
    })
}

/// Writes the report of the journal given as JSON text (what the Python
/// control hands over) to `path`.
pub fn write_from_json(journal: &str, path: &Path) -> Result<(), JunitError> {
    write(&serde_json::from_str(journal)?, path)
}

/// Where the control with these provider `arguments` writes the report:
/// their `path`, else [`DEFAULT_PATH`].
pub fn control_path(arguments: Option<&Value>) -> Result<PathBuf, JunitError> {
    match arguments.and_then(|a| a.get("path")) {
        None | Some(Value::Null) => Ok(PathBuf::from(DEFAULT_PATH)),
        Some(Value::String(path)) if !path.is_empty() => Ok(PathBuf::from(path)),
        Some(other) => Err(JunitError::BadPath(other.to_string())),
    }
}

fn write_report(writer: &mut Writer<Vec<u8>>, suite: &Suite) -> io::Result<()> {
    let count = |wanted: fn(&Outcome) -> bool| {
        let n = suite.cases.iter().filter(|c| wanted(&c.outcome)).count();
        n.to_string()
    };
    let tests = suite.cases.len().to_string();
    let failures = count(|o| matches!(o, Outcome::Failed(_)));
    let errors = count(|o| matches!(o, Outcome::Errored(_)));
    let skipped = count(|o| matches!(o, Outcome::Skipped(_)));
    let time = format_seconds(suite.time);
    let name = xml_text(&suite.name);
    let totals = [
        ("tests", tests.as_str()),
        ("failures", failures.as_str()),
        ("errors", errors.as_str()),
        ("skipped", skipped.as_str()),
        ("time", time.as_str()),
    ];
    writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    writer
        .create_element("testsuites")
        .with_attribute(("name", name.as_str()))
        .with_attributes(totals)
        .write_inner_content(|writer| {
            let mut element = writer
                .create_element("testsuite")
                .with_attribute(("name", name.as_str()))
                .with_attributes(totals);
            if let Some(timestamp) = &suite.timestamp {
                element = element.with_attribute(("timestamp", xml_text(timestamp).as_str()));
            }
            if let Some(hostname) = &suite.hostname {
                element = element.with_attribute(("hostname", xml_text(hostname).as_str()));
            }
            element.write_inner_content(|writer| {
                write_properties(writer, &suite.properties)?;
                suite
                    .cases
                    .iter()
                    .try_for_each(|case| write_case(writer, case))
            })?;
            Ok(())
        })?;
    Ok(())
}

fn write_properties(
    writer: &mut Writer<Vec<u8>>,
    properties: &[(&'static str, String)],
) -> io::Result<()> {
    if properties.is_empty() {
        return Ok(());
    }
    writer
        .create_element("properties")
        .write_inner_content(|writer| {
            for (name, value) in properties {
                writer
                    .create_element("property")
                    .with_attribute(("name", *name))
                    .with_attribute(("value", xml_text(value).as_str()))
                    .write_empty()?;
            }
            Ok(())
        })?;
    Ok(())
}

fn write_case(writer: &mut Writer<Vec<u8>>, case: &Case) -> io::Result<()> {
    let element = writer
        .create_element("testcase")
        .with_attribute(("classname", xml_text(&case.classname).as_str()))
        .with_attribute(("name", xml_text(&case.name).as_str()))
        .with_attribute(("time", format_seconds(case.time).as_str()));
    let problem = |writer: &mut Writer<Vec<u8>>, tag: &str, problem: &Problem| {
        writer
            .create_element(tag)
            .with_attribute(("message", xml_text(&problem.message).as_str()))
            .with_attribute(("type", problem.kind))
            .write_text_content(BytesText::new(&xml_text(&problem.detail)))
            .map(drop)
    };
    match &case.outcome {
        Outcome::Passed => element.write_empty().map(drop),
        Outcome::Failed(failure) => element
            .write_inner_content(|writer| problem(writer, "failure", failure))
            .map(drop),
        Outcome::Errored(error) => element
            .write_inner_content(|writer| problem(writer, "error", error))
            .map(drop),
        Outcome::Skipped(message) => element
            .write_inner_content(|writer| {
                writer
                    .create_element("skipped")
                    .with_attribute(("message", xml_text(message).as_str()))
                    .write_empty()
                    .map(drop)
            })
            .map(drop),
    }
}

/// Seconds as JUnit readers parse them: a decimal number, milliseconds.
fn format_seconds(seconds: f64) -> String {
    format!("{seconds:.3}")
}

/// Text XML 1.0 can carry: the writer escapes markup, but control
/// characters (a process's stdout may have them) have no escape in XML 1.0,
/// so they become U+FFFD.
fn xml_text(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => c,
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => '\u{fffd}',
            _ => c,
        })
        .collect()
}

/// The journal's start (`2026-12-07T13:06:08.123456+00:00`, Python's
/// `isoformat()`) as JUnit's `timestamp` has it: UTC, to the second, with no
/// offset. A text that is no time is kept as it is.
fn junit_timestamp(start: &str) -> String {
    const FORMAT: &str = "%Y-%m-%dT%H:%M:%S";
    if let Ok(instant) = start.parse::<jiff::Timestamp>() {
        return instant.strftime(FORMAT).to_string();
    }
    match start.parse::<jiff::civil::DateTime>() {
        Ok(civil) => civil.strftime(FORMAT).to_string(),
        Err(_) => start.to_string(),
    }
}

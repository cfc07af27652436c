//! How a command ends: the answer on stdout, or one line on stderr,
//! `error[KIND]: what happened`, with the kind taken from the error's type.

use std::process::ExitCode;

use chaosprometheus_host::{CallError, ProbeError};

/// Why a command failed.
#[derive(Debug)]
pub enum Failure {
    /// The component's call failed; its kind is [`CallError::kind`].
    Call(CallError),
    /// The host could not load the component.
    Host(String),
    /// The experiment file is unreadable or invalid; nothing ran.
    InvalidExperiment(Vec<String>),
    /// With `--strict`: this many queries do not parse; nothing ran.
    InvalidQueries(usize),
    /// The `--var-file` is unreadable.
    InvalidVarFile(String),
    /// The journal could not be written.
    Journal(String),
    /// The JUnit report (`run --junit`) could not be written.
    Junit(chaosprometheus_host::junit::JunitError),
    /// The options are wrong (exit status 2).
    Usage(String),
    /// `--record` or `--replay` cannot write or read its directory.
    Recording(String),
}

impl Failure {
    /// The `KIND` of `error[KIND]`.
    pub fn kind(&self) -> String {
        match self {
            Failure::Call(error) => error.kind(),
            Failure::Host(_) => "host".into(),
            Failure::InvalidExperiment(_) => "invalid-experiment".into(),
            Failure::InvalidQueries(_) => "invalid-query".into(),
            Failure::InvalidVarFile(_) => "invalid-var-file".into(),
            Failure::Journal(_) => "journal".into(),
            Failure::Junit(_) => "junit".into(),
            Failure::Usage(_) => "usage".into(),
            Failure::Recording(_) => "recording".into(),
        }
    }

    /// Prints the failure, a line for each problem, and gives the exit status.
    pub fn report(&self) -> ExitCode {
        match self {
            Failure::Usage(message) => {
                eprintln!("error: {}", one_line(message));
                return ExitCode::from(2);
            }
            Failure::Call(error) => print_error(&self.kind(), &with_hint(error)),
            Failure::InvalidExperiment(problems) => {
                for problem in problems {
                    print_error(&self.kind(), &one_line(problem));
                }
            }
            Failure::InvalidQueries(count) => {
                let queries = if *count == 1 {
                    "query does"
                } else {
                    "queries do"
                };
                print_error(
                    &self.kind(),
                    &format!("{count} {queries} not parse (--strict); without --strict, a warning"),
                )
            }
            Failure::Host(message)
            | Failure::InvalidVarFile(message)
            | Failure::Journal(message)
            | Failure::Recording(message) => print_error(&self.kind(), message),
            Failure::Junit(error) => print_error(&self.kind(), &error.to_string()),
        }
        ExitCode::FAILURE
    }
}

impl From<CallError> for Failure {
    fn from(error: CallError) -> Self {
        Failure::Call(error)
    }
}

/// `error[KIND]: message`, on one line.
pub fn print_error(kind: &str, message: &str) {
    eprintln!("error[{kind}]: {}", message.replace('\n', " "));
}

/// The component's message, plus what to do where the message alone does
/// not say it.
pub fn with_hint(error: &CallError) -> String {
    let message = error.to_string().trim_end().to_string();
    let hint = match error {
        CallError::Probe(ProbeError::Prometheus(p)) if p.error_type == "bad_data" => {
            Some("check the PromQL expression and the parameters")
        }
        CallError::Probe(ProbeError::Prometheus(p)) if p.error_type == "timeout" => {
            Some("raise --timeout or simplify the query")
        }
        CallError::Probe(ProbeError::HttpStatus(h)) if h.status == 404 => {
            Some("is --prometheus-url the API's base URL (with its path prefix, if any)?")
        }
        _ => None,
    };
    match hint {
        Some(hint) => format!("{message} ({hint})"),
        None => message,
    }
}

/// A multi-line message (a regex parse error, say) on one line.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

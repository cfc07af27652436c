//! The queries of an experiment that do not parse, as `validate` and `run`
//! print them before anything runs: warnings, or with `--strict` errors
//! that stop the command.

use chaosprometheus_runner::query_lint::QueryFinding;

use crate::output::Failure;

/// The `KIND` of the warnings and errors.
const KIND: &str = "invalid-query";

/// Prints each finding on stderr (the query and a caret under the error
/// beneath its first line); with `strict`, they fail the command.
pub fn report(findings: &[QueryFinding], strict: bool) -> Result<(), Failure> {
    let severity = if strict { "error" } else { "warning" };
    for finding in findings {
        eprintln!("{severity}[{KIND}]: {finding}");
    }
    if strict && !findings.is_empty() {
        return Err(Failure::InvalidQueries(findings.len()));
    }
    Ok(())
}

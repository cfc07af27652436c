//! `write_junit`: the `chaosprometheus.junit` control's report, written by
//! the host library's writer (the one `chaosprom run --junit` uses), so
//! both runners give the same report for the same journal.

use pyo3::prelude::*;

use chaosprometheus_host::junit;

use crate::failed;

/// Writes the JUnit XML report of `journal` (Chaos Toolkit's journal, as
/// JSON text) to `path`; raises `chaosprometheus.ProbeFailed` with kind
/// `junit` when the journal is not one or the file cannot be written.
#[pyfunction]
pub fn write_junit(py: Python<'_>, journal: &str, path: std::path::PathBuf) -> PyResult<()> {
    py.detach(|| junit::write_from_json(journal, &path))
        .map_err(|error| failed(py, "junit", &error.to_string()))
}

//! `explain_failure` and `explain_unmet`: the lines that explain a
//! judgement that did not pass, or a probe whose tolerance was not met, as `chaosprom run` prints them (the host library's
//! `explanation`), for the Python package to log through Chaos Toolkit's
//! logger.

use pyo3::prelude::*;

use chaosprometheus_host::explanation::{explain_judgement, explain_unmet_tolerance, LinkTarget};

use crate::probes::object;

/// For judgement `func` called with `arguments` (a JSON object) that
/// answered `output` (its JSON report): None when the verdict is `pass`,
/// else the lines (the sentence, the query, the window, the series that
/// broke it, a link to the Prometheus UI or Grafana's Explore from the
/// configuration's `prometheus_base_url` / `grafana_url`).
#[pyfunction]
#[pyo3(signature = (func, arguments, output, configuration=None))]
pub fn explain_failure(
    py: Python<'_>,
    func: &str,
    arguments: &str,
    output: &str,
    configuration: Option<&str>,
) -> PyResult<Option<Vec<String>>> {
    let arguments = object(py, "the arguments", Some(arguments))?;
    let output = serde_json::Value::Object(object(py, "the report", Some(output))?);
    let configuration = object(py, "the configuration", configuration)?;
    let links = LinkTarget::from_configuration(&configuration);
    Ok(explain_judgement(func, &arguments, &output, &links).map(|e| e.lines()))
}

/// For a probe entry of a steady-state hypothesis (JSON, as Chaos Toolkit
/// hands it to a control) whose tolerance was not met: None unless it is
/// one of our probes and not a judgement, else the lines that explain it.
#[pyfunction]
#[pyo3(signature = (entry, configuration=None))]
pub fn explain_unmet(
    py: Python<'_>,
    entry: &str,
    configuration: Option<&str>,
) -> PyResult<Option<Vec<String>>> {
    let entry = serde_json::Value::Object(object(py, "the probe's entry", Some(entry))?);
    let configuration = object(py, "the configuration", configuration)?;
    let links = LinkTarget::from_configuration(&configuration);
    Ok(explain_unmet_tolerance(&entry, &links).map(|e| e.lines()))
}

//! `run_probe`: one call of `chaosprometheus.probes`, its arguments,
//! configuration and secrets read by the host library's rules (the same as
//! `chaosprom run`'s), under a policy that allows exactly the endpoint's
//! authority and injects its credentials.

use pyo3::prelude::*;
use serde_json::{Map, Value};

use chaosprometheus_host::probe_args::{plan, verify_tls};
use chaosprometheus_host::settings::prometheus_policy;
use chaosprometheus_host::{CallLimits, Endpoint, ProbeAnswer};

use crate::{block_on, call_failed, component, invalid};

/// Runs probe `func` with `arguments` (upstream's keyword arguments, as a
/// JSON object) against the configuration's Prometheus, with the
/// activity's `secrets` (a flat JSON object): Prometheus's JSON answer as
/// text, or one number.
#[pyfunction]
#[pyo3(signature = (func, arguments, configuration=None, secrets=None))]
pub fn run_probe(
    py: Python<'_>,
    func: &str,
    arguments: &str,
    configuration: Option<&str>,
    secrets: Option<&str>,
) -> PyResult<(Option<String>, Option<f64>)> {
    let arguments = object(py, "the arguments", Some(arguments))?;
    let call = plan(func, &arguments).map_err(|e| invalid(py, &e.to_string()))?;
    let verify =
        verify_tls(arguments.get("verify_tls")).map_err(|e| invalid(py, &e.to_string()))?;
    let configuration = object(py, "the configuration", configuration)?;
    let secrets = object(py, "the secrets", secrets)?;
    let (base_url, policy) = prometheus_policy(&configuration, &secrets, verify)
        .map_err(|e| invalid(py, &e.to_string()))?;
    let host = py.detach(component)?.host(policy, CallLimits::default());
    let endpoint = Endpoint {
        base_url: Some(base_url),
        ..Endpoint::default()
    };
    match block_on(py, host.run_probe(&endpoint, &call))?.map_err(|e| call_failed(py, &e))? {
        ProbeAnswer::Json(text) => Ok((Some(text), None)),
        ProbeAnswer::Number(value) => Ok((None, Some(value))),
    }
}

/// A JSON object given as text (null or absent: empty).
pub(crate) fn object(
    py: Python<'_>,
    what: &str,
    text: Option<&str>,
) -> PyResult<Map<String, Value>> {
    match text.map(serde_json::from_str::<Value>) {
        None | Some(Ok(Value::Null)) => Ok(Map::new()),
        Some(Ok(Value::Object(map))) => Ok(map),
        Some(Ok(other)) => Err(invalid(
            py,
            &format!("{what} must be a mapping, not {other}"),
        )),
        Some(Err(e)) => Err(invalid(py, &format!("{what} are not JSON: {e}"))),
    }
}

//! `Prometheus`: one endpoint's probes under its own outbound policy, which
//! allows exactly the endpoint's authority and injects its credentials.

use pyo3::prelude::*;

use chaosprometheus_host::rules::alerts::{AlertFilter, AlertState, LabelMatcher, MatchOp};
use chaosprometheus_host::{
    pem_or_file, Authority, CallLimits, ClientIdentity, Credential, Endpoint, InstantQuery,
    MeanKind, MeanWindow, OutboundPolicy, ProbeHost, RangeQuery, RetryPolicy, TlsOptions,
};

use crate::{block_on, call_failed, component, invalid};

#[pyclass(frozen, module = "chaosprometheus._native")]
pub struct Prometheus {
    host: ProbeHost,
    endpoint: Endpoint,
}

#[pymethods]
impl Prometheus {
    /// The probes of `base_url`: the component may reach its authority and
    /// nothing else; the host adds the credential (a bearer token wins over
    /// `user:password`) and the headers to every request for it. `retries`
    /// is how many tries a read gets in all (1: no retry; the host's
    /// default when unset). `verify_tls` false accepts any certificate the
    /// authority presents (upstream's `verify_tls=False`).
    #[new]
    // Python keyword arguments, one per setting of the endpoint.
    #[allow(clippy::too_many_arguments)]
    #[pyo3(signature = (base_url, bearer_token=None, basic_auth=None, headers=Vec::new(), retries=None, verify_tls=true, ca_bundle=None, client_cert=None, client_key=None))]
    fn new(
        py: Python<'_>,
        base_url: String,
        bearer_token: Option<String>,
        basic_auth: Option<String>,
        headers: Vec<(String, String)>,
        retries: Option<u32>,
        verify_tls: bool,
        ca_bundle: Option<String>,
        client_cert: Option<String>,
        client_key: Option<String>,
    ) -> PyResult<Prometheus> {
        let credential = Credential::from_token_or_basic(bearer_token, basic_auth.as_deref())
            .map_err(|e| invalid(py, &format!("secret prometheus_basic_auth: {e}")))?;
        let mut policy = OutboundPolicy::default();
        policy
            .allow_endpoint(&base_url, (credential, headers))
            .map_err(|e| invalid(py, &format!("prometheus_base_url: {e}")))?;
        let authority = Authority::from_url(&base_url)
            .map_err(|e| invalid(py, &format!("prometheus_base_url: {e}")))?;
        // TLS: what the host trusts and presents for this authority
        // (each PEM setting its text or the path of a file).
        let pem = |setting: &str, value: &Option<String>| {
            value
                .as_deref()
                .filter(|v| !v.trim().is_empty())
                .map(|v| pem_or_file(setting, v))
                .transpose()
                .map_err(|e| invalid(py, &e))
        };
        let client_identity = match (
            pem("prometheus_client_cert", &client_cert)?,
            pem("prometheus_client_key", &client_key)?,
        ) {
            (Some(cert_chain), Some(private_key)) => Some(ClientIdentity {
                cert_chain,
                private_key,
            }),
            (None, None) => None,
            _ => {
                return Err(invalid(
                    py,
                    "secrets prometheus_client_cert and prometheus_client_key go together",
                ))
            }
        };
        let tls = TlsOptions {
            ca_bundle: pem("prometheus_ca_bundle", &ca_bundle)?,
            client_identity,
            verify: verify_tls,
        };
        policy
            .set_tls(authority.clone(), tls)
            .map_err(|e| invalid(py, &format!("TLS for {base_url}: {e}")))?;
        if let Some(attempts) = retries {
            let retry = RetryPolicy {
                attempts: attempts.clamp(1, 20),
                ..policy.retry_for(&authority)
            };
            policy.set_retry(authority, retry);
        }
        let runtime = py.detach(component)?;
        Ok(Prometheus {
            host: runtime.host(policy, CallLimits::default()),
            endpoint: Endpoint {
                base_url: Some(base_url),
                ..Endpoint::default()
            },
        })
    }

    /// Prometheus's JSON answer to an instant query, as text.
    #[pyo3(signature = (query, when=None, timeout=None))]
    fn query(
        &self,
        py: Python<'_>,
        query: String,
        when: Option<String>,
        timeout: Option<String>,
    ) -> PyResult<String> {
        let request = InstantQuery {
            query,
            when,
            timeout,
        };
        block_on(py, self.host.query(&self.endpoint, &request))?.map_err(|e| call_failed(py, &e))
    }

    /// Prometheus's JSON answer to a range query, as text.
    #[pyo3(signature = (query, start, end, step=None, timeout=None))]
    fn query_interval(
        &self,
        py: Python<'_>,
        query: String,
        start: String,
        end: String,
        step: Option<String>,
        timeout: Option<String>,
    ) -> PyResult<String> {
        let request = RangeQuery {
            query,
            start,
            end,
            step,
            timeout,
        };
        block_on(py, self.host.query_interval(&self.endpoint, &request))?
            .map_err(|e| call_failed(py, &e))
    }

    /// The one number of a scalar or one-series answer.
    #[pyo3(signature = (query, when=None, timeout=None, default=None))]
    fn query_value(
        &self,
        py: Python<'_>,
        query: String,
        when: Option<String>,
        timeout: Option<String>,
        default: Option<f64>,
    ) -> PyResult<f64> {
        let request = InstantQuery {
            query,
            when,
            timeout,
        };
        block_on(py, self.host.query_value(&self.endpoint, &request, default))?
            .map_err(|e| call_failed(py, &e))
    }

    /// The mean of the one series' samples over `window` up to now.
    #[pyo3(signature = (query, window=None, mean_type=None))]
    fn compute_mean(
        &self,
        py: Python<'_>,
        query: String,
        window: Option<String>,
        mean_type: Option<String>,
    ) -> PyResult<f64> {
        let window = mean_window(py, window, mean_type)?;
        block_on(py, self.host.compute_mean(&self.endpoint, &query, &window))?
            .map_err(|e| call_failed(py, &e))
    }

    /// `compute_mean` of the nodes' CPU usage.
    #[pyo3(signature = (window=None, mean_type=None))]
    fn nodes_cpu_usage_mean(
        &self,
        py: Python<'_>,
        window: Option<String>,
        mean_type: Option<String>,
    ) -> PyResult<f64> {
        let window = mean_window(py, window, mean_type)?;
        block_on(py, self.host.nodes_cpu_usage_mean(&self.endpoint, &window))?
            .map_err(|e| call_failed(py, &e))
    }

    /// The active alerts that pass every condition, as a JSON array of
    /// Prometheus's alert objects: `exact` label values, PromQL `matchers`
    /// (`severity=~critical|page`), `state` pending, firing or any.
    #[pyo3(signature = (alertname=None, exact=Vec::new(), matchers=Vec::new(), state=None))]
    fn alerts(
        &self,
        py: Python<'_>,
        alertname: Option<String>,
        exact: Vec<(String, String)>,
        matchers: Vec<String>,
        state: Option<String>,
    ) -> PyResult<String> {
        let mut labels: Vec<LabelMatcher> = exact
            .into_iter()
            .map(|(name, value)| LabelMatcher {
                name,
                op: MatchOp::Equal,
                value,
            })
            .collect();
        for text in &matchers {
            labels.push(LabelMatcher::parse(text).map_err(|e| invalid(py, &e))?);
        }
        let state = match state {
            None => None,
            Some(text) => AlertState::parse(&text).map_err(|e| invalid(py, &e))?,
        };
        let filter = AlertFilter {
            alertname,
            labels,
            state,
        };
        block_on(py, self.host.alerts(&self.endpoint, &filter.into()))?
            .map_err(|e| call_failed(py, &e))
    }
}

fn mean_window(
    py: Python<'_>,
    window: Option<String>,
    mean_type: Option<String>,
) -> PyResult<MeanWindow> {
    let kind = match mean_type.as_deref() {
        None | Some("arithmetic") => MeanKind::Arithmetic,
        Some("geometric") => MeanKind::Geometric,
        Some("harmonic") => MeanKind::Harmonic,
        Some(other) => {
            return Err(invalid(
                py,
                &format!("mean_type '{other}' is not arithmetic, geometric or harmonic"),
            ))
        }
    };
    Ok(MeanWindow {
        window,
        kind,
        end: None,
        step: None,
        timeout: None,
    })
}

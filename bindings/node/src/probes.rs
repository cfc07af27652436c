//! `PrometheusProbes`: one endpoint's probes under its own outbound policy,
//! which allows the endpoint's authority (and `allowHosts`) and nothing
//! else, with the credentials added by the host.

use std::sync::Arc;

use napi::Either;
use napi_derive::napi;
use serde_json::Value;

use chaosprometheus_host::{rules, Endpoint, InstantQuery, ProbeHost, RangeQuery};

use crate::options::{
    call_limits, mean_window, policy_for, step, whole, BasicAuth, Limits, MeanOptions, Secrets,
};
use crate::{call_failed, component};

/// Where Prometheus is, what the component may reach, the credentials the
/// host adds, the client timeouts and the per-call limits.
#[napi(object)]
pub struct ProbesOptions {
    /// Base URL of the Prometheus API, without `/api/v1`. Default
    /// `http://localhost:9090`. Its authority (`scheme://host:port`, as
    /// written, never resolved) is the only one the component may reach.
    pub base_url: Option<String>,
    /// More authorities the component may reach (a redirect's target):
    /// `HOST[:PORT]` (both schemes) or a URL.
    pub allow_hosts: Option<Vec<String>>,
    /// Sent as `Authorization: Bearer ...` by the host, to the base URL's
    /// authority only.
    pub bearer_token: Option<String>,
    /// Sent as `Authorization: Basic ...` by the host (a bearer token wins).
    #[napi(ts_type = "string | BasicAuth")]
    pub basic_auth: Option<Either<String, BasicAuth>>,
    /// Extra headers the host adds (such as `X-Scope-OrgID`); scrubbed from
    /// errors like the credentials.
    #[napi(ts_type = "Record<string, string>")]
    pub headers: Option<Value>,
    /// Milliseconds to open the connection. Default 5000.
    pub connect_timeout_ms: Option<u32>,
    /// Milliseconds from the request to the answer's first byte. Default 30000.
    pub first_byte_timeout_ms: Option<u32>,
    /// Longest pause between two chunks of the answer, ms. Default 30000.
    pub between_bytes_timeout_ms: Option<u32>,
    /// Largest answer accepted, in bytes. Default 67108864 (64 MiB).
    pub max_response_bytes: Option<f64>,
    pub limits: Option<Limits>,
}

/// `query` and `queryValue`'s options.
#[napi(object)]
pub struct InstantOptions {
    /// The evaluation time, a time expression (`5 minutes ago`, RFC 3339,
    /// a Unix epoch...). Default: Prometheus's now.
    pub when: Option<String>,
    /// Prometheus's server-side evaluation timeout, such as `10s`.
    pub timeout: Option<String>,
}

/// `queryValue`'s options.
#[napi(object)]
pub struct ValueOptions {
    pub when: Option<String>,
    pub timeout: Option<String>,
    /// The value when the query returns no series; without it, no series
    /// is a `result-shape` error.
    pub default: Option<f64>,
}

/// `queryInterval`'s range.
#[napi(object)]
pub struct RangeOptions {
    /// Time expressions, like `when`.
    pub start: String,
    pub end: String,
    /// Resolution: `15s`-style text or seconds, sent as given. Unset (or
    /// 0): the smallest whole number of seconds that keeps 11,000 points or
    /// fewer.
    #[napi(ts_type = "string | number")]
    pub step: Option<Either<String, f64>>,
    pub timeout: Option<String>,
}

/// The probes of one Prometheus, each call in a fresh sandboxed instance.
#[napi]
pub struct PrometheusProbes {
    pub(crate) inner: Arc<Probes>,
}

pub(crate) struct Probes {
    pub(crate) host: ProbeHost,
    pub(crate) endpoint: Endpoint,
}

#[napi]
impl PrometheusProbes {
    /// Builds the outbound policy and loads the component (once per
    /// process; later instances share it). Throws an `InvalidArgumentError`
    /// for a base URL, credential or limit it cannot use.
    #[napi(constructor)]
    pub fn new(options: Option<ProbesOptions>) -> napi::Result<PrometheusProbes> {
        let options = options.unwrap_or_else(|| ProbesOptions {
            base_url: None,
            allow_hosts: None,
            bearer_token: None,
            basic_auth: None,
            headers: None,
            connect_timeout_ms: None,
            first_byte_timeout_ms: None,
            between_bytes_timeout_ms: None,
            max_response_bytes: None,
            limits: None,
        });
        let base_url = options
            .base_url
            .unwrap_or_else(|| rules::request::DEFAULT_BASE_URL.to_string());
        let auth = Secrets {
            bearer_token: options.bearer_token,
            basic_auth: options.basic_auth,
            headers: options.headers,
        }
        .into_host_auth("")?;
        let policy = policy_for(
            &base_url,
            auth,
            options.allow_hosts.as_deref().unwrap_or_default(),
            "baseUrl",
        )?;
        let limits = call_limits(options.limits)?;
        let max_response_bytes = options
            .max_response_bytes
            .map(|n| whole(n, "maxResponseBytes"))
            .transpose()?;
        let host = component()?.host(policy, limits);
        Ok(PrometheusProbes {
            inner: Arc::new(Probes {
                host,
                endpoint: Endpoint {
                    base_url: Some(base_url),
                    connect_timeout_ms: options.connect_timeout_ms,
                    first_byte_timeout_ms: options.first_byte_timeout_ms,
                    between_bytes_timeout_ms: options.between_bytes_timeout_ms,
                    max_response_bytes,
                    ..Endpoint::default()
                },
            }),
        })
    }

    /// The base URL the probes query.
    #[napi(getter)]
    pub fn base_url(&self) -> String {
        self.inner.endpoint.base_url.clone().unwrap_or_default()
    }

    /// Prometheus's answer to an instant query, parsed.
    #[napi(ts_return_type = "Promise<PrometheusAnswer>")]
    pub async fn query(
        &self,
        query: String,
        options: Option<InstantOptions>,
    ) -> napi::Result<Value> {
        let inner = Arc::clone(&self.inner);
        let (when, timeout) = options.map_or((None, None), |o| (o.when, o.timeout));
        let request = InstantQuery {
            query,
            when,
            timeout,
        };
        let text = inner
            .host
            .query(&inner.endpoint, &request)
            .await
            .map_err(call_failed)?;
        parsed(&text)
    }

    /// Prometheus's answer to a range query, parsed.
    #[napi(ts_return_type = "Promise<PrometheusAnswer>")]
    pub async fn query_interval(&self, query: String, range: RangeOptions) -> napi::Result<Value> {
        let inner = Arc::clone(&self.inner);
        let request = RangeQuery {
            query,
            start: range.start,
            end: range.end,
            step: step(range.step)?,
            timeout: range.timeout,
        };
        let text = inner
            .host
            .query_interval(&inner.endpoint, &request)
            .await
            .map_err(call_failed)?;
        parsed(&text)
    }

    /// The one number of a scalar or one-series answer (NaN and ±Infinity
    /// kept).
    #[napi]
    pub async fn query_value(
        &self,
        query: String,
        options: Option<ValueOptions>,
    ) -> napi::Result<f64> {
        let inner = Arc::clone(&self.inner);
        let (when, timeout, default) =
            options.map_or((None, None, None), |o| (o.when, o.timeout, o.default));
        let request = InstantQuery {
            query,
            when,
            timeout,
        };
        inner
            .host
            .query_value(&inner.endpoint, &request, default)
            .await
            .map_err(call_failed)
    }

    /// The mean of the one series' samples over the window.
    #[napi]
    pub async fn compute_mean(
        &self,
        query: String,
        options: Option<MeanOptions>,
    ) -> napi::Result<f64> {
        let inner = Arc::clone(&self.inner);
        let window = mean_window(options)?;
        inner
            .host
            .compute_mean(&inner.endpoint, &query, &window)
            .await
            .map_err(call_failed)
    }

    /// `computeMean` of the nodes' CPU usage (node_exporter's
    /// `node_cpu_seconds_total`), in percent.
    #[napi]
    pub async fn nodes_cpu_usage_mean(&self, options: Option<MeanOptions>) -> napi::Result<f64> {
        let inner = Arc::clone(&self.inner);
        let window = mean_window(options)?;
        inner
            .host
            .nodes_cpu_usage_mean(&inner.endpoint, &window)
            .await
            .map_err(call_failed)
    }
}

/// The component hands back Prometheus's JSON unchanged; JavaScript gets it
/// parsed.
pub(crate) fn parsed(text: &str) -> napi::Result<Value> {
    serde_json::from_str(text).map_err(|e| {
        crate::failed(
            "bad-response/not-json",
            &format!("the component returned text that is not JSON: {e}"),
        )
    })
}

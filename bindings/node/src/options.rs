//! What JavaScript passes in, and how it becomes the host library's policy,
//! limits and request records.

use std::time::Duration;

use napi::Either;
use napi_derive::napi;
use serde_json::Value;

use chaosprometheus_host::probe_args::{self, mean_kind};
use chaosprometheus_host::{
    Authority, CallLimits, Credential, HostAuth, MeanWindow, OutboundPolicy,
};

use crate::invalid;

/// `user:password`, or its two parts.
#[napi(object)]
pub struct BasicAuth {
    pub user: String,
    pub password: String,
}

/// What one call may use. Each call runs in a fresh instance, so these hold
/// per call.
#[napi(object)]
pub struct Limits {
    /// Largest linear memory the component may grow to, in bytes.
    /// Default 268435456 (256 MiB).
    pub memory_bytes: Option<f64>,
    /// CPU budget in wasmtime fuel units (about one per wasm instruction;
    /// waiting on the network costs none). Default 20e9.
    pub fuel: Option<f64>,
    /// Wall-clock time for the whole call, waiting included, in
    /// milliseconds. Default 120000.
    pub deadline_ms: Option<u32>,
}

/// The credential the host adds for one authority, and extra headers: a
/// bearer token wins over basic auth. The component never sees them, and
/// errors are scrubbed of them.
pub struct Secrets {
    pub bearer_token: Option<String>,
    pub basic_auth: Option<Either<String, BasicAuth>>,
    pub headers: Option<Value>,
}

impl Secrets {
    /// The host library's form; `what` names the option in an error.
    pub fn into_host_auth(self, what: &str) -> napi::Result<HostAuth> {
        // The two parts read as the text form does: the user ends at the
        // first colon (RFC 7617), so the host library's rule takes both.
        let basic = self.basic_auth.map(|basic| match basic {
            Either::A(pair) => pair,
            Either::B(BasicAuth { user, password }) => format!("{user}:{password}"),
        });
        let credential = Credential::from_token_or_basic(self.bearer_token, basic.as_deref())
            .map_err(|e| invalid(&format!("{what}basicAuth: {e}")))?;
        let headers = string_pairs(self.headers, &format!("{what}headers"))?;
        Ok((credential, headers))
    }
}

/// A policy that allows `url`'s authority (with its credential and
/// headers) and each of `allow_hosts` (`HOST[:PORT]` or a URL).
pub fn policy_for(
    url: &str,
    auth: HostAuth,
    allow_hosts: &[String],
    url_option: &str,
) -> napi::Result<OutboundPolicy> {
    let mut policy = OutboundPolicy::from_environment();
    policy
        .allow_endpoint(url, auth)
        .map_err(|e| invalid(&format!("{url_option}: {e}")))?;
    for host in allow_hosts {
        let authorities = if host.contains("://") {
            Authority::from_url(host).map(|a| vec![a])
        } else {
            Authority::from_allow_host(host)
        }
        .map_err(|e| invalid(&format!("allowHosts: {e}")))?;
        for authority in authorities {
            policy.allow(authority);
        }
    }
    Ok(policy)
}

pub fn call_limits(limits: Option<Limits>) -> napi::Result<CallLimits> {
    let mut out = CallLimits::default();
    let Some(limits) = limits else {
        return Ok(out);
    };
    if let Some(bytes) = limits.memory_bytes {
        out.memory_bytes = whole(bytes, "limits.memoryBytes")? as usize;
    }
    if let Some(fuel) = limits.fuel {
        out.fuel = whole(fuel, "limits.fuel")?;
    }
    if let Some(ms) = limits.deadline_ms {
        out.deadline = Duration::from_millis(u64::from(ms));
    }
    Ok(out)
}

/// A JavaScript number that must be a positive whole number.
pub fn whole(number: f64, what: &str) -> napi::Result<u64> {
    if number.is_finite() && number >= 1.0 && number.fract() == 0.0 && number <= 2f64.powi(53) {
        Ok(number as u64)
    } else {
        Err(invalid(&format!(
            "{what} must be a positive whole number, not {number}"
        )))
    }
}

/// `{name: value, ...}` (insertion order kept) as pairs of strings.
pub fn string_pairs(value: Option<Value>, what: &str) -> napi::Result<Vec<(String, String)>> {
    match value {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Object(map)) => map
            .into_iter()
            .map(|(name, value)| match value {
                Value::String(text) => Ok((name, text)),
                other => Err(invalid(&format!(
                    "{what}: the value of '{name}' must be a string, not {other}"
                ))),
            })
            .collect(),
        Some(other) => Err(invalid(&format!(
            "{what} must be an object of strings, not {other}"
        ))),
    }
}

/// A JSON document given as an object (or as its text), as text.
pub fn json_text(value: Option<Value>) -> Option<String> {
    match value {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => Some(text),
        Some(other) => Some(other.to_string()),
    }
}

/// A `step` given as `"15s"`-style text or as a number of seconds, read by
/// the host library's rule (0 or `""`: the component picks one).
pub fn step(value: Option<Either<String, f64>>) -> napi::Result<Option<String>> {
    let value = value.map(text_or_number);
    probe_args::step(value.as_ref()).map_err(|e| invalid(&e.to_string()))
}

/// Text or a JavaScript number as the JSON value the host library's rules
/// read.
pub fn text_or_number(value: Either<String, f64>) -> Value {
    match value {
        Either::A(text) => Value::String(text),
        Either::B(number) => number_value(number),
    }
}

/// A JavaScript number as JSON: a whole one as an integer (JavaScript has
/// only doubles), NaN and ±Infinity as the text Rust reads back as them
/// (JSON has no such numbers).
pub fn number_value(number: f64) -> Value {
    if number.fract() == 0.0 && number.abs() < 2f64.powi(53) {
        Value::from(number as i64)
    } else {
        serde_json::Number::from_f64(number)
            .map_or_else(|| Value::String(number.to_string()), Value::Number)
    }
}

/// The window of `computeMean` and `nodesCpuUsageMean`.
#[napi(object)]
pub struct MeanOptions {
    /// How far back from `end`: `1d` (default), `30m`, `2h`...
    pub window: Option<String>,
    /// `arithmetic` (default), `geometric` or `harmonic`.
    #[napi(ts_type = "'arithmetic' | 'geometric' | 'harmonic'")]
    pub kind: Option<String>,
    /// The window's end, a time expression. Default `now`.
    pub end: Option<String>,
    /// Resolution: `15s`-style text or seconds. Default window / 300.
    #[napi(ts_type = "string | number")]
    pub step: Option<Either<String, f64>>,
    /// Prometheus's server-side evaluation timeout, such as `10s`.
    pub timeout: Option<String>,
}

pub fn mean_window(options: Option<MeanOptions>) -> napi::Result<MeanWindow> {
    let options = options.unwrap_or(MeanOptions {
        window: None,
        kind: None,
        end: None,
        step: None,
        timeout: None,
    });
    let kind = mean_kind(options.kind.as_deref()).map_err(|e| invalid(&format!("kind {e}")))?;
    Ok(MeanWindow {
        window: options.window,
        kind,
        end: options.end,
        step: step(options.step)?,
        timeout: options.timeout,
    })
}

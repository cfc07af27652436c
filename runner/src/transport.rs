//! How the host reaches the experiment's Prometheus and Pushgateway: TLS
//! (CA bundle, client certificate, `verify_tls`) and query retries, from
//! the configuration and secrets, on top of what the command line set.

use std::time::Duration;

use serde_json::{Map, Value};

use chaosprometheus_host::{pem_or_file, Authority, ClientIdentity, OutboundPolicy, RetryPolicy};

use crate::configuration::substitute;
use crate::prometheus::PROBES_MODULE;

/// Sets `authority`'s TLS from `<config_prefix>_ca_bundle` (configuration)
/// and `<secret_prefix>_client_cert` / `<secret_prefix>_client_key`
/// (secrets), each a PEM text or the path of a PEM file; `verify: false`
/// turns verification off. What is not set keeps the command line's.
pub(crate) fn apply_tls(
    policy: &mut OutboundPolicy,
    authority: &Authority,
    configuration: &Map<String, Value>,
    secrets: &Map<String, Value>,
    (config_prefix, secret_prefix): (&str, &str),
    verify: bool,
) -> Result<(), String> {
    let mut tls = policy.tls_for(authority);
    let ca_key = format!("{config_prefix}_ca_bundle");
    // An empty value (an env default) is no value.
    fn set(value: Option<&Value>) -> Option<&str> {
        value
            .and_then(Value::as_str)
            .filter(|s| !s.trim().is_empty())
    }
    if let Some(ca) = set(configuration.get(&ca_key)) {
        tls.ca_bundle = Some(pem_or_file(&ca_key, ca)?);
    }
    let cert_key = format!("{secret_prefix}_client_cert");
    let key_key = format!("{secret_prefix}_client_key");
    let text = |key: &str| set(secrets.get(key));
    match (text(&cert_key), text(&key_key)) {
        (Some(cert), Some(key)) => {
            tls.client_identity = Some(ClientIdentity {
                cert_chain: pem_or_file(&cert_key, cert)?,
                private_key: pem_or_file(&key_key, key)?,
            })
        }
        (None, None) => {}
        _ => return Err(format!("secrets {cert_key} and {key_key} go together")),
    }
    tls.verify &= verify;
    if authority.scheme == "https" {
        tracing::debug!(%authority, tls = %tls.describe(), "TLS");
    }
    policy
        .set_tls(authority.clone(), tls)
        .map_err(|e| format!("TLS for {authority}: {e}"))
}

/// `verify_tls` of the experiment's Prometheus probes: false when any of
/// them (hypothesis, method, rollbacks, safeguards) sets it false, since
/// the host's TLS policy is per authority, for the whole run.
pub(crate) fn probes_verify_tls(experiment: &Value, configuration: &Map<String, Value>) -> bool {
    fn any_false(value: &Value, configuration: &Map<String, Value>) -> bool {
        match value {
            Value::Object(map) => {
                let probe = map.get("module").and_then(Value::as_str) == Some(PROBES_MODULE);
                let verify = map.get("arguments").and_then(|a| a.get("verify_tls"));
                if probe
                    && verify.is_some_and(|v| substitute(v, configuration) == Value::Bool(false))
                {
                    return true;
                }
                map.values().any(|v| any_false(v, configuration))
            }
            Value::Array(items) => items.iter().any(|v| any_false(v, configuration)),
            _ => false,
        }
    }
    !any_false(experiment, configuration)
}

/// `prometheus_retries` (tries in all) and `prometheus_retry_budget`
/// (seconds) from the configuration, over the command line's.
pub(crate) fn apply_retries(
    policy: &mut OutboundPolicy,
    authority: &Authority,
    configuration: &Map<String, Value>,
) -> Result<(), String> {
    let mut retry: RetryPolicy = policy.retry_for(authority);
    if let Some(value) = configuration.get("prometheus_retries") {
        let tries = value
            .as_u64()
            .or_else(|| value.as_str()?.trim().parse().ok())
            .filter(|n| (1..=20).contains(n))
            .ok_or("prometheus_retries must be a whole number of tries from 1 to 20")?;
        retry.attempts = tries as u32;
    }
    if let Some(value) = configuration.get("prometheus_retry_budget") {
        let seconds = value
            .as_f64()
            .or_else(|| value.as_str()?.trim().parse().ok())
            .filter(|s| s.is_finite() && *s >= 0.0 && *s <= 3600.0)
            .ok_or("prometheus_retry_budget must be a number of seconds up to 3600")?;
        retry.budget = Duration::from_secs_f64(seconds);
    }
    policy.set_retry(authority.clone(), retry);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn any_prometheus_probe_with_verify_tls_false_turns_verification_off() {
        let config = json!({"verify": false}).as_object().unwrap().clone();
        let probe = |verify: Value| json!({"method": [{"type": "probe", "provider": {"type": "python", "module": PROBES_MODULE, "func": "query", "arguments": {"query": "up", "verify_tls": verify}}}]});
        assert!(probes_verify_tls(&probe(json!(true)), &config));
        assert!(!probes_verify_tls(&probe(json!(false)), &config));
        assert!(!probes_verify_tls(&probe(json!("${verify}")), &config));
        let http = json!({"method": [{"provider": {"type": "http", "url": "x", "arguments": {"verify_tls": false}}}]});
        assert!(probes_verify_tls(&http, &config));
    }

    #[test]
    fn retries_from_the_configuration() {
        let mut policy = OutboundPolicy::default();
        let authority = Authority::from_url("http://127.0.0.1:9090").unwrap();
        let config = json!({"prometheus_retries": 5, "prometheus_retry_budget": "2.5"});
        apply_retries(&mut policy, &authority, config.as_object().unwrap()).unwrap();
        let retry = policy.retry_for(&authority);
        assert_eq!(
            (retry.attempts, retry.budget),
            (5, Duration::from_millis(2500))
        );
        let bad = json!({"prometheus_retries": 0});
        assert!(apply_retries(&mut policy, &authority, bad.as_object().unwrap()).is_err());
    }

    #[test]
    fn a_missing_key_file_is_named_without_contents() {
        let mut policy = OutboundPolicy::default();
        let authority = Authority::from_url("https://127.0.0.1:9090").unwrap();
        let secrets = json!({"prometheus_client_cert": "/nonexistent/cert.pem", "prometheus_client_key": "/nonexistent/key.pem"});
        let error = apply_tls(
            &mut policy,
            &authority,
            &Map::new(),
            secrets.as_object().unwrap(),
            ("prometheus", "prometheus"),
            true,
        )
        .unwrap_err();
        assert!(error.contains("prometheus_client_cert"), "{error}");
    }
}

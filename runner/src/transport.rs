//! Whether the run verifies the Prometheus's TLS: the one setting of the
//! host's policy that the experiment's probes give (the configuration and
//! secrets are read by `chaosprometheus_host::settings`).

use serde_json::{Map, Value};

use chaosprometheus_host::probe_args::verify_tls;

use crate::configuration::substitute;
use crate::prometheus::PROBES_MODULE;

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
                    && verify.is_some_and(|v| {
                        verify_tls(Some(&substitute(v, configuration))) == Ok(false)
                    })
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
}

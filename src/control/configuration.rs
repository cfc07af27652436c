//! Where a run's settings come from besides the control's own: the
//! experiment's `configuration` block.

use super::DEFAULT_PUSHGATEWAY_URL;
use crate::error::ProbeError;
use crate::json::{self, Value};
use crate::request::scheme_separator;

/// The Pushgateway a run pushes to: the control's own setting, else the
/// experiment's `configuration.prometheus_pushgateway_url` (text, once the
/// runner has resolved it), else the default; a bare `host:port` means
/// http, as in prometheus_client.
pub(super) fn resolve_pushgateway_url(
    setting: Option<String>,
    configured: Option<String>,
) -> String {
    let url = setting
        .or(configured)
        .unwrap_or_else(|| DEFAULT_PUSHGATEWAY_URL.to_string());
    if scheme_separator(&url).is_some() {
        url
    } else {
        format!("http://{url}")
    }
}

/// [`resolve_pushgateway_url`] for the native hosts, which hold the
/// experiment's configuration as serde_json values (the guest has no
/// serde_json).
#[cfg(not(target_arch = "wasm32"))]
pub fn pushgateway_url(
    setting: Option<String>,
    configuration: &serde_json::Map<String, serde_json::Value>,
) -> Result<String, ProbeError> {
    let configured = match configuration.get(PUSHGATEWAY_URL_KEY) {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(text)) => Some(text.clone()),
        Some(_) => return Err(not_a_string(PUSHGATEWAY_URL_KEY)),
    };
    Ok(resolve_pushgateway_url(setting, configured))
}

pub(super) const PUSHGATEWAY_URL_KEY: &str = "prometheus_pushgateway_url";

/// The experiment's `configuration` block, for the settings it may hold.
pub(super) struct Configuration(Value);

impl Configuration {
    pub(super) fn parse(json: Option<&str>) -> Result<Configuration, ProbeError> {
        let Some(json) = json else {
            return Ok(Configuration(Value::Null));
        };
        match json::parse(json) {
            Ok(value @ (Value::Object(_) | Value::Null)) => Ok(Configuration(value)),
            _ => Err(ProbeError::invalid(
                "the configuration must be a JSON object",
            )),
        }
    }

    pub(super) fn string(&self, key: &str) -> Result<Option<String>, ProbeError> {
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) => Ok(Some(text.clone())),
            Some(_) => Err(not_a_string(key)),
        }
    }
}

fn not_a_string(key: &str) -> ProbeError {
    ProbeError::invalid(format!(
        "configuration '{key}' must be a string; the runner resolves env-sourced values before the control sees them"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The hosts' serde_json adapter and the guest's own reading agree.
    #[test]
    fn hosts_and_guest_read_the_pushgateway_url_alike() {
        for text in [
            r#"{}"#,
            r#"{"prometheus_pushgateway_url": null}"#,
            r#"{"prometheus_pushgateway_url": "gw:9999/prefix/"}"#,
            r#"{"prometheus_pushgateway_url": "http://a:1", "prometheus_pushgateway_url": "https://b:2"}"#,
            r#"{"prometheus_pushgateway_url": 7}"#,
            r#"{"prometheus_pushgateway_url": {"type": "env", "key": "X"}}"#,
        ] {
            let map: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(text).unwrap();
            let host = pushgateway_url(None, &map);
            let guest = Configuration::parse(Some(text))
                .and_then(|c| c.string(PUSHGATEWAY_URL_KEY))
                .map(|configured| resolve_pushgateway_url(None, configured));
            assert_eq!(host, guest, "{text}");
        }
    }
}

//! Where a run's settings come from besides the control's own: the
//! experiment's `configuration` block.

use serde_json::{Map, Value};

use super::DEFAULT_PUSHGATEWAY_URL;
use crate::error::ProbeError;
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

/// The Pushgateway of [`resolve_pushgateway_url`], for the hosts, which hold
/// the experiment's configuration as a map already.
pub fn pushgateway_url(
    setting: Option<String>,
    configuration: &Map<String, Value>,
) -> Result<String, ProbeError> {
    let configured = string(configuration, PUSHGATEWAY_URL_KEY)?;
    Ok(resolve_pushgateway_url(setting, configured))
}

pub(super) const PUSHGATEWAY_URL_KEY: &str = "prometheus_pushgateway_url";

/// The experiment's `configuration` block, for the settings it may hold.
pub(super) struct Configuration(Map<String, Value>);

impl Configuration {
    pub(super) fn parse(json: Option<&str>) -> Result<Configuration, ProbeError> {
        let Some(json) = json else {
            return Ok(Configuration(Map::new()));
        };
        match serde_json::from_str(json) {
            Ok(Value::Object(map)) => Ok(Configuration(map)),
            Ok(Value::Null) => Ok(Configuration(Map::new())),
            _ => Err(ProbeError::invalid(
                "the configuration must be a JSON object",
            )),
        }
    }

    pub(super) fn string(&self, key: &str) -> Result<Option<String>, ProbeError> {
        string(&self.0, key)
    }
}

fn string(configuration: &Map<String, Value>, key: &str) -> Result<Option<String>, ProbeError> {
    match configuration.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(_) => Err(ProbeError::invalid(format!(
            "configuration '{key}' must be a string; the runner resolves env-sourced values before the control sees them"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pushgateway_url_comes_from_the_setting_then_the_configuration() {
        let url = |setting: Option<&str>, text: &str| {
            Configuration::parse(Some(text))
                .and_then(|c| c.string(PUSHGATEWAY_URL_KEY))
                .map(|configured| resolve_pushgateway_url(setting.map(String::from), configured))
        };
        assert_eq!(url(None, "{}").unwrap(), DEFAULT_PUSHGATEWAY_URL);
        assert_eq!(url(None, "null").unwrap(), DEFAULT_PUSHGATEWAY_URL);
        assert_eq!(
            url(None, r#"{"prometheus_pushgateway_url": null}"#).unwrap(),
            DEFAULT_PUSHGATEWAY_URL
        );
        assert_eq!(
            url(None, r#"{"prometheus_pushgateway_url": "gw:9999/prefix/"}"#).unwrap(),
            "http://gw:9999/prefix/"
        );
        // A repeated key: the last wins, as in json.loads.
        assert_eq!(
            url(
                None,
                r#"{"prometheus_pushgateway_url": "http://a:1", "prometheus_pushgateway_url": "https://b:2"}"#
            )
            .unwrap(),
            "https://b:2"
        );
        assert_eq!(
            url(
                Some("http://c:3"),
                r#"{"prometheus_pushgateway_url": "http://a:1"}"#
            )
            .unwrap(),
            "http://c:3"
        );
        for not_a_string in [
            r#"{"prometheus_pushgateway_url": 7}"#,
            r#"{"prometheus_pushgateway_url": {"type": "env", "key": "X"}}"#,
        ] {
            assert!(
                matches!(url(None, not_a_string), Err(ProbeError::InvalidArgument(m)) if m.contains("must be a string")),
                "{not_a_string}"
            );
        }
        for not_an_object in ["[]", "7", "{"] {
            assert!(
                matches!(
                    Configuration::parse(Some(not_an_object)),
                    Err(ProbeError::InvalidArgument(_))
                ),
                "{not_an_object}"
            );
        }
    }
}

//! Configuration, secrets and the `${name}` substitution Chaos Toolkit
//! applies to activity arguments.

use std::collections::BTreeMap;

use chaosprometheus::python::str_value;
use serde_json::{Map, Value};

/// Resolved configuration and secrets of one experiment.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConfigurationAndSecrets {
    pub configuration: Map<String, Value>,
    /// Scope name → its secrets.
    pub secrets: BTreeMap<String, Map<String, Value>>,
}

impl ConfigurationAndSecrets {
    /// Resolves the experiment's `configuration` and `secrets` blocks:
    /// literal values, and `{"type": "env", "key": ..., "default"?}` read
    /// from `env`. `overrides` (from `--var`) replace configuration keys.
    pub fn resolve(
        experiment: &Value,
        overrides: &Map<String, Value>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<ConfigurationAndSecrets, String> {
        let mut configuration = Map::new();
        if let Some(block) = experiment.get("configuration") {
            let block = block
                .as_object()
                .ok_or("the experiment's configuration must be an object")?;
            for (key, value) in block {
                configuration.insert(
                    key.clone(),
                    resolve_value(value, env).map_err(|e| format!("configuration '{key}': {e}"))?,
                );
            }
        }
        for (key, value) in overrides {
            configuration.insert(key.clone(), value.clone());
        }
        let mut secrets = BTreeMap::new();
        if let Some(block) = experiment.get("secrets") {
            let block = block
                .as_object()
                .ok_or("the experiment's secrets must be an object")?;
            for (scope, entries) in block {
                let entries = entries
                    .as_object()
                    .ok_or_else(|| format!("secrets scope '{scope}' must be an object"))?;
                let mut resolved = Map::new();
                for (key, value) in entries {
                    resolved.insert(
                        key.clone(),
                        resolve_value(value, env)
                            .map_err(|e| format!("secret '{scope}.{key}': {e}"))?,
                    );
                }
                secrets.insert(scope.clone(), resolved);
            }
        }
        Ok(ConfigurationAndSecrets {
            configuration,
            secrets,
        })
    }

    /// The values an activity's arguments may name: the configuration, then
    /// the secrets of the scopes the activity declares.
    pub fn lookup(&self, scopes: &[String]) -> Map<String, Value> {
        let mut names = self.configuration.clone();
        for scope in scopes {
            if let Some(entries) = self.secrets.get(scope) {
                for (key, value) in entries {
                    names.insert(key.clone(), value.clone());
                }
            }
        }
        names
    }

    /// The secret values, so they can be kept out of what is printed.
    pub fn secret_values(&self) -> Vec<String> {
        self.secrets
            .values()
            .flat_map(|scope| scope.values())
            .filter_map(|v| v.as_str().map(str::to_string))
            .filter(|v| !v.is_empty())
            .collect()
    }
}

fn resolve_value(value: &Value, env: &dyn Fn(&str) -> Option<String>) -> Result<Value, String> {
    let Some(object) = value.as_object() else {
        return Ok(value.clone());
    };
    match object.get("type").and_then(Value::as_str) {
        Some("env") => {
            let key = object
                .get("key")
                .and_then(Value::as_str)
                .ok_or("an env value needs a \"key\"")?;
            let raw = match env(key) {
                Some(text) => Value::String(text),
                None => object.get("default").cloned().ok_or_else(|| {
                    format!("the environment variable {key} is not set and there is no default")
                })?,
            };
            convert(raw, object.get("env_var_type").and_then(Value::as_str))
        }
        _ => Ok(value.clone()),
    }
}

/// A value typed as Chaos Toolkit types text: `str` (or `bytes`), `int`,
/// `float`, `bool`, `json`. Used for `env_var_type` and for `--var KEY:TYPE=VALUE`.
pub fn convert(raw: Value, kind: Option<&str>) -> Result<Value, String> {
    let Value::String(text) = &raw else {
        return Ok(raw);
    };
    let bad = |what: &str| format!("'{text}' is not {what}");
    Ok(match kind {
        None | Some("str") | Some("string") | Some("bytes") => raw.clone(),
        Some("int") | Some("integer") => {
            Value::from(text.trim().parse::<i64>().map_err(|_| bad("an integer"))?)
        }
        Some("float") | Some("number") => {
            serde_json::Number::from_f64(text.trim().parse::<f64>().map_err(|_| bad("a number"))?)
                .map(Value::Number)
                .ok_or_else(|| bad("a finite number"))?
        }
        Some("bool") => Value::Bool(!matches!(
            text.to_lowercase().as_str(),
            "false" | "0" | "no"
        )),
        Some("json") if text.is_empty() => raw.clone(),
        Some("json") => serde_json::from_str(text).map_err(|_| bad("JSON"))?,
        Some(other) => {
            return Err(format!(
                "type '{other}' is not one of str, int, float, bool, json"
            ))
        }
    })
}

/// Replaces `${name}` and `$name` in every string of `value` with the named
/// value (Python's `string.Template.safe_substitute`, as Chaos Toolkit
/// uses it): a string that is exactly `${name}` takes the value with its
/// type, any other placement gives its Python `str()`; unknown names stay
/// as written; `$$` is a dollar sign; object keys are left alone.
pub fn substitute(value: &Value, names: &Map<String, Value>) -> Value {
    match value {
        Value::String(text) => substitute_str(text, names),
        Value::Array(items) => Value::Array(items.iter().map(|v| substitute(v, names)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), substitute(v, names)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn substitute_str(text: &str, names: &Map<String, Value>) -> Value {
    if let Some(name) = sole_placeholder(text) {
        if let Some(value) = names.get(name) {
            return value.clone();
        }
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(dollar) = rest.find('$') {
        out.push_str(&rest[..dollar]);
        let after = &rest[dollar + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
            continue;
        }
        let (name, consumed) = if let Some(braced) = after.strip_prefix('{') {
            match braced.find('}') {
                Some(end) if is_identifier(&braced[..end]) => (&braced[..end], end + 2),
                _ => ("", 0),
            }
        } else {
            let len = identifier_len(after);
            (&after[..len], len)
        };
        match names.get(name).filter(|_| !name.is_empty()) {
            Some(value) => {
                out.push_str(&str_value(value));
                rest = &after[consumed..];
            }
            None => {
                out.push('$');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    Value::String(out)
}

/// `${name}` and nothing else (Chaos Toolkit keeps the type only for the
/// braced form).
fn sole_placeholder(text: &str) -> Option<&str> {
    let name = text.strip_prefix("${")?.strip_suffix('}')?;
    is_identifier(name).then_some(name)
}

fn is_identifier(text: &str) -> bool {
    !text.is_empty() && identifier_len(text) == text.len()
}

/// Python's `string.Template` identifiers: `[_a-z][_a-z0-9]*`, any case.
fn identifier_len(text: &str) -> usize {
    let mut len = 0;
    for (i, c) in text.char_indices() {
        let ok = c == '_' || c.is_ascii_alphabetic() || (i > 0 && c.is_ascii_digit());
        if !ok {
            break;
        }
        len = i + c.len_utf8();
    }
    len
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn names() -> Map<String, Value> {
        json!({"url": "http://p:9090", "port": 9090, "flag": true, "nested": {"a": 1}})
            .as_object()
            .unwrap()
            .clone()
    }

    #[test]
    fn placeholders() {
        let n = names();
        assert_eq!(substitute(&json!("${url}"), &n), json!("http://p:9090"));
        assert_eq!(
            substitute(&json!("${port}"), &n),
            json!(9090),
            "a sole braced placeholder keeps its type"
        );
        assert_eq!(
            substitute(&json!("$port"), &n),
            json!("9090"),
            "the bare form is text"
        );
        assert_eq!(substitute(&json!("${nested}"), &n), json!({"a": 1}));
        assert_eq!(
            substitute(&json!("${url}/api and $port!"), &n),
            json!("http://p:9090/api and 9090!")
        );
        assert_eq!(substitute(&json!("flag=$flag"), &n), json!("flag=True"));
        assert_eq!(
            substitute(&json!("${missing} $missing $"), &n),
            json!("${missing} $missing $")
        );
        assert_eq!(substitute(&json!("cost: $$5"), &n), json!("cost: $5"));
        assert_eq!(
            substitute(&json!({"q": ["${url}", 1]}), &n),
            json!({"q": ["http://p:9090", 1]})
        );
        assert_eq!(
            substitute(&json!("up{job=\"$port\"}"), &n),
            json!("up{job=\"9090\"}")
        );
    }

    #[test]
    fn env_values_and_defaults() {
        let experiment = json!({
            "configuration": {
                "a": "literal",
                "b": {"type": "env", "key": "B"},
                "c": {"type": "env", "key": "C", "default": "fallback"}
            },
            "secrets": {"auth": {"token": {"type": "env", "key": "TOKEN"}}}
        });
        let env = |key: &str| match key {
            "B" => Some("from-env".to_string()),
            "TOKEN" => Some("s3cret".to_string()),
            _ => None,
        };
        let settings = ConfigurationAndSecrets::resolve(&experiment, &Map::new(), &env).unwrap();
        assert_eq!(
            Value::Object(settings.configuration.clone()),
            json!({"a": "literal", "b": "from-env", "c": "fallback"})
        );
        assert_eq!(settings.lookup(&["auth".into()])["token"], "s3cret");
        assert!(
            !settings.lookup(&[]).contains_key("token"),
            "secrets only for the scopes declared"
        );
        let missing = json!({"configuration": {"x": {"type": "env", "key": "NOPE"}}});
        assert!(
            ConfigurationAndSecrets::resolve(&missing, &Map::new(), &env)
                .unwrap_err()
                .contains("NOPE")
        );
    }
}

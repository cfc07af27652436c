//! Experiment files: read as JSON or YAML into one JSON value, the shape
//! Chaos Toolkit works on.

use std::path::Path;

use serde_json::Value;

/// Reads an experiment file. `.yaml`/`.yml` is YAML, anything else JSON.
pub fn load(path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the experiment {}: {e}", path.display()))?;
    let yaml = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"));
    let value: Value = if yaml {
        serde_saphyr::from_str(&text)
            .map_err(|e| format!("the experiment {} is not valid YAML: {e}", path.display()))?
    } else {
        serde_json::from_str(&text)
            .map_err(|e| format!("the experiment {} is not valid JSON: {e}", path.display()))?
    };
    if !value.is_object() {
        return Err(format!(
            "the experiment {} is not an object",
            path.display()
        ));
    }
    Ok(value)
}

/// The experiment as `chaos run` hands it to its controls (and so as the
/// experiment reference hashes it): with its `dry` mode, `null` when the
/// run is not dry.
pub fn with_dry_mode(mut experiment: Value, dry: Option<&str>) -> Value {
    if let Some(object) = experiment.as_object_mut() {
        object.insert(
            "dry".into(),
            dry.map_or(Value::Null, |mode| Value::String(mode.into())),
        );
    }
    experiment
}

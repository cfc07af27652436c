//! Experiment files: read as JSON or YAML into one JSON value, the shape
//! Chaos Toolkit works on.

use std::path::{Path, PathBuf};

use serde_json::Value;

/// Why an experiment file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    #[error("cannot read the experiment {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the experiment {} is not valid YAML: {source}", path.display())]
    Yaml {
        path: PathBuf,
        source: Box<serde_saphyr::Error>,
    },
    #[error("the experiment {} is not valid JSON: {source}", path.display())]
    Json {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("the experiment {} is not an object", path.display())]
    NotObject { path: PathBuf },
}

/// Reads an experiment file. `.yaml`/`.yml` is YAML, anything else JSON.
pub fn load(path: &Path) -> Result<Value, DocumentError> {
    let at = || path.to_path_buf();
    let text = std::fs::read_to_string(path)
        .map_err(|source| DocumentError::Read { path: at(), source })?;
    let yaml = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"));
    let value: Value = if yaml {
        serde_saphyr::from_str(&text).map_err(|source| DocumentError::Yaml {
            path: at(),
            source: Box::new(source),
        })?
    } else {
        serde_json::from_str(&text).map_err(|source| DocumentError::Json { path: at(), source })?
    };
    if !value.is_object() {
        return Err(DocumentError::NotObject { path: at() });
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

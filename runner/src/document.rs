//! Experiment files: read as JSON or YAML into one JSON value, the shape
//! Chaos Toolkit works on. As chaostoolkit-lib 1.44's loader reads them
//! (Python's `json.load` and PyYAML's `safe_load`): a key given twice
//! keeps its last value, a YAML stream of more than one document is
//! refused. Held to it by the differential test
//! `cli/tests/all/validation_parity`.

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
    parse(&text, yaml, path)
}

/// An experiment's text, YAML or JSON; `path` names it in errors.
fn parse(text: &str, yaml: bool, path: &Path) -> Result<Value, DocumentError> {
    let at = || path.to_path_buf();
    let value: Value = if yaml {
        let options = serde_saphyr::options! {
            duplicate_keys: serde_saphyr::options::DuplicateKeyPolicy::LastWins,
        };
        serde_saphyr::from_str_with_options(text, options).map_err(|source| {
            DocumentError::Yaml {
                path: at(),
                source: Box::new(source),
            }
        })?
    } else {
        serde_json::from_str(text).map_err(|source| DocumentError::Json { path: at(), source })?
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(text: &str, yaml: bool) -> Result<Value, DocumentError> {
        parse(text, yaml, Path::new("experiment"))
    }

    #[test]
    fn a_key_given_twice_keeps_its_last_value_in_yaml_and_json() {
        let yaml = read("title: first\ntitle: second\nmethod: []\n", true).unwrap();
        assert_eq!(yaml, json!({"title": "second", "method": []}));
        let json = read(r#"{"title": "first", "title": "second"}"#, false).unwrap();
        assert_eq!(json, json!({"title": "second"}));
    }

    #[test]
    fn a_yaml_stream_of_more_than_one_document_is_refused() {
        for text in ["title: t\n---\ntitle: u\n", "title: t\n---\n"] {
            let error = read(text, true).unwrap_err();
            assert!(
                matches!(error, DocumentError::Yaml { .. }),
                "{text:?}: {error}"
            );
        }
        // One document with its markers is one document.
        let marked = read("---\ntitle: t\n...\n", true).unwrap();
        assert_eq!(marked, json!({"title": "t"}));
    }

    #[test]
    fn an_empty_file_or_a_list_is_not_an_experiment() {
        for (text, yaml) in [("", true), ("- a\n", true), ("[]", false)] {
            let error = read(text, yaml).unwrap_err();
            assert!(
                matches!(error, DocumentError::NotObject { .. }),
                "{text:?}: {error}"
            );
        }
        assert!(matches!(read("", false), Err(DocumentError::Json { .. })));
    }
}

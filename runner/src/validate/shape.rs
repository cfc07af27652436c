//! The shapes chaostoolkit-lib 1.44's `ensure_experiment_is_valid` refuses
//! without saying so in its own words: what its loops, `+` and `.get` raise
//! on (a `TypeError` or `AttributeError` that ends `chaos run` before it
//! runs anything), and its tags and extensions checks. Held to chaoslib by
//! the differential test `cli/tests/all/validation_parity`.

use serde_json::Value;

use super::{list, truthy};

/// Each shape chaos run would refuse.
pub(super) fn problems(experiment: &Value) -> Vec<String> {
    let mut found = Vec::new();
    found.extend(tags(experiment.get("tags")));
    found.extend(extensions(experiment.get("extensions")));
    // Its activity cache: `method + hypothesis.get("probes", [])`, then
    // `activity.get("name")` of each, the true names as dictionary keys.
    let hypothesis = experiment.get("steady-state-hypothesis");
    if hypothesis.is_some_and(|h| !h.is_object()) {
        found.push("the steady-state hypothesis must be a mapping".to_string());
    }
    let probes = hypothesis.and_then(|h| h.get("probes"));
    if probes.is_some_and(|p| !p.is_array()) {
        found.push("the steady-state hypothesis probes must be a list".to_string());
    }
    for activity in list(experiment.get("method")).chain(list(probes)) {
        if let Some(name) = activity.get("name") {
            if truthy(name) && (name.is_array() || name.is_object()) {
                found.push(format!(
                    "an activity's name must be text, not {name} (a ref could not name it)"
                ));
            }
        }
    }
    // `for activity in rollbacks`: empty text and an empty mapping iterate
    // over nothing; anything else but a list fails.
    if let Some(rollbacks) = experiment.get("rollbacks") {
        let nothing_to_iterate =
            (rollbacks.is_string() || rollbacks.is_object()) && !truthy(rollbacks);
        if !rollbacks.is_array() && !nothing_to_iterate {
            found.push("the rollbacks must be a list".to_string());
        }
    }
    found
}

/// `experiment tags must be a non-empty string`, over what Python iterates:
/// a list's items, text's characters, a mapping's keys.
fn tags(tags: Option<&Value>) -> Option<String> {
    let tags = tags.filter(|t| truthy(t))?;
    let valid = match tags {
        Value::Array(items) => items
            .iter()
            .all(|t| t.as_str().is_some_and(|t| !t.is_empty())),
        Value::String(_) => true,
        Value::Object(map) => map.keys().all(|key| !key.is_empty()),
        _ => false,
    };
    (!valid).then(|| "the experiment's tags must be a list of non-empty text".to_string())
}

/// `All extensions require a non-empty name`: a list of mappings, each
/// named with text that is not blank.
fn extensions(extensions: Option<&Value>) -> Option<String> {
    let extensions = extensions.filter(|e| truthy(e))?;
    let named = |extension: &Value| {
        extension
            .get("name")
            .and_then(Value::as_str)
            .is_some_and(|name| !name.trim_matches(python_space).is_empty())
    };
    let valid = extensions
        .as_array()
        .is_some_and(|items| items.iter().all(named));
    (!valid).then(|| "extensions must be a list, each with a non-empty name".to_string())
}

/// What Python's `str.strip()` removes.
fn python_space(c: char) -> bool {
    c.is_whitespace() || ('\x1c'..='\x1f').contains(&c)
}

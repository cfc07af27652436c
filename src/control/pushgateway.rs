//! Where a push goes: the Pushgateway's `/metrics/job/<job>/<key>/<value>`
//! path, with its `@base64` form for values a path segment cannot carry.

use base64::engine::general_purpose::URL_SAFE;
use base64::Engine as _;

/// `/job/<job>` and `/<key>/<value>` for each grouping key pair, sorted by
/// key, as `prometheus_client` builds them: an empty value becomes
/// `<key>@base64/=`, a value with `/` or a space is URL-safe base64, and
/// anything else is percent-encoded.
pub fn metrics_path(job: &str, grouping_key: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = grouping_key.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let mut path = String::from("/metrics");
    for (key, value) in std::iter::once(("job", job)).chain(
        sorted
            .into_iter()
            .map(|(key, value)| (key.as_str(), value.as_str())),
    ) {
        let (key, value) = segment(key, value);
        path.push('/');
        path.push_str(&key);
        path.push('/');
        path.push_str(&value);
    }
    path
}

fn segment(key: &str, value: &str) -> (String, String) {
    if value.is_empty() {
        (format!("{key}@base64"), "=".to_string())
    } else if value.contains(['/', ' ']) {
        (format!("{key}@base64"), URL_SAFE.encode(value))
    } else {
        (
            key.to_string(),
            form_urlencoded::byte_serialize(value.as_bytes()).collect(),
        )
    }
}

/// Label names the Pushgateway accepts: `[a-zA-Z_][a-zA-Z0-9_]*`.
pub fn is_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn matches_upstream_wire_paths() {
        assert_eq!(
            metrics_path(
                "chaostoolkit",
                &key(&[("chaostoolkit_experiment_ref", "2203498860fa966cd046f1a1")])
            ),
            "/metrics/job/chaostoolkit/chaostoolkit_experiment_ref/2203498860fa966cd046f1a1"
        );
        assert_eq!(
            metrics_path("my job", &key(&[("team", "a/b"), ("env", "")])),
            "/metrics/job@base64/bXkgam9i/env@base64/=/team@base64/YS9i"
        );
    }

    #[test]
    fn other_values_are_percent_encoded() {
        assert_eq!(
            metrics_path("j", &key(&[("k", "é?#%")])),
            "/metrics/job/j/k/%C3%A9%3F%23%25"
        );
    }

    #[test]
    fn label_names() {
        assert!(is_label_name("chaostoolkit_experiment_ref") && is_label_name("_a1"));
        assert!(
            !is_label_name("")
                && !is_label_name("1a")
                && !is_label_name("a-b")
                && !is_label_name("é")
        );
    }
}

//! Building the queries the probe tests send, and reading Prometheus's
//! answers to them, without the code under test.

use chaosprometheus_host::InstantQuery;
use serde_json::Value;

/// `query` at the server's now, with the default timeout.
pub fn instant(query: &str) -> InstantQuery {
    InstantQuery {
        query: query.into(),
        when: None,
        timeout: None,
    }
}

/// The sample values of the first series of a range answer (a `matrix`);
/// none when the answer has no series.
pub fn first_series_samples(answer: &Value) -> Vec<f64> {
    assert_eq!(
        answer["data"]["resultType"], "matrix",
        "not a range answer: {answer}"
    );
    let Some(values) = answer["data"]["result"][0]["values"].as_array() else {
        return Vec::new();
    };
    values
        .iter()
        .map(|pair| {
            pair[1]
                .as_str()
                .and_then(|text| text.parse().ok())
                .unwrap_or_else(|| panic!("a sample is [time, \"number\"], not {pair}"))
        })
        .collect()
}

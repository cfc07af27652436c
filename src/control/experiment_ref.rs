//! The experiment reference upstream labels runs with: Chaos Toolkit's
//! `experiment_hash`, a 12-byte BLAKE2b of the experiment's canonical JSON.

use blake2::digest::consts::U12;
use blake2::{Blake2b, Digest};

use crate::error::ProbeError;
use crate::python::dumps_sorted;

/// The hash of an experiment document given as JSON text.
pub fn experiment_hash(experiment_json: &str) -> Result<String, ProbeError> {
    let experiment: serde_json::Value = serde_json::from_str(experiment_json).map_err(|e| {
        ProbeError::invalid(format!("the experiment document is not valid JSON: {e}"))
    })?;
    let canonical = dumps_sorted(&experiment);
    Ok(format!("{:x}", Blake2b::<U12>::digest(canonical)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Computed by the real Chaos Toolkit library.
    const VECTORS: &str = include_str!("../../tests/fixtures/experiment_ref.json");

    #[test]
    fn every_vector_matches_chaostoolkit() {
        let vectors: serde_json::Value = serde_json::from_str(VECTORS).unwrap();
        let cases = vectors["cases"].as_array().unwrap();
        assert_eq!(cases.len(), 6);
        for case in cases {
            let experiment = serde_json::to_string(&case["experiment"]).unwrap();
            assert_eq!(
                experiment_hash(&experiment).unwrap(),
                case["experiment_hash"].as_str().unwrap(),
                "{}",
                case["name"]
            );
        }
    }

    #[test]
    fn invalid_json_is_an_invalid_argument() {
        assert!(matches!(
            experiment_hash("{"),
            Err(ProbeError::InvalidArgument(_))
        ));
    }
}

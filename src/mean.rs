//! The three means `compute-mean` offers, with the rules of Python's
//! `statistics` module that upstream meant to call.

use crate::error::ProbeError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeanKind {
    Arithmetic,
    Geometric,
    Harmonic,
}

impl MeanKind {
    pub fn name(self) -> &'static str {
        match self {
            MeanKind::Arithmetic => "arithmetic",
            MeanKind::Geometric => "geometric",
            MeanKind::Harmonic => "harmonic",
        }
    }
}

/// The mean of `samples`, which must not be empty.
pub fn mean(kind: MeanKind, samples: &[f64]) -> Result<f64, ProbeError> {
    if samples.is_empty() {
        return Err(ProbeError::ResultShape(
            "there are no samples to average".into(),
        ));
    }
    let count = samples.len() as f64;
    match kind {
        MeanKind::Arithmetic => Ok(samples.iter().sum::<f64>() / count),
        MeanKind::Geometric => {
            // NaN is not above zero either.
            if let Some(bad) = samples.iter().find(|x| x.is_nan() || **x <= 0.0) {
                return Err(ProbeError::ResultShape(format!(
                    "the geometric mean needs samples above zero, but one is {bad}"
                )));
            }
            Ok((samples.iter().map(|x| x.ln()).sum::<f64>() / count).exp())
        }
        MeanKind::Harmonic => {
            if let Some(bad) = samples.iter().find(|x| **x < 0.0) {
                return Err(ProbeError::ResultShape(format!(
                    "the harmonic mean needs samples that are not negative, but one is {bad}"
                )));
            }
            if samples.contains(&0.0) {
                return Ok(0.0);
            }
            Ok(count / samples.iter().map(|x| 1.0 / x).sum::<f64>())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-12 * b.abs().max(1.0)
    }

    #[test]
    fn the_three_means() {
        let samples = [1.0, 2.0, 4.0];
        assert!(close(
            mean(MeanKind::Arithmetic, &samples).unwrap(),
            7.0 / 3.0
        ));
        assert!(close(mean(MeanKind::Geometric, &samples).unwrap(), 2.0));
        assert!(close(
            mean(MeanKind::Harmonic, &samples).unwrap(),
            3.0 / 1.75
        ));
    }

    #[test]
    fn python_statistics_rules() {
        assert!(mean(MeanKind::Arithmetic, &[]).is_err());
        assert!(mean(MeanKind::Geometric, &[1.0, 0.0]).is_err());
        assert!(mean(MeanKind::Geometric, &[1.0, -2.0]).is_err());
        assert!(mean(MeanKind::Geometric, &[1.0, f64::NAN]).is_err());
        assert_eq!(mean(MeanKind::Harmonic, &[1.0, 0.0]).unwrap(), 0.0);
        assert!(mean(MeanKind::Harmonic, &[1.0, -1.0]).is_err());
        assert!(mean(MeanKind::Arithmetic, &[1.0, f64::NAN])
            .unwrap()
            .is_nan());
    }
}

//! The oracle the probes' means are checked against: each mean computed
//! straight from its definition over the raw samples.

pub use chaosprometheus_host::MeanKind;

/// Every kind, with its name as `chaosprom` and experiment files spell it.
pub const KINDS: [(MeanKind, &str); 3] = [
    (MeanKind::Arithmetic, "arithmetic"),
    (MeanKind::Geometric, "geometric"),
    (MeanKind::Harmonic, "harmonic"),
];

/// The `kind` mean of `samples` (NaN when there are none).
pub fn mean(kind: MeanKind, samples: &[f64]) -> f64 {
    let n = samples.len() as f64;
    match kind {
        MeanKind::Arithmetic => samples.iter().sum::<f64>() / n,
        MeanKind::Geometric => (samples.iter().map(|x| x.ln()).sum::<f64>() / n).exp(),
        MeanKind::Harmonic => n / samples.iter().map(|x| 1.0 / x).sum::<f64>(),
    }
}

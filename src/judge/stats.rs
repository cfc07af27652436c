//! The statistics the judgements take of a window's samples: mean, median,
//! quantiles (linear between the closest ranks, as PromQL's
//! `quantile_over_time`) and the Mann-Whitney U test.
//!
//! The U test emulates `scipy.stats.mannwhitneyu(x, y, alternative=...,
//! method="asymptotic", use_continuity=True)`: ranks with ties averaged, the
//! normal approximation with the tie correction and the continuity
//! correction. The unit tests pin a case computed by scipy 1.17.1; a
//! differential test against scipy over random samples is still to come.

/// Which way the alternative hypothesis of the U test points, for the first
/// sample (`x`) against the second (`y`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alternative {
    /// x tends to be greater than y.
    Greater,
    /// x tends to be less than y.
    Less,
    /// x and y differ either way.
    TwoSided,
}

/// The result of a Mann-Whitney U test of x against y.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UTest {
    /// U of the first sample: how many (x, y) pairs have x > y, ties
    /// counting a half.
    pub u: f64,
    pub p_value: f64,
    /// The common-language effect size, U / (nx * ny): the probability that
    /// a sample of x exceeds one of y (0.5: no difference).
    pub effect_size: f64,
}

/// The mean of `samples` (NaN when there are none).
pub fn mean(samples: &[f64]) -> f64 {
    samples.iter().sum::<f64>() / samples.len() as f64
}

/// The `q` quantile of `samples`, `q` in [0, 1]: linear interpolation
/// between the closest ranks, as PromQL's `quantile_over_time` (NaN when
/// there are no samples).
pub fn quantile(q: f64, samples: &[f64]) -> f64 {
    if samples.is_empty() {
        return f64::NAN;
    }
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = q * (sorted.len() - 1) as f64;
    let below = rank.floor();
    let above = rank.ceil() as usize;
    let weight = rank - below;
    let below = below as usize;
    sorted[below] * (1.0 - weight) + sorted[above] * weight
}

/// The Mann-Whitney U test of `x` against `y`; neither may be empty and
/// every sample must be finite.
pub fn mann_whitney_u(x: &[f64], y: &[f64], alternative: Alternative) -> UTest {
    let (nx, ny) = (x.len() as f64, y.len() as f64);
    let n = nx + ny;
    let mut all: Vec<(f64, bool)> = x
        .iter()
        .map(|v| (*v, true))
        .chain(y.iter().map(|v| (*v, false)))
        .collect();
    all.sort_by(|a, b| a.0.total_cmp(&b.0));
    // Ranks from 1, ties sharing the mean of their ranks; the tie term
    // sums t^3 - t over each group of t equal values.
    let mut rank_sum_x = 0.0;
    let mut ties = 0.0;
    let mut start = 0;
    while start < all.len() {
        let mut end = start;
        while end + 1 < all.len() && all[end + 1].0 == all[start].0 {
            end += 1;
        }
        let t = (end - start + 1) as f64;
        let rank = (start + end) as f64 / 2.0 + 1.0;
        rank_sum_x += rank * all[start..=end].iter().filter(|(_, is_x)| *is_x).count() as f64;
        ties += t * t * t - t;
        start = end + 1;
    }
    let u_x = rank_sum_x - nx * (nx + 1.0) / 2.0;
    let u_y = nx * ny - u_x;
    let u = match alternative {
        Alternative::Greater => u_x,
        Alternative::Less => u_y,
        Alternative::TwoSided => u_x.max(u_y),
    };
    let mu = nx * ny / 2.0;
    let sigma = (nx * ny / 12.0 * ((n + 1.0) - ties / (n * (n - 1.0)))).sqrt();
    let p_value = if sigma > 0.0 {
        let z = (u - mu - 0.5) / sigma;
        let one_sided = normal_survival(z);
        match alternative {
            Alternative::TwoSided => (2.0 * one_sided).min(1.0),
            _ => one_sided,
        }
    } else {
        // Every sample equal: no evidence of any difference.
        1.0
    };
    UTest {
        u: u_x,
        p_value: p_value.clamp(0.0, 1.0),
        effect_size: u_x / (nx * ny),
    }
}

/// P(Z > z) for a standard normal Z.
fn normal_survival(z: f64) -> f64 {
    0.5 * libm::erfc(z / std::f64::consts::SQRT_2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate_between_ranks_as_promql_does() {
        let samples = [4.0, 1.0, 3.0, 2.0];
        assert_eq!(quantile(0.0, &samples), 1.0);
        assert_eq!(quantile(1.0, &samples), 4.0);
        assert_eq!(quantile(0.5, &samples), 2.5);
        assert!((quantile(0.9, &samples) - 3.7).abs() < 1e-12);
        assert!(quantile(0.5, &[]).is_nan());
    }

    #[test]
    fn u_counts_pairs_where_x_is_greater_ties_as_halves() {
        let test = mann_whitney_u(&[3.0, 4.0], &[1.0, 3.0], Alternative::TwoSided);
        // (3>1), (3=3: a half), (4>1), (4>3)
        assert_eq!(test.u, 3.5);
        assert_eq!(test.effect_size, 3.5 / 4.0);
    }

    /// scipy.stats.mannwhitneyu(range(1, 11), range(6, 16),
    /// method="asymptotic") in scipy 1.17.1 gives U = 12.5 and p =
    /// 0.005075392315273923 (two-sided); the differential test checks many
    /// more.
    #[test]
    fn p_values_match_scipy_on_a_known_case() {
        let x: Vec<f64> = (1..=10).map(f64::from).collect();
        let y: Vec<f64> = (6..=15).map(f64::from).collect();
        let two = mann_whitney_u(&x, &y, Alternative::TwoSided);
        assert_eq!(two.u, 12.5);
        assert!(
            (two.p_value - 0.005_075_392_315_273_923).abs() < 1e-15,
            "{}",
            two.p_value
        );
        let less = mann_whitney_u(&x, &y, Alternative::Less);
        assert!((less.p_value - two.p_value / 2.0).abs() < 1e-12);
        let greater = mann_whitney_u(&x, &y, Alternative::Greater);
        assert!(greater.p_value > 0.99);
    }

    #[test]
    fn identical_samples_give_no_evidence() {
        let test = mann_whitney_u(&[2.0; 5], &[2.0; 7], Alternative::TwoSided);
        assert_eq!(test.p_value, 1.0);
        assert_eq!(test.effect_size, 0.5);
    }
}

//! `compare-to-baseline`: a window's samples against a baseline window's,
//! series by series, as Kayenta judges a canary: the relative change of a
//! statistic against a limit, confirmed by a Mann-Whitney U test.

use std::collections::BTreeMap;

use serde::Serialize;

use super::stats::{self, Alternative};
use super::{figure, selector, series_of, shown, to_json, worst, NoData, Verdict, Window};
use crate::duration::{mean_step, PromDuration};
use crate::error::ProbeError;
use crate::probes::{parse_timeout, range, resolve_range, seconds_between, Transport};
use crate::request::{Endpoint, Target};
use crate::response::range_series;
use crate::time_expr::{format_rfc3339, Timestamp};

/// WIT `statistic`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Statistic {
    Mean,
    Median,
    Quantile(f64),
}

impl Statistic {
    fn of(self, samples: &[f64]) -> f64 {
        match self {
            Statistic::Mean => stats::mean(samples),
            Statistic::Median => stats::quantile(0.5, samples),
            Statistic::Quantile(q) => stats::quantile(q, samples),
        }
    }

    fn name(self) -> String {
        match self {
            Statistic::Mean => "mean".into(),
            Statistic::Median => "median".into(),
            Statistic::Quantile(q) => format!("{} quantile", shown(q)),
        }
    }
}

/// WIT `direction`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Increase,
    Decrease,
    Either,
}

impl Direction {
    /// `increase`, `decrease` or `either`.
    pub fn from_name(name: &str) -> Option<Direction> {
        Some(match name {
            "increase" => Direction::Increase,
            "decrease" => Direction::Decrease,
            "either" => Direction::Either,
            _ => return None,
        })
    }

    fn breaks(self, change: f64, limit: f64) -> bool {
        match self {
            Direction::Increase => change > limit,
            Direction::Decrease => change < -limit,
            Direction::Either => change.abs() > limit,
        }
    }

    /// The judged window is `x`, the baseline `y`.
    fn alternative(self) -> Alternative {
        match self {
            Direction::Increase => Alternative::Greater,
            Direction::Decrease => Alternative::Less,
            Direction::Either => Alternative::TwoSided,
        }
    }
}

/// WIT `baseline-comparison`.
#[derive(Debug, Clone, PartialEq)]
pub struct BaselineComparison {
    pub query: String,
    pub baseline_start: String,
    pub baseline_end: String,
    pub start: String,
    pub end: String,
    pub step: Option<String>,
    pub statistic: Statistic,
    pub max_change: f64,
    pub direction: Direction,
    pub confidence: f64,
    pub min_samples: u32,
    pub no_data: NoData,
    pub timeout: Option<String>,
}

#[derive(Serialize)]
struct Report<'a> {
    verdict: Verdict,
    explain: String,
    judgement: &'static str,
    query: &'a str,
    baseline: Window,
    window: Window,
    step: String,
    statistic: String,
    direction: Direction,
    max_change: f64,
    confidence: f64,
    min_samples: u32,
    no_data: NoData,
    series: Vec<SeriesReport>,
}

#[derive(Serialize)]
struct SeriesReport {
    labels: BTreeMap<String, String>,
    verdict: Verdict,
    /// Why, in a few words.
    reason: String,
    baseline: Figures,
    window: Figures,
    /// (window - baseline) / |baseline|; null when undefined.
    change: Option<f64>,
    u: Option<f64>,
    p_value: Option<f64>,
    effect_size: Option<f64>,
    #[serde(skip)]
    sort_key: f64,
}

#[derive(Serialize)]
struct Figures {
    statistic: Option<f64>,
    /// Numeric samples judged.
    samples: usize,
    /// NaN and ±Inf samples, left out of the statistic and the test.
    non_finite: usize,
}

impl Figures {
    fn of(statistic: Statistic, finite: &[f64], non_finite: usize) -> Figures {
        Figures {
            statistic: figure(statistic.of(finite)),
            samples: finite.len(),
            non_finite,
        }
    }
}

/// Judges the window against the baseline; see WIT `compare-to-baseline`.
pub fn compare_to_baseline(
    transport: &mut impl Transport,
    config: &Endpoint,
    request: &BaselineComparison,
    now: Timestamp,
) -> Result<String, ProbeError> {
    check(request)?;
    let endpoint = Target::from_endpoint(config)?;
    let timeout = parse_timeout(request.timeout.as_deref())?;
    let baseline = resolve_range(&request.baseline_start, &request.baseline_end, now)?;
    let window = resolve_range(&request.start, &request.end, now)?;
    let step = match request.step.as_deref() {
        Some(step) => PromDuration::parse("step", step)?,
        None => mean_step(
            seconds_between(baseline.0, baseline.1).max(seconds_between(window.0, window.1)),
        ),
    };
    let mut fetch = |(start, end): (Timestamp, Timestamp)| {
        let body = range(
            transport,
            &endpoint,
            &request.query,
            timeout.as_ref(),
            &step,
            start,
            end,
        )?;
        range_series(&body, &request.query)
    };
    let before = fetch(baseline)?;
    let during = fetch(window)?;

    let mut matched: BTreeMap<BTreeMap<String, String>, [Option<Vec<f64>>; 2]> = BTreeMap::new();
    for (side, series) in [(0, before), (1, during)] {
        for s in series {
            let values = s.samples.into_iter().map(|(_, v)| v).collect();
            matched.entry(s.labels).or_default()[side] = Some(values);
        }
    }
    let series: Vec<SeriesReport> = matched
        .into_iter()
        .map(|(labels, [before, during])| judge_series(request, labels, before, during))
        .collect();
    let verdict = worst(series.iter().map(|s| s.verdict)).unwrap_or(request.no_data.verdict());
    let explain = explain(request, verdict, &series);
    Ok(to_json(&Report {
        verdict,
        explain,
        judgement: "compare_to_baseline",
        query: &request.query,
        baseline: window_of(baseline),
        window: window_of(window),
        step: step.text,
        statistic: request.statistic.name(),
        direction: request.direction,
        max_change: request.max_change,
        confidence: request.confidence,
        min_samples: request.min_samples,
        no_data: request.no_data,
        series,
    }))
}

fn check(request: &BaselineComparison) -> Result<(), ProbeError> {
    if !(request.max_change >= 0.0 && request.max_change.is_finite()) {
        return Err(ProbeError::invalid(format!(
            "max_change must be a fraction of the baseline of at least 0 (0.2 for 20%), not {}",
            shown(request.max_change)
        )));
    }
    if !(request.confidence > 0.0 && request.confidence < 1.0) {
        return Err(ProbeError::invalid(format!(
            "confidence must be between 0 and 1 (0.95 is usual), not {}",
            shown(request.confidence)
        )));
    }
    if request.min_samples == 0 {
        return Err(ProbeError::invalid("min_samples must be at least 1"));
    }
    if let Statistic::Quantile(q) = request.statistic {
        if !(0.0..=1.0).contains(&q) {
            return Err(ProbeError::invalid(format!(
                "the quantile must be between 0 and 1, not {}",
                shown(q)
            )));
        }
    }
    Ok(())
}

fn window_of((start, end): (Timestamp, Timestamp)) -> Window {
    Window {
        start: format_rfc3339(start),
        end: format_rfc3339(end),
    }
}

/// Splits samples into the finite ones and a count of the others.
fn finite(samples: Option<Vec<f64>>) -> (Vec<f64>, usize) {
    let samples = samples.unwrap_or_default();
    let total = samples.len();
    let finite: Vec<f64> = samples.into_iter().filter(|v| v.is_finite()).collect();
    let others = total - finite.len();
    (finite, others)
}

fn judge_series(
    request: &BaselineComparison,
    labels: BTreeMap<String, String>,
    before: Option<Vec<f64>>,
    during: Option<Vec<f64>>,
) -> SeriesReport {
    let statistic = request.statistic;
    let (x, x_odd) = finite(during);
    let (y, y_odd) = finite(before);
    let mut report = SeriesReport {
        labels,
        verdict: Verdict::Inconclusive,
        reason: String::new(),
        baseline: Figures::of(statistic, &y, y_odd),
        window: Figures::of(statistic, &x, x_odd),
        change: None,
        u: None,
        p_value: None,
        effect_size: None,
        sort_key: 0.0,
    };
    if x.is_empty() || y.is_empty() {
        let missing = if y.is_empty() {
            "the baseline"
        } else {
            "the window"
        };
        report.verdict = request.no_data.verdict();
        report.reason = format!(
            "no numeric samples in {missing} (no_data is {})",
            request.no_data.as_str()
        );
        return report;
    }
    let min = request.min_samples as usize;
    if x.len() < min || y.len() < min {
        report.reason = format!(
            "too few numeric samples to judge: {} in the baseline and {} in the window, at least {min} needed in each",
            y.len(),
            x.len()
        );
        return report;
    }
    let (base, now) = (statistic.of(&y), statistic.of(&x));
    let change = if base == 0.0 {
        if now == 0.0 {
            0.0
        } else {
            f64::INFINITY.copysign(now)
        }
    } else {
        (now - base) / base.abs()
    };
    let test = stats::mann_whitney_u(&x, &y, request.direction.alternative());
    report.change = figure(change);
    report.u = Some(test.u);
    report.p_value = Some(test.p_value);
    report.effect_size = Some(test.effect_size);
    report.sort_key = change.abs();
    let alpha = 1.0 - request.confidence;
    let moved = format!(
        "the {} {} from {} to {}",
        statistic.name(),
        movement(change),
        shown(base),
        shown(now)
    );
    let limit = format!("{}%", shown(request.max_change * 100.0));
    let test_text = format!("Mann-Whitney p = {}", shown(test.p_value));
    let breaks = request.direction.breaks(change, request.max_change);
    (report.verdict, report.reason) = match (breaks, test.p_value < alpha) {
        (false, _) => (Verdict::Pass, format!("{moved}, within the {limit} allowed")),
        (true, true) => (
            Verdict::Fail,
            format!(
                "{moved}, beyond the {limit} allowed, and the windows differ ({test_text} < {})",
                shown(alpha)
            ),
        ),
        (true, false) => (
            Verdict::Inconclusive,
            format!(
                "{moved}, beyond the {limit} allowed, but the windows do not differ significantly ({test_text}, {} needed)",
                shown(alpha)
            ),
        ),
    };
    report
}

/// `rose 12.5%`, `fell 3%`, `did not change`, `rose from zero`.
fn movement(change: f64) -> String {
    if change == 0.0 {
        "did not change".into()
    } else if change.is_infinite() {
        if change > 0.0 {
            "rose (from zero)"
        } else {
            "fell (from zero)"
        }
        .into()
    } else if change > 0.0 {
        format!("rose {}%", shown(change * 100.0))
    } else {
        format!("fell {}%", shown(-change * 100.0))
    }
}

fn explain(request: &BaselineComparison, verdict: Verdict, series: &[SeriesReport]) -> String {
    let query = &request.query;
    if series.is_empty() {
        return format!(
            "{}: {query} returned no series in the baseline or the window (no_data is {})",
            verdict.as_str(),
            request.no_data.as_str()
        );
    }
    let with = |v: Verdict| series.iter().filter(move |s| s.verdict == v);
    // The series that decided the verdict: the one that changed most.
    let decisive = with(verdict)
        .max_by(|a, b| a.sort_key.total_cmp(&b.sort_key))
        .expect("the verdict is one of the series'");
    let count = with(verdict).count();
    let which = if series.len() == 1 {
        series_of(query, &decisive.labels)
    } else {
        format!(
            "{count} of {} series of {query}; for {}",
            series.len(),
            selector(&decisive.labels)
        )
    };
    format!("{}: {which}, {}", verdict.as_str(), decisive.reason)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::HttpRequest;
    use crate::response::HttpResponse;

    /// Answers each range query with the matrix given for its start time.
    struct Windows(Vec<(String, String)>);

    impl Transport for Windows {
        fn send(&mut self, request: &HttpRequest) -> Result<HttpResponse, ProbeError> {
            let url = request.url();
            let body = self
                .0
                .iter()
                .find(|(start, _)| url.contains(&format!("start={}", start.replace(':', "%3A"))))
                .map(|(_, body)| body.clone())
                .expect("a window the test knows");
            Ok(HttpResponse {
                status: 200,
                body: body.into_bytes(),
                location: None,
            })
        }
    }

    fn matrix(series: &[(&str, &[f64])]) -> String {
        let result: Vec<String> = series
            .iter()
            .map(|(instance, values)| {
                let values: Vec<String> = values
                    .iter()
                    .enumerate()
                    .map(|(i, v)| format!("[{},\"{}\"]", i, crate::response::format_sample(*v)))
                    .collect();
                format!(
                    r#"{{"metric":{{"instance":"{instance}"}},"values":[{}]}}"#,
                    values.join(",")
                )
            })
            .collect();
        format!(
            r#"{{"status":"success","data":{{"resultType":"matrix","result":[{}]}}}}"#,
            result.join(",")
        )
    }

    fn request() -> BaselineComparison {
        BaselineComparison {
            query: "latency".into(),
            baseline_start: "2026-01-01T00:00:00Z".into(),
            baseline_end: "2026-01-01T00:10:00Z".into(),
            start: "2026-01-01T01:00:00Z".into(),
            end: "2026-01-01T01:10:00Z".into(),
            step: Some("15s".into()),
            statistic: Statistic::Mean,
            max_change: 0.2,
            direction: Direction::Increase,
            confidence: 0.95,
            min_samples: 5,
            no_data: NoData::Fail,
            timeout: None,
        }
    }

    fn judge(request: &BaselineComparison, before: String, during: String) -> serde_json::Value {
        let mut t = Windows(vec![
            ("2026-01-01T00:00:00.000Z".into(), before),
            ("2026-01-01T01:00:00.000Z".into(), during),
        ]);
        let now = Timestamp::new(1_767_232_800, 0).unwrap();
        serde_json::from_str(
            &compare_to_baseline(&mut t, &Endpoint::default(), request, now).unwrap(),
        )
        .unwrap()
    }

    const CALM: [f64; 10] = [1.0, 1.1, 0.9, 1.0, 1.05, 0.95, 1.0, 1.02, 0.98, 1.0];
    const SLOW: [f64; 10] = [2.0, 2.1, 1.9, 2.0, 2.05, 1.95, 2.0, 2.02, 1.98, 2.0];

    #[test]
    fn a_significant_rise_beyond_the_limit_fails_and_names_the_series() {
        let report = judge(
            &request(),
            matrix(&[("a", &CALM), ("b", &CALM)]),
            matrix(&[("a", &CALM), ("b", &SLOW)]),
        );
        assert_eq!(report["verdict"], "fail");
        let explain = report["explain"].as_str().unwrap();
        assert!(
            explain.contains(r#"1 of 2 series of latency; for {instance="b"}"#),
            "{explain}"
        );
        assert!(explain.contains("rose 100%"), "{explain}");
        assert_eq!(report["series"][0]["verdict"], "pass");
        assert_eq!(report["series"][1]["change"], 1.0);
        assert!(report["series"][1]["p_value"].as_f64().unwrap() < 0.001);
    }

    #[test]
    fn a_fall_passes_a_judgement_of_increases_but_fails_either() {
        let before = matrix(&[("a", &SLOW)]);
        let during = matrix(&[("a", &CALM)]);
        assert_eq!(
            judge(&request(), before.clone(), during.clone())["verdict"],
            "pass"
        );
        let either = BaselineComparison {
            direction: Direction::Either,
            ..request()
        };
        assert_eq!(judge(&either, before, during)["verdict"], "fail");
    }

    #[test]
    fn too_few_samples_are_inconclusive_never_a_pass() {
        let report = judge(
            &request(),
            matrix(&[("a", &CALM[..3])]),
            matrix(&[("a", &SLOW[..3])]),
        );
        assert_eq!(report["verdict"], "inconclusive");
        assert!(report["explain"].as_str().unwrap().contains("too few"));
    }

    #[test]
    fn a_change_the_test_cannot_confirm_is_inconclusive() {
        let noisy = [1.0, 6.0, 0.5, 5.0, 0.7, 3.0];
        let report = judge(
            &request(),
            matrix(&[("a", &[1.0, 4.5, 0.6, 3.5, 0.8, 2.0])]),
            matrix(&[("a", &noisy)]),
        );
        assert_eq!(report["verdict"], "inconclusive", "{report}");
    }

    #[test]
    fn no_series_follows_the_no_data_policy() {
        let empty = matrix(&[]);
        assert_eq!(
            judge(&request(), empty.clone(), empty.clone())["verdict"],
            "fail"
        );
        let pass = BaselineComparison {
            no_data: NoData::Pass,
            ..request()
        };
        assert_eq!(judge(&pass, empty.clone(), empty)["verdict"], "pass");
    }

    #[test]
    fn non_finite_samples_are_counted_and_left_out() {
        let mut with_nan = CALM.to_vec();
        with_nan.push(f64::NAN);
        with_nan.push(f64::INFINITY);
        let report = judge(
            &request(),
            matrix(&[("a", &CALM)]),
            matrix(&[("a", &with_nan)]),
        );
        assert_eq!(report["verdict"], "pass");
        assert_eq!(report["series"][0]["window"]["non_finite"], 2);
        assert_eq!(report["series"][0]["window"]["samples"], 10);
    }

    #[test]
    fn out_of_range_settings_are_refused() {
        for bad in [
            BaselineComparison {
                confidence: 1.0,
                ..request()
            },
            BaselineComparison {
                max_change: -0.1,
                ..request()
            },
            BaselineComparison {
                min_samples: 0,
                ..request()
            },
            BaselineComparison {
                statistic: Statistic::Quantile(1.5),
                ..request()
            },
        ] {
            let mut t = Windows(Vec::new());
            let error =
                compare_to_baseline(&mut t, &Endpoint::default(), &bad, Timestamp::UNIX_EPOCH)
                    .unwrap_err();
            assert!(matches!(error, ProbeError::InvalidArgument(_)), "{error:?}");
        }
    }
}

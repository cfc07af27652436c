//! `threshold-over-window`: a condition on a range's samples, met always,
//! at least once, or by a fraction of them, per series or over all.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{figure, series_of, shown, to_json, worst, Comparator, NoData, Verdict, Window};
use crate::duration::{auto_step, PromDuration};
use crate::error::ProbeError;
use crate::probes::{parse_timeout, range, resolve_range, seconds_between, Transport};
use crate::request::{Endpoint, Target};
use crate::response::{format_sample, range_series};
use crate::time_expr::{format_rfc3339, Timestamp};

/// WIT `window-mode`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum WindowMode {
    Always,
    AtLeastOnce,
    Fraction(f64),
}

impl WindowMode {
    fn name(self) -> &'static str {
        match self {
            WindowMode::Always => "always",
            WindowMode::AtLeastOnce => "at_least_once",
            WindowMode::Fraction(_) => "fraction",
        }
    }

    fn met(self, meeting: usize, samples: usize) -> bool {
        match self {
            WindowMode::Always => meeting == samples,
            WindowMode::AtLeastOnce => meeting > 0,
            WindowMode::Fraction(f) => meeting as f64 >= f * samples as f64,
        }
    }
}

/// WIT `threshold-window`.
#[derive(Debug, Clone, PartialEq)]
pub struct ThresholdWindow {
    pub query: String,
    pub start: String,
    pub end: String,
    pub step: Option<String>,
    pub comparator: Comparator,
    pub value: f64,
    pub mode: WindowMode,
    pub per_series: bool,
    pub no_data: NoData,
    pub timeout: Option<String>,
}

#[derive(Serialize)]
struct Report<'a> {
    verdict: Verdict,
    explain: String,
    judgement: &'static str,
    query: &'a str,
    window: Window,
    step: String,
    comparator: Comparator,
    value: Option<f64>,
    mode: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    fraction: Option<f64>,
    per_series: bool,
    no_data: NoData,
    series: Vec<SeriesReport>,
    /// The samples of every series together, judged when `per_series` is
    /// false.
    all: Counts,
}

#[derive(Serialize)]
struct SeriesReport {
    labels: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    verdict: Option<Verdict>,
    #[serde(flatten)]
    counts: Counts,
}

#[derive(Serialize, Default, Clone)]
struct Counts {
    samples: usize,
    /// Samples that meet the condition (NaN meets none).
    meeting: usize,
    /// meeting / samples; null without samples.
    fraction: Option<f64>,
    /// The first sample that does not meet it.
    first_miss: Option<Sample>,
    /// The last sample.
    last: Option<Sample>,
}

#[derive(Serialize, Clone)]
struct Sample {
    at: String,
    /// As Prometheus writes it (`0.93`, `NaN`, `+Inf`).
    value: String,
}

impl Counts {
    fn add(&mut self, other: &Counts) {
        self.samples += other.samples;
        self.meeting += other.meeting;
        self.fraction = fraction(self.meeting, self.samples);
        if self.first_miss.is_none() {
            self.first_miss = other.first_miss.clone();
        }
        self.last = other.last.clone().or(self.last.take());
    }
}

fn fraction(meeting: usize, samples: usize) -> Option<f64> {
    (samples > 0).then(|| meeting as f64 / samples as f64)
}

fn sample(at: f64, value: f64) -> Sample {
    let at = Timestamp::from_millisecond((at * 1000.0).round() as i64)
        .map(format_rfc3339)
        .unwrap_or_else(|_| format!("{at}"));
    Sample {
        at,
        value: format_sample(value),
    }
}

/// Judges the condition over the window; see WIT `threshold-over-window`.
pub fn threshold_over_window(
    transport: &mut impl Transport,
    config: &Endpoint,
    request: &ThresholdWindow,
    now: Timestamp,
) -> Result<String, ProbeError> {
    if let WindowMode::Fraction(f) = request.mode {
        if !(0.0..=1.0).contains(&f) {
            return Err(ProbeError::invalid(format!(
                "fraction must be between 0 and 1 (0.95 for 95% of the samples), not {}",
                shown(f)
            )));
        }
    }
    if request.value.is_nan() {
        return Err(ProbeError::invalid(
            "the threshold value must be a number, not NaN (no sample meets a comparison with NaN)",
        ));
    }
    let endpoint = Target::from_endpoint(config)?;
    let timeout = parse_timeout(request.timeout.as_deref())?;
    let (start, end) = resolve_range(&request.start, &request.end, now)?;
    let step = match request.step.as_deref() {
        Some(step) => PromDuration::parse("step", step)?,
        None => auto_step(seconds_between(start, end)),
    };
    let body = range(
        transport,
        &endpoint,
        &request.query,
        timeout.as_ref(),
        &step,
        start,
        end,
    )?;
    let mut all = Counts::default();
    let mut series: Vec<SeriesReport> = range_series(&body, &request.query)?
        .into_iter()
        .map(|s| {
            let mut counts = Counts::default();
            for (at, value) in &s.samples {
                counts.samples += 1;
                if request.comparator.holds(*value, request.value) {
                    counts.meeting += 1;
                } else if counts.first_miss.is_none() {
                    counts.first_miss = Some(sample(*at, *value));
                }
            }
            counts.fraction = fraction(counts.meeting, counts.samples);
            counts.last = s.samples.last().map(|(at, v)| sample(*at, *v));
            all.add(&counts);
            SeriesReport {
                labels: s.labels,
                verdict: None,
                counts,
            }
        })
        .collect();
    let judge = |c: &Counts| {
        if c.samples == 0 {
            request.no_data.verdict()
        } else if request.mode.met(c.meeting, c.samples) {
            Verdict::Pass
        } else {
            Verdict::Fail
        }
    };
    let verdict = if request.per_series {
        for s in &mut series {
            s.verdict = Some(judge(&s.counts));
        }
        worst(series.iter().filter_map(|s| s.verdict)).unwrap_or(request.no_data.verdict())
    } else {
        judge(&all)
    };
    let explain = explain(request, verdict, &series, &all);
    let fraction = match request.mode {
        WindowMode::Fraction(f) => Some(f),
        _ => None,
    };
    Ok(to_json(&Report {
        verdict,
        explain,
        judgement: "threshold_over_window",
        query: &request.query,
        window: Window {
            start: format_rfc3339(start),
            end: format_rfc3339(end),
        },
        step: step.text,
        comparator: request.comparator,
        value: figure(request.value),
        mode: request.mode.name(),
        fraction,
        per_series: request.per_series,
        no_data: request.no_data,
        series,
        all,
    }))
}

fn explain(
    request: &ThresholdWindow,
    verdict: Verdict,
    series: &[SeriesReport],
    all: &Counts,
) -> String {
    let condition = format!("{} {}", request.comparator.symbol(), shown(request.value));
    let query = &request.query;
    if all.samples == 0 {
        return format!(
            "{}: {query} returned no samples over the window (no_data is {})",
            verdict.as_str(),
            request.no_data.as_str()
        );
    }
    let (what, counts) = if request.per_series {
        let decisive = series
            .iter()
            .find(|s| s.verdict == Some(verdict))
            .expect("the verdict is one of the series'");
        (series_of(query, &decisive.labels), &decisive.counts)
    } else {
        (
            format!("{query} (all {} series together)", series.len()),
            all,
        )
    };
    let share = format!(
        "{} of {} samples were {condition}",
        counts.meeting, counts.samples
    );
    let needed = match request.mode {
        WindowMode::Always => "every sample had to be".to_string(),
        WindowMode::AtLeastOnce => "at least one had to be".to_string(),
        WindowMode::Fraction(f) => format!("at least {}% had to be", shown(f * 100.0)),
    };
    let first_miss = match (&counts.first_miss, request.mode) {
        (Some(miss), WindowMode::Always) => {
            format!("; it was {} at {}", miss.value, miss.at)
        }
        _ => String::new(),
    };
    let rest = if request.per_series && series.len() > 1 {
        let failing = series
            .iter()
            .filter(|s| s.verdict == Some(Verdict::Fail))
            .count();
        format!(" ({failing} of {} series failed)", series.len())
    } else {
        String::new()
    };
    format!(
        "{}: {what}: {share}, {needed}{first_miss}{rest}",
        verdict.as_str()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::HttpRequest;
    use crate::response::HttpResponse;

    struct Matrix(String);

    impl Transport for Matrix {
        fn send(&mut self, _: &HttpRequest) -> Result<HttpResponse, ProbeError> {
            Ok(HttpResponse {
                status: 200,
                body: self.0.clone().into_bytes(),
                location: None,
            })
        }
    }

    fn judge(mode: WindowMode, per_series: bool, series: &[&[&str]]) -> serde_json::Value {
        let result: Vec<String> = series
            .iter()
            .enumerate()
            .map(|(i, values)| {
                let values: Vec<String> = values
                    .iter()
                    .enumerate()
                    .map(|(t, v)| format!("[{},\"{v}\"]", 1_767_225_600 + t * 15))
                    .collect();
                format!(
                    r#"{{"metric":{{"i":"{i}"}},"values":[{}]}}"#,
                    values.join(",")
                )
            })
            .collect();
        let mut t = Matrix(format!(
            r#"{{"status":"success","data":{{"resultType":"matrix","result":[{}]}}}}"#,
            result.join(",")
        ));
        let request = ThresholdWindow {
            query: "errors".into(),
            start: "2026-01-01T00:00:00Z".into(),
            end: "2026-01-01T00:10:00Z".into(),
            step: None,
            comparator: Comparator::Lt,
            value: 1.0,
            mode,
            per_series,
            no_data: NoData::Fail,
            timeout: None,
        };
        let report = threshold_over_window(
            &mut t,
            &Endpoint::default(),
            &request,
            Timestamp::UNIX_EPOCH,
        )
        .unwrap();
        serde_json::from_str(&report).unwrap()
    }

    #[test]
    fn always_fails_on_the_first_miss_and_says_when() {
        let report = judge(WindowMode::Always, true, &[&["0", "0.5", "2", "0"]]);
        assert_eq!(report["verdict"], "fail");
        let explain = report["explain"].as_str().unwrap();
        assert!(
            explain.contains(r#"errors{i="0"}: 3 of 4 samples were < 1, every sample had to be; it was 2 at 2026-01-01T00:00:30.000Z"#),
            "{explain}"
        );
    }

    #[test]
    fn at_least_once_needs_one_meeting_sample() {
        assert_eq!(
            judge(WindowMode::AtLeastOnce, true, &[&["5", "0.5"]])["verdict"],
            "pass"
        );
        assert_eq!(
            judge(WindowMode::AtLeastOnce, true, &[&["5", "6"]])["verdict"],
            "fail"
        );
    }

    #[test]
    fn a_fraction_counts_nan_as_not_meeting() {
        let series: &[&[&str]] = &[&["0", "0", "0", "NaN"]];
        assert_eq!(
            judge(WindowMode::Fraction(0.75), true, series)["verdict"],
            "pass"
        );
        assert_eq!(
            judge(WindowMode::Fraction(0.8), true, series)["verdict"],
            "fail"
        );
    }

    #[test]
    fn over_all_series_pools_their_samples() {
        let series: &[&[&str]] = &[&["0", "0"], &["0", "5"]];
        assert_eq!(
            judge(WindowMode::Fraction(0.75), true, series)["verdict"],
            "fail"
        );
        let pooled = judge(WindowMode::Fraction(0.75), false, series);
        assert_eq!(pooled["verdict"], "pass");
        assert_eq!(pooled["all"]["meeting"], 3);
    }

    #[test]
    fn no_samples_follow_the_no_data_policy() {
        let report = judge(WindowMode::Always, true, &[]);
        assert_eq!(report["verdict"], "fail");
        assert!(report["explain"].as_str().unwrap().contains("no samples"));
    }
}

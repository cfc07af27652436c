//! `slo-burn-rate`: how fast an SLO's error budget burns, over the window
//! pairs of the SRE workbook's multiwindow, multi-burn-rate alerts (a pair
//! fires when both its windows burn at least its factor).

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::{figure, selector, shown, to_json, worst, NoData, Verdict};
use crate::duration::PromDuration;
use crate::error::ProbeError;
use crate::probes::{query, InstantQuery, Transport};
use crate::request::Endpoint;
use crate::response::{instant_series, LabelledValue};
use crate::time_expr::{format_rfc3339, parse_time_expr, Timestamp};

/// Where each window's duration goes in the indicator's queries.
pub const WINDOW_PLACEHOLDER: &str = "$window";

/// The SRE workbook's paging pairs: 2% of a 30-day budget spent in an hour,
/// 5% in six hours.
pub const WORKBOOK_WINDOWS: [(&str, &str, f64); 2] = [("1h", "5m", 14.4), ("6h", "30m", 6.0)];

/// WIT `sli`.
#[derive(Debug, Clone, PartialEq)]
pub enum Sli {
    ErrorRatio(String),
    BadTotal(String, String),
    GoodTotal(String, String),
}

impl Sli {
    fn queries(&self) -> Vec<&str> {
        match self {
            Sli::ErrorRatio(q) => vec![q],
            Sli::BadTotal(a, b) | Sli::GoodTotal(a, b) => vec![a, b],
        }
    }
}

/// WIT `burn-window`.
#[derive(Debug, Clone, PartialEq)]
pub struct BurnWindow {
    pub long: String,
    pub short: String,
    pub factor: f64,
}

/// WIT `burn-rate`.
#[derive(Debug, Clone, PartialEq)]
pub struct BurnRate {
    pub sli: Sli,
    pub objective: f64,
    pub windows: Vec<BurnWindow>,
    pub at: Option<String>,
    pub no_data: NoData,
    pub timeout: Option<String>,
}

#[derive(Serialize)]
struct Report {
    verdict: Verdict,
    explain: String,
    judgement: &'static str,
    objective: f64,
    error_budget: f64,
    at: String,
    no_data: NoData,
    /// Each window's queries, with `$window` replaced.
    queries: BTreeMap<String, Vec<String>>,
    windows: Vec<PairReport>,
}

#[derive(Serialize)]
struct PairReport {
    long: String,
    short: String,
    factor: f64,
    verdict: Verdict,
    series: Vec<SeriesReport>,
}

#[derive(Serialize)]
struct SeriesReport {
    labels: BTreeMap<String, String>,
    long: Rate,
    short: Rate,
    firing: bool,
}

#[derive(Serialize, Clone, Copy)]
struct Rate {
    error_ratio: Option<f64>,
    burn_rate: Option<f64>,
}

/// Judges the burn rates; see WIT `slo-burn-rate`.
pub fn slo_burn_rate(
    transport: &mut impl Transport,
    config: &Endpoint,
    request: &BurnRate,
    now: Timestamp,
) -> Result<String, ProbeError> {
    if !(request.objective > 0.0 && request.objective < 1.0) {
        return Err(ProbeError::invalid(format!(
            "objective must be between 0 and 1 (0.999 for 99.9%), not {}",
            shown(request.objective)
        )));
    }
    for q in request.sli.queries() {
        if !q.contains(WINDOW_PLACEHOLDER) {
            return Err(ProbeError::invalid(format!(
                "the query {q} has no {WINDOW_PLACEHOLDER}; write it where each window's range goes, e.g. sum(rate(http_requests_total{{code=~\"5..\"}}[{WINDOW_PLACEHOLDER}]))"
            )));
        }
    }
    let pairs: Vec<BurnWindow> = if request.windows.is_empty() {
        WORKBOOK_WINDOWS
            .iter()
            .map(|(long, short, factor)| BurnWindow {
                long: long.to_string(),
                short: short.to_string(),
                factor: *factor,
            })
            .collect()
    } else {
        request.windows.clone()
    };
    let mut durations = BTreeSet::new();
    for pair in &pairs {
        if !(pair.factor > 0.0 && pair.factor.is_finite()) {
            return Err(ProbeError::invalid(format!(
                "a window pair's factor must be a positive burn rate such as 14.4, not {}",
                shown(pair.factor)
            )));
        }
        for w in [&pair.long, &pair.short] {
            durations.insert(range_duration(w)?);
        }
    }
    let at = match request.at.as_deref() {
        Some(at) => parse_time_expr(at, now)?,
        None => now,
    };
    let at_text = format_rfc3339(at);
    let budget = 1.0 - request.objective;

    let mut queries = BTreeMap::new();
    let mut ratios: BTreeMap<String, BTreeMap<BTreeMap<String, String>, f64>> = BTreeMap::new();
    for duration in durations {
        let resolved: Vec<String> = request
            .sli
            .queries()
            .iter()
            .map(|q| q.replace(WINDOW_PLACEHOLDER, &duration))
            .collect();
        let mut answers = Vec::new();
        for q in &resolved {
            let request = InstantQuery {
                query: q.clone(),
                when: Some(at_text.clone()),
                timeout: request.timeout.clone(),
            };
            answers.push(instant_series(
                &query(transport, config, &request, now)?,
                q,
            )?);
        }
        ratios.insert(duration.clone(), error_ratios(&request.sli, answers));
        queries.insert(duration, resolved);
    }

    let windows: Vec<PairReport> = pairs
        .iter()
        .map(|pair| judge_pair(pair, &ratios, budget, request.no_data))
        .collect::<Result<_, _>>()?;
    let verdict = worst(windows.iter().map(|w| w.verdict)).unwrap_or(Verdict::Pass);
    let explain = explain(request, verdict, &windows);
    Ok(to_json(&Report {
        verdict,
        explain,
        judgement: "slo_burn_rate",
        objective: request.objective,
        error_budget: budget,
        at: at_text,
        no_data: request.no_data,
        queries,
        windows,
    }))
}

/// A window as a PromQL range: a duration with units (`5m`); plain seconds
/// get an `s`.
fn range_duration(text: &str) -> Result<String, ProbeError> {
    let duration = PromDuration::parse("window", text)?;
    Ok(if duration.text.bytes().all(|b| b.is_ascii_digit()) {
        format!("{}s", duration.text)
    } else {
        duration.text
    })
}

/// The error ratio of each series. In `bad / total`, a series with events
/// but no error series has no errors (an error counter often appears only
/// with the first error); a series with no events (0/0) is NaN, no data.
fn error_ratios(
    sli: &Sli,
    answers: Vec<Vec<LabelledValue>>,
) -> BTreeMap<BTreeMap<String, String>, f64> {
    let mut answers = answers.into_iter();
    let first: BTreeMap<_, _> = answers.next().unwrap_or_default().into_iter().collect();
    let Some(total) = answers.next() else {
        return first;
    };
    total
        .into_iter()
        .map(|(labels, total)| {
            let part = first.get(&labels).copied().unwrap_or(0.0);
            let ratio = match sli {
                Sli::GoodTotal(..) => 1.0 - part / total,
                _ => part / total,
            };
            (labels, ratio)
        })
        .collect()
}

fn judge_pair(
    pair: &BurnWindow,
    ratios: &BTreeMap<String, BTreeMap<BTreeMap<String, String>, f64>>,
    budget: f64,
    no_data: NoData,
) -> Result<PairReport, ProbeError> {
    let long = &ratios[&range_duration(&pair.long)?];
    let short = &ratios[&range_duration(&pair.short)?];
    let rate = |ratio: Option<&f64>| Rate {
        error_ratio: ratio.copied().and_then(figure),
        burn_rate: ratio.copied().and_then(|r| figure(r / budget)),
    };
    let labels: BTreeSet<&BTreeMap<String, String>> = long.keys().chain(short.keys()).collect();
    let series: Vec<SeriesReport> = labels
        .into_iter()
        .map(|labels| {
            let (long, short) = (rate(long.get(labels)), rate(short.get(labels)));
            let fires = |r: Rate| r.burn_rate.is_some_and(|b| b >= pair.factor);
            SeriesReport {
                labels: labels.clone(),
                long,
                short,
                firing: fires(long) && fires(short),
            }
        })
        .collect();
    let verdicts = series.iter().map(|s| {
        if s.firing {
            Verdict::Fail
        } else if s.long.burn_rate.is_none() || s.short.burn_rate.is_none() {
            no_data.verdict()
        } else {
            Verdict::Pass
        }
    });
    let verdict = worst(verdicts).unwrap_or(no_data.verdict());
    Ok(PairReport {
        long: pair.long.clone(),
        short: pair.short.clone(),
        factor: pair.factor,
        verdict,
        series,
    })
}

fn rate_text(rate: Option<f64>) -> String {
    rate.map_or_else(|| "no data".into(), |r| format!("{}×", shown(r)))
}

fn explain(request: &BurnRate, verdict: Verdict, windows: &[PairReport]) -> String {
    let objective = format!("{}%", shown(request.objective * 100.0));
    let decisive = windows.iter().find(|w| w.verdict == verdict);
    let pair_text = |w: &PairReport, s: &SeriesReport| {
        let of = if s.labels.is_empty() {
            String::new()
        } else {
            format!(" for {}", selector(&s.labels))
        };
        format!(
            "{} over {} and {} over {}{of} ({}× fires)",
            rate_text(s.long.burn_rate),
            w.long,
            rate_text(s.short.burn_rate),
            w.short,
            shown(w.factor)
        )
    };
    let firing = windows
        .iter()
        .find_map(|w| w.series.iter().find(|s| s.firing).map(|s| (w, s)));
    if let Some((w, s)) = firing {
        return format!(
            "fail: the error budget of the {objective} objective burns {}",
            pair_text(w, s)
        );
    }
    match (verdict, decisive) {
        (_, Some(w)) if w.series.is_empty() => format!(
            "{}: the indicator's queries returned no series over {} and {} (no_data is {})",
            verdict.as_str(),
            w.long,
            w.short,
            request.no_data.as_str()
        ),
        (Verdict::Pass, _) => {
            let rates: Vec<String> = windows
                .iter()
                .filter_map(|w| {
                    let s = w.series.iter().max_by(|a, b| {
                        let burn = |s: &&SeriesReport| s.long.burn_rate.unwrap_or(0.0);
                        burn(a).total_cmp(&burn(b))
                    })?;
                    Some(pair_text(w, s))
                })
                .collect();
            format!(
                "pass: no window pair fires for the {objective} objective: {}",
                rates.join("; ")
            )
        }
        (_, Some(w)) => {
            let s = w
                .series
                .iter()
                .find(|s| s.long.burn_rate.is_none() || s.short.burn_rate.is_none());
            let detail = s.map(|s| pair_text(w, s)).unwrap_or_default();
            format!(
                "{}: not every window has data (no_data is {}): {detail}",
                verdict.as_str(),
                request.no_data.as_str()
            )
        }
        (_, None) => format!("{}: no window pair was judged", verdict.as_str()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::HttpRequest;
    use crate::response::HttpResponse;

    /// Answers each instant query with the value given for its resolved text.
    struct Answers(Vec<(String, Option<f64>)>, Vec<String>);

    impl Transport for Answers {
        fn send(&mut self, request: &HttpRequest) -> Result<HttpResponse, ProbeError> {
            let url = request.url();
            let query = url
                .split_once("query=")
                .map(|(_, rest)| rest.split('&').next().unwrap_or_default())
                .unwrap_or_default();
            let query: String = form_urlencoded::parse(format!("q={query}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default();
            self.1.push(query.clone());
            let value = self
                .0
                .iter()
                .find(|(q, _)| *q == query)
                .unwrap_or_else(|| panic!("unexpected query {query}"))
                .1;
            let result = match value {
                Some(v) => format!(
                    r#"[{{"metric":{{}},"value":[0,"{}"]}}]"#,
                    crate::response::format_sample(v)
                ),
                None => "[]".into(),
            };
            Ok(HttpResponse {
                status: 200,
                body: format!(
                    r#"{{"status":"success","data":{{"resultType":"vector","result":{result}}}}}"#
                )
                .into_bytes(),
                location: None,
            })
        }
    }

    fn burn(sli: Sli, answers: &[(&str, Option<f64>)], no_data: NoData) -> serde_json::Value {
        let mut t = Answers(
            answers.iter().map(|(q, v)| (q.to_string(), *v)).collect(),
            Vec::new(),
        );
        let request = BurnRate {
            sli,
            objective: 0.999,
            windows: Vec::new(),
            at: None,
            no_data,
            timeout: None,
        };
        let report = slo_burn_rate(
            &mut t,
            &Endpoint::default(),
            &request,
            Timestamp::UNIX_EPOCH,
        )
        .unwrap();
        serde_json::from_str(&report).unwrap()
    }

    #[test]
    fn both_windows_of_a_pair_must_burn_for_it_to_fire() {
        // 2% errors over 1h and 5m: 20× the 0.1% budget; 0.1% over 6h.
        let report = burn(
            Sli::ErrorRatio("ratio[$window]".into()),
            &[
                ("ratio[1h]", Some(0.02)),
                ("ratio[5m]", Some(0.02)),
                ("ratio[6h]", Some(0.001)),
                ("ratio[30m]", Some(0.02)),
            ],
            NoData::Fail,
        );
        assert_eq!(report["verdict"], "fail");
        assert_eq!(report["windows"][0]["verdict"], "fail");
        assert_eq!(report["windows"][1]["verdict"], "pass");
        let burn = report["windows"][0]["series"][0]["long"]["burn_rate"]
            .as_f64()
            .unwrap();
        assert!((burn - 20.0).abs() < 1e-9, "{burn}");
        let explain = report["explain"].as_str().unwrap();
        assert!(
            explain.contains("20× over 1h and 20× over 5m (14.4× fires)"),
            "{explain}"
        );
    }

    #[test]
    fn a_recovered_short_window_stops_the_pair_firing() {
        let report = burn(
            Sli::ErrorRatio("r[$window]".into()),
            &[
                ("r[1h]", Some(0.02)),
                ("r[5m]", Some(0.0)),
                ("r[6h]", Some(0.0)),
                ("r[30m]", Some(0.0)),
            ],
            NoData::Fail,
        );
        assert_eq!(report["verdict"], "pass", "{report}");
    }

    #[test]
    fn bad_over_total_with_no_error_series_is_no_errors() {
        let report = burn(
            Sli::BadTotal("bad[$window]".into(), "all[$window]".into()),
            &[
                ("bad[1h]", None),
                ("all[1h]", Some(10.0)),
                ("bad[5m]", None),
                ("all[5m]", Some(10.0)),
                ("bad[6h]", None),
                ("all[6h]", Some(10.0)),
                ("bad[30m]", None),
                ("all[30m]", Some(10.0)),
            ],
            NoData::Fail,
        );
        assert_eq!(report["verdict"], "pass", "{report}");
        assert_eq!(
            report["windows"][0]["series"][0]["long"]["error_ratio"],
            0.0
        );
    }

    #[test]
    fn no_traffic_follows_the_no_data_policy() {
        let answers = [
            ("good[1h]", Some(0.0)),
            ("all[1h]", Some(0.0)),
            ("good[5m]", Some(0.0)),
            ("all[5m]", Some(0.0)),
            ("good[6h]", Some(0.0)),
            ("all[6h]", Some(0.0)),
            ("good[30m]", Some(0.0)),
            ("all[30m]", Some(0.0)),
        ];
        let sli = || Sli::GoodTotal("good[$window]".into(), "all[$window]".into());
        assert_eq!(burn(sli(), &answers, NoData::Fail)["verdict"], "fail");
        let report = burn(sli(), &answers, NoData::Inconclusive);
        assert_eq!(report["verdict"], "inconclusive");
        assert!(
            report["explain"].as_str().unwrap().contains("no data"),
            "{report}"
        );
    }

    #[test]
    fn a_query_without_the_placeholder_is_refused_before_any_request() {
        let mut t = Answers(Vec::new(), Vec::new());
        let request = BurnRate {
            sli: Sli::ErrorRatio("ratio".into()),
            objective: 0.999,
            windows: Vec::new(),
            at: None,
            no_data: NoData::Fail,
            timeout: None,
        };
        let error = slo_burn_rate(
            &mut t,
            &Endpoint::default(),
            &request,
            Timestamp::UNIX_EPOCH,
        )
        .unwrap_err();
        assert!(
            matches!(&error, ProbeError::InvalidArgument(m) if m.contains("$window")),
            "{error:?}"
        );
        assert!(t.1.is_empty());
    }
}

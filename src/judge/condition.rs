//! `check-condition`: whether every series of an instant query meets a
//! condition now; `wait_until` in the hosts calls it until it does.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{figure, series_of, shown, to_json, Comparator, NoData, Verdict};
use crate::error::ProbeError;
use crate::probes::{query, InstantQuery, Transport};
use crate::request::Endpoint;
use crate::response::{format_sample, instant_series};
use crate::time_expr::{format_rfc3339, Timestamp};

/// WIT `condition`.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub query: String,
    pub comparator: Comparator,
    pub value: f64,
    pub no_data: NoData,
    pub timeout: Option<String>,
}

#[derive(Serialize)]
struct Report<'a> {
    verdict: Verdict,
    explain: String,
    judgement: &'static str,
    query: &'a str,
    at: String,
    comparator: Comparator,
    value: Option<f64>,
    no_data: NoData,
    series: Vec<SeriesReport>,
}

#[derive(Serialize)]
struct SeriesReport {
    labels: BTreeMap<String, String>,
    /// As Prometheus writes it (`0.93`, `NaN`, `+Inf`).
    value: String,
    holds: bool,
}

/// Checks the condition once; see WIT `check-condition`.
pub fn check_condition(
    transport: &mut impl Transport,
    config: &Endpoint,
    request: &Condition,
    now: Timestamp,
) -> Result<String, ProbeError> {
    if request.value.is_nan() {
        return Err(ProbeError::invalid(
            "the threshold value must be a number, not NaN (no sample meets a comparison with NaN)",
        ));
    }
    let at = format_rfc3339(now);
    let instant = InstantQuery {
        query: request.query.clone(),
        when: Some(at.clone()),
        timeout: request.timeout.clone(),
    };
    let body = query(transport, config, &instant, now)?;
    let series: Vec<SeriesReport> = instant_series(&body, &request.query)?
        .into_iter()
        .map(|(labels, value)| SeriesReport {
            labels,
            value: format_sample(value),
            holds: request.comparator.holds(value, request.value),
        })
        .collect();
    let condition = format!(
        "{} {} {}",
        request.query,
        request.comparator.symbol(),
        shown(request.value)
    );
    let (verdict, explain) = match series.iter().find(|s| !s.holds) {
        _ if series.is_empty() => (
            request.no_data.verdict(),
            format!(
                "{}: {} returned no series (no_data is {})",
                request.no_data.as_str(),
                request.query,
                request.no_data.as_str()
            ),
        ),
        Some(miss) => (
            Verdict::Fail,
            format!(
                "fail: {condition} does not hold: {} is {}",
                series_of(&request.query, &miss.labels),
                miss.value
            ),
        ),
        None => (
            Verdict::Pass,
            format!(
                "pass: {condition} holds for {} series (value {})",
                series.len(),
                series[0].value
            ),
        ),
    };
    Ok(to_json(&Report {
        verdict,
        explain,
        judgement: "check_condition",
        query: &request.query,
        at,
        comparator: request.comparator,
        value: figure(request.value),
        no_data: request.no_data,
        series,
    }))
}

//! The `judgements` interface: WIT types to the plain-Rust judgements.

use super::bindings::chaostoolkit::prometheus::types as wit_types;
use super::bindings::exports::chaostoolkit::prometheus::judgements as wit;
use super::{now, Component};
use crate::http::WasiHttp;
use crate::judge::{
    self, BaselineComparison, BurnRate, BurnWindow, Comparator, Condition, Direction, NoData, Sli,
    Statistic, ThresholdWindow, WindowMode,
};

impl wit::Guest for Component {
    fn compare_to_baseline(
        endpoint: wit_types::Endpoint,
        request: wit::BaselineComparison,
    ) -> Result<String, wit_types::ProbeError> {
        judge::compare_to_baseline(&mut WasiHttp, &endpoint.into(), &request.into(), now())
            .map_err(Into::into)
    }

    fn slo_burn_rate(
        endpoint: wit_types::Endpoint,
        request: wit::BurnRate,
    ) -> Result<String, wit_types::ProbeError> {
        judge::slo_burn_rate(&mut WasiHttp, &endpoint.into(), &request.into(), now())
            .map_err(Into::into)
    }

    fn threshold_over_window(
        endpoint: wit_types::Endpoint,
        request: wit::ThresholdWindow,
    ) -> Result<String, wit_types::ProbeError> {
        judge::threshold_over_window(&mut WasiHttp, &endpoint.into(), &request.into(), now())
            .map_err(Into::into)
    }

    fn check_condition(
        endpoint: wit_types::Endpoint,
        request: wit::Condition,
    ) -> Result<String, wit_types::ProbeError> {
        judge::check_condition(&mut WasiHttp, &endpoint.into(), &request.into(), now())
            .map_err(Into::into)
    }
}

impl From<wit::NoData> for NoData {
    fn from(value: wit::NoData) -> Self {
        match value {
            wit::NoData::Fail => NoData::Fail,
            wit::NoData::Pass => NoData::Pass,
            wit::NoData::Inconclusive => NoData::Inconclusive,
        }
    }
}

impl From<wit::Comparator> for Comparator {
    fn from(value: wit::Comparator) -> Self {
        match value {
            wit::Comparator::Lt => Comparator::Lt,
            wit::Comparator::Le => Comparator::Le,
            wit::Comparator::Gt => Comparator::Gt,
            wit::Comparator::Ge => Comparator::Ge,
            wit::Comparator::Eq => Comparator::Eq,
            wit::Comparator::Ne => Comparator::Ne,
        }
    }
}

impl From<wit::BaselineComparison> for BaselineComparison {
    fn from(r: wit::BaselineComparison) -> Self {
        BaselineComparison {
            query: r.query,
            baseline_start: r.baseline_start,
            baseline_end: r.baseline_end,
            start: r.start,
            end: r.end,
            step: r.step,
            statistic: match r.statistic {
                wit::Statistic::Mean => Statistic::Mean,
                wit::Statistic::Median => Statistic::Median,
                wit::Statistic::Quantile(q) => Statistic::Quantile(q),
            },
            max_change: r.max_change,
            direction: match r.direction {
                wit::Direction::Increase => Direction::Increase,
                wit::Direction::Decrease => Direction::Decrease,
                wit::Direction::Either => Direction::Either,
            },
            confidence: r.confidence,
            min_samples: r.min_samples,
            no_data: r.no_data.into(),
            timeout: r.timeout,
        }
    }
}

impl From<wit::BurnRate> for BurnRate {
    fn from(r: wit::BurnRate) -> Self {
        BurnRate {
            sli: match r.sli {
                wit::Sli::ErrorRatio(q) => Sli::ErrorRatio(q),
                wit::Sli::BadTotal((bad, total)) => Sli::BadTotal(bad, total),
                wit::Sli::GoodTotal((good, total)) => Sli::GoodTotal(good, total),
            },
            objective: r.objective,
            windows: r
                .windows
                .into_iter()
                .map(|w| BurnWindow {
                    long: w.long,
                    short: w.short,
                    factor: w.factor,
                })
                .collect(),
            at: r.at,
            no_data: r.no_data.into(),
            timeout: r.timeout,
        }
    }
}

impl From<wit::ThresholdWindow> for ThresholdWindow {
    fn from(r: wit::ThresholdWindow) -> Self {
        ThresholdWindow {
            query: r.query,
            start: r.start,
            end: r.end,
            step: r.step,
            comparator: r.comparator.into(),
            value: r.value,
            mode: match r.mode {
                wit::WindowMode::Always => WindowMode::Always,
                wit::WindowMode::AtLeastOnce => WindowMode::AtLeastOnce,
                wit::WindowMode::Fraction(f) => WindowMode::Fraction(f),
            },
            per_series: r.per_series,
            no_data: r.no_data.into(),
            timeout: r.timeout,
        }
    }
}

impl From<wit::Condition> for Condition {
    fn from(r: wit::Condition) -> Self {
        Condition {
            query: r.query,
            comparator: r.comparator.into(),
            value: r.value,
            no_data: r.no_data.into(),
            timeout: r.timeout,
        }
    }
}

//! The judgements (`compareToBaseline`, `sloBurnRate`,
//! `thresholdOverWindow`, `waitUntil`): their options become the arguments
//! object of `chaosprometheus.probes`, with Python's names, and go through
//! the host library's one reading of them (`probe_args::plan`), as the
//! Python package's do. An option left out (or `null`) is sent as null, so
//! its default is the host library's.

use std::sync::Arc;

use napi::Either;
use napi_derive::napi;
use serde_json::{Map, Value};

use chaosprometheus_host::probe_args::plan;
use chaosprometheus_host::ProbeAnswer;

use crate::options::{number_value, text_or_number};
use crate::probes::{parsed, PrometheusProbes};
use crate::{call_failed, failed, invalid};

/// `compareToBaseline`'s options. Times are time expressions (`40 minutes
/// ago`, RFC 3339, Unix seconds).
#[napi(object)]
pub struct BaselineOptions {
    pub query: String,
    pub baseline_start: String,
    pub baseline_end: String,
    pub start: String,
    pub end: String,
    /// `15s`-style text or seconds. Default: the longer window / 300, at
    /// least 1 s.
    #[napi(ts_type = "string | number")]
    pub step: Option<Either<String, f64>>,
    /// `mean` (default), `median` or `quantile` (with `quantile`).
    #[napi(ts_type = "'mean' | 'median' | 'quantile'")]
    pub statistic: Option<String>,
    /// Such as 0.99; given alone, it implies `statistic: 'quantile'`.
    pub quantile: Option<f64>,
    /// The relative change allowed, a fraction. Default 0.2.
    pub max_change: Option<f64>,
    /// `increase` (default), `decrease` or `either`.
    #[napi(ts_type = "'increase' | 'decrease' | 'either'")]
    pub direction: Option<String>,
    /// Of the Mann-Whitney U test. Default 0.95.
    pub confidence: Option<f64>,
    /// Fewer numeric samples in a window is inconclusive. Default 5.
    pub min_samples: Option<f64>,
    /// The verdict when the query has no series. Default `fail`.
    #[napi(ts_type = "NoData")]
    pub no_data: Option<String>,
    /// Prometheus's server-side evaluation timeout, such as `10s`.
    pub timeout: Option<String>,
}

/// `sloBurnRate`'s options: the objective and one indicator, each query
/// with `$window` where the range goes.
#[napi(object)]
pub struct BurnRateOptions {
    /// Such as 0.999.
    pub objective: f64,
    pub error_ratio_query: Option<String>,
    pub bad_query: Option<String>,
    pub good_query: Option<String>,
    pub total_query: Option<String>,
    /// The window pairs. Default: the SRE workbook's 1h/5m at 14.4 and
    /// 6h/30m at 6.
    #[napi(ts_type = "Array<BurnWindow | [string, string, number]>")]
    pub windows: Option<Value>,
    /// When the windows end, a time expression. Default: now.
    pub at: Option<String>,
    #[napi(ts_type = "NoData")]
    pub no_data: Option<String>,
    pub timeout: Option<String>,
}

/// `thresholdOverWindow`'s options.
#[napi(object)]
pub struct ThresholdOptions {
    pub query: String,
    pub start: String,
    pub end: String,
    #[napi(ts_type = "Comparator")]
    pub comparator: String,
    pub value: f64,
    /// `always` (default), `at_least_once` or `fraction` (with `fraction`).
    #[napi(ts_type = "'always' | 'at_least_once' | 'fraction'")]
    pub mode: Option<String>,
    /// Such as 0.95; given alone, it implies `mode: 'fraction'`.
    pub fraction: Option<f64>,
    /// Each series on its own (default), or all samples together.
    pub per_series: Option<bool>,
    #[napi(ts_type = "string | number")]
    pub step: Option<Either<String, f64>>,
    #[napi(ts_type = "NoData")]
    pub no_data: Option<String>,
    pub timeout: Option<String>,
}

/// `waitUntil`'s options.
#[napi(object)]
pub struct WaitOptions {
    pub query: String,
    #[napi(ts_type = "Comparator")]
    pub comparator: String,
    pub value: f64,
    /// The longest wait, a Prometheus duration. Default `5m`.
    pub timeout: Option<String>,
    /// The pause between checks. Default `5s`.
    pub interval: Option<String>,
    #[napi(ts_type = "NoData")]
    pub no_data: Option<String>,
    /// Prometheus's server-side evaluation timeout of each check.
    pub query_timeout: Option<String>,
}

#[napi]
impl PrometheusProbes {
    /// The samples of a window judged against a baseline window, series by
    /// series: the report, parsed (`verdict`, `explain`, the figures).
    #[napi(ts_return_type = "Promise<JudgementReport>")]
    pub async fn compare_to_baseline(&self, options: BaselineOptions) -> napi::Result<Value> {
        let o = options;
        self.judge(
            "compare_to_baseline",
            [
                ("query", Some(Value::String(o.query))),
                ("baseline_start", Some(Value::String(o.baseline_start))),
                ("baseline_end", Some(Value::String(o.baseline_end))),
                ("start", Some(Value::String(o.start))),
                ("end", Some(Value::String(o.end))),
                ("step", o.step.map(text_or_number)),
                ("statistic", o.statistic.map(Value::String)),
                ("quantile", o.quantile.map(number_value)),
                ("max_change", o.max_change.map(number_value)),
                ("direction", o.direction.map(Value::String)),
                ("confidence", o.confidence.map(number_value)),
                ("min_samples", o.min_samples.map(number_value)),
                ("no_data", o.no_data.map(Value::String)),
                ("timeout", o.timeout.map(Value::String)),
            ],
        )
        .await
    }

    /// The error-budget burn rate of an SLO over window pairs: the report,
    /// parsed.
    #[napi(ts_return_type = "Promise<JudgementReport>")]
    pub async fn slo_burn_rate(&self, options: BurnRateOptions) -> napi::Result<Value> {
        let o = options;
        self.judge(
            "slo_burn_rate",
            [
                ("objective", Some(number_value(o.objective))),
                ("error_ratio_query", o.error_ratio_query.map(Value::String)),
                ("bad_query", o.bad_query.map(Value::String)),
                ("good_query", o.good_query.map(Value::String)),
                ("total_query", o.total_query.map(Value::String)),
                ("windows", o.windows),
                ("at", o.at.map(Value::String)),
                ("no_data", o.no_data.map(Value::String)),
                ("timeout", o.timeout.map(Value::String)),
            ],
        )
        .await
    }

    /// A condition on the samples of a window: the report, parsed.
    #[napi(ts_return_type = "Promise<JudgementReport>")]
    pub async fn threshold_over_window(&self, options: ThresholdOptions) -> napi::Result<Value> {
        let o = options;
        self.judge(
            "threshold_over_window",
            [
                ("query", Some(Value::String(o.query))),
                ("start", Some(Value::String(o.start))),
                ("end", Some(Value::String(o.end))),
                ("comparator", Some(Value::String(o.comparator))),
                ("value", Some(number_value(o.value))),
                ("mode", o.mode.map(Value::String)),
                ("fraction", o.fraction.map(number_value)),
                ("per_series", o.per_series.map(Value::Bool)),
                ("step", o.step.map(text_or_number)),
                ("no_data", o.no_data.map(Value::String)),
                ("timeout", o.timeout.map(Value::String)),
            ],
        )
        .await
    }

    /// Checks an instant query every `interval` until every series meets
    /// the condition, or `timeout` runs out (then the verdict is `fail`,
    /// with the last value in `explain`): the report, parsed.
    #[napi(ts_return_type = "Promise<JudgementReport>")]
    pub async fn wait_until(&self, options: WaitOptions) -> napi::Result<Value> {
        let o = options;
        self.judge(
            "wait_until",
            [
                ("query", Some(Value::String(o.query))),
                ("comparator", Some(Value::String(o.comparator))),
                ("value", Some(number_value(o.value))),
                ("timeout", o.timeout.map(Value::String)),
                ("interval", o.interval.map(Value::String)),
                ("no_data", o.no_data.map(Value::String)),
                ("query_timeout", o.query_timeout.map(Value::String)),
            ],
        )
        .await
    }
}

impl PrometheusProbes {
    /// Runs judgement `func` with its arguments by Python's names (unset:
    /// null, the host library's default).
    async fn judge<const N: usize>(
        &self,
        func: &str,
        arguments: [(&str, Option<Value>); N],
    ) -> napi::Result<Value> {
        let arguments: Map<String, Value> = arguments
            .into_iter()
            .map(|(name, value)| (name.to_string(), value.unwrap_or(Value::Null)))
            .collect();
        let call = plan(func, &arguments).map_err(|e| invalid(&e.to_string()))?;
        let inner = Arc::clone(&self.inner);
        match inner
            .host
            .run_probe(&inner.endpoint, &call)
            .await
            .map_err(call_failed)?
        {
            ProbeAnswer::Json(text) => parsed(&text),
            ProbeAnswer::Number(_) => Err(failed(
                "host",
                &format!("{func} answered a number, not its report"),
            )),
        }
    }
}

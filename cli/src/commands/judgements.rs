//! `chaosprom compare-to-baseline`, `slo-burn-rate`,
//! `threshold-over-window` and `wait-until`: each option is the judgement's
//! argument of the same name (`--max-change` is `max_change`), put into the
//! arguments object an experiment file gives and read by the host
//! library's one parser (`probe_args::plan`), defaults included. The report
//! is printed as JSON; the exit status is its verdict.

use std::process::ExitCode;

use chaosprometheus_host::explanation::{explain_judgement, LinkTarget};
use chaosprometheus_host::probe_args::plan;
use chaosprometheus_host::ProbeAnswer;
use serde_json::{Map, Value};

use crate::global::GlobalOptions;
use crate::output::Failure;
use crate::prometheus::PrometheusOptions;

/// A judgement's help: its example, then what it prints and its exit
/// status.
macro_rules! help {
    ($example:literal) => {
        concat!(
            $example,
            "\n\n",
            "Prints the JSON report (verdict, explain, every figure judged; see
docs/judgements.md). Exit status 0 when the verdict is pass, 1 when it is
fail or inconclusive (its explain sentence on stderr, as
`verdict[fail]: ...`) or the call failed, 2 for wrong options or arguments.
Options left out take the host library's defaults, the same as in an
experiment file."
        )
    };
}

pub const BASELINE_HELP: &str = help!(
    "\
Example: did the p99 latency rise by more than 25%?
  chaosprom compare-to-baseline \\
    'histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[1m])))' \\
    --baseline-start '40 minutes ago' --baseline-end '30 minutes ago' \\
    --start '10 minutes ago' --end now --max-change 0.25

A series fails when its statistic changed by more than --max-change in
--direction and a Mann-Whitney U test says the windows differ at
--confidence."
);

pub const BURN_HELP: &str = help!(
    "\
Example: is a 99.9% SLO burning its error budget too fast?
  chaosprom slo-burn-rate --objective 0.999 \\
    --bad-query 'sum(rate(http_requests_total{code=~\"5..\"}[$window]))' \\
    --total-query 'sum(rate(http_requests_total[$window]))' \\
    --window 1h,5m,14.4 --window 6h,30m,6

Each query has $window where the range goes. A pair fails when both of its
windows burn at least its factor."
);

pub const THRESHOLD_HELP: &str = help!(
    "\
Example: was the error rate below 0.5 in 95% of the last 10 minutes?
  chaosprom threshold-over-window 'sum(rate(errors_total[1m]))' \\
    --start '10 minutes ago' --end now --comparator '<' --value 0.5 --fraction 0.95"
);

pub const WAIT_HELP: &str = help!(
    "\
Example: wait up to 2 minutes for the API to be up again:
  chaosprom wait-until 'up{job=\"api\"}' --comparator == --value 1 --timeout 2m

At the timeout the verdict is fail and explain gives the last value."
);

/// Options every judgement takes.
#[derive(clap::Args)]
pub struct Common {
    /// What to conclude when the query returns no series: fail, pass or
    /// inconclusive [default: fail]
    #[arg(long, value_name = "VERDICT")]
    no_data: Option<String>,
    #[command(flatten)]
    pub(super) prometheus: PrometheusOptions,
}

/// Judge a window of a query against a baseline window, series by series
#[derive(clap::Args)]
pub struct CompareToBaselineArgs {
    /// The PromQL expression (it may start with '-')
    #[arg(allow_hyphen_values = true)]
    promql: String,
    /// Start of the baseline window, a time expression
    #[arg(long, value_name = "EXPR", allow_hyphen_values = true)]
    baseline_start: String,
    /// End of the baseline window, a time expression
    #[arg(long, value_name = "EXPR", allow_hyphen_values = true)]
    baseline_end: String,
    /// Start of the window judged, a time expression
    #[arg(long, value_name = "EXPR", allow_hyphen_values = true)]
    start: String,
    /// End of the window judged, a time expression
    #[arg(long, value_name = "EXPR", allow_hyphen_values = true)]
    end: String,
    /// Resolution: seconds (15) or a duration (15s) [default: the longer
    /// window divided by 300, at least 1s]
    #[arg(long, value_name = "STEP")]
    step: Option<String>,
    /// mean, median or quantile (with --quantile) [default: mean]
    #[arg(long, value_name = "NAME")]
    statistic: Option<String>,
    /// The quantile, such as 0.99 (alone, it implies --statistic quantile)
    #[arg(long, value_name = "Q")]
    quantile: Option<String>,
    /// The relative change allowed, a fraction [default: 0.2]
    #[arg(long, value_name = "FRACTION")]
    max_change: Option<String>,
    /// increase, decrease or either [default: increase]
    #[arg(long, value_name = "DIRECTION")]
    direction: Option<String>,
    /// Of the Mann-Whitney U test [default: 0.95]
    #[arg(long, value_name = "P")]
    confidence: Option<String>,
    /// Fewer numeric samples in a window is inconclusive [default: 5]
    #[arg(long, value_name = "N")]
    min_samples: Option<String>,
    /// Server-side evaluation timeout, sent as Prometheus's `timeout`
    #[arg(long, value_name = "DUR")]
    timeout: Option<String>,
    #[command(flatten)]
    pub(super) common: Common,
}

/// Judge the error-budget burn rate of an SLO over window pairs
#[derive(clap::Args)]
pub struct SloBurnRateArgs {
    /// The SLO, such as 0.999
    #[arg(long, value_name = "RATIO")]
    objective: String,
    /// The error ratio, with $window where the range goes
    #[arg(long, value_name = "PROMQL", allow_hyphen_values = true)]
    error_ratio_query: Option<String>,
    /// The bad events (with --total-query), with $window
    #[arg(long, value_name = "PROMQL", allow_hyphen_values = true)]
    bad_query: Option<String>,
    /// The good events (with --total-query), with $window
    #[arg(long, value_name = "PROMQL", allow_hyphen_values = true)]
    good_query: Option<String>,
    /// All events, with $window
    #[arg(long, value_name = "PROMQL", allow_hyphen_values = true)]
    total_query: Option<String>,
    /// A window pair LONG,SHORT,FACTOR; repeatable [default: 1h,5m,14.4 and
    /// 6h,30m,6]
    #[arg(long = "window", value_name = "LONG,SHORT,FACTOR")]
    windows: Vec<String>,
    /// When the windows end, a time expression [default: now]
    #[arg(long, value_name = "EXPR", allow_hyphen_values = true)]
    at: Option<String>,
    /// Server-side evaluation timeout, sent as Prometheus's `timeout`
    #[arg(long, value_name = "DUR")]
    timeout: Option<String>,
    #[command(flatten)]
    pub(super) common: Common,
}

/// Judge a condition on the samples of a range
#[derive(clap::Args)]
pub struct ThresholdOverWindowArgs {
    /// The PromQL expression (it may start with '-')
    #[arg(allow_hyphen_values = true)]
    promql: String,
    /// Start of the range, a time expression
    #[arg(long, value_name = "EXPR", allow_hyphen_values = true)]
    start: String,
    /// End of the range, a time expression
    #[arg(long, value_name = "EXPR", allow_hyphen_values = true)]
    end: String,
    /// <, <=, >, >=, ==, != (or lt, le, gt, ge, eq, ne)
    #[arg(long, value_name = "OP")]
    comparator: String,
    /// The number each sample is compared with
    #[arg(long, value_name = "NUMBER", allow_hyphen_values = true)]
    value: String,
    /// always, at_least_once or fraction (with --fraction) [default: always]
    #[arg(long, value_name = "MODE")]
    mode: Option<String>,
    /// The share of samples that must meet it (alone, it implies --mode
    /// fraction)
    #[arg(long, value_name = "FRACTION")]
    fraction: Option<String>,
    /// true: each series on its own; false: all samples together [default:
    /// true]
    #[arg(long, value_name = "BOOL")]
    per_series: Option<bool>,
    /// Resolution: seconds (15) or a duration (15s)
    #[arg(long, value_name = "STEP")]
    step: Option<String>,
    /// Server-side evaluation timeout, sent as Prometheus's `timeout`
    #[arg(long, value_name = "DUR")]
    timeout: Option<String>,
    #[command(flatten)]
    pub(super) common: Common,
}

/// Check an instant query until every series meets a condition, or time is up
#[derive(clap::Args)]
pub struct WaitUntilArgs {
    /// The PromQL expression (it may start with '-')
    #[arg(allow_hyphen_values = true)]
    promql: String,
    /// <, <=, >, >=, ==, != (or lt, le, gt, ge, eq, ne)
    #[arg(long, value_name = "OP")]
    comparator: String,
    /// The number each series is compared with
    #[arg(long, value_name = "NUMBER", allow_hyphen_values = true)]
    value: String,
    /// The longest wait, a duration [default: 5m]
    #[arg(long, value_name = "DUR")]
    timeout: Option<String>,
    /// The pause between checks [default: 5s]
    #[arg(long, value_name = "DUR")]
    interval: Option<String>,
    /// Server-side evaluation timeout of each check, sent as Prometheus's
    /// `timeout`
    #[arg(long, value_name = "DUR")]
    query_timeout: Option<String>,
    #[command(flatten)]
    pub(super) common: Common,
}

fn text(value: Option<String>) -> Value {
    value.map_or(Value::Null, Value::String)
}

pub async fn compare_to_baseline(
    global: &GlobalOptions,
    a: CompareToBaselineArgs,
) -> Result<ExitCode, Failure> {
    let args = [
        ("query", Value::String(a.promql)),
        ("baseline_start", Value::String(a.baseline_start)),
        ("baseline_end", Value::String(a.baseline_end)),
        ("start", Value::String(a.start)),
        ("end", Value::String(a.end)),
        ("step", text(a.step)),
        ("statistic", text(a.statistic)),
        ("quantile", text(a.quantile)),
        ("max_change", text(a.max_change)),
        ("direction", text(a.direction)),
        ("confidence", text(a.confidence)),
        ("min_samples", text(a.min_samples)),
        ("timeout", text(a.timeout)),
    ];
    judge(global, "compare_to_baseline", args, a.common).await
}

pub async fn slo_burn_rate(
    global: &GlobalOptions,
    a: SloBurnRateArgs,
) -> Result<ExitCode, Failure> {
    // Each pair as the list an experiment file gives; the host reads it.
    let windows = (!a.windows.is_empty()).then(|| {
        Value::Array(
            a.windows
                .iter()
                .map(|pair| pair.split(',').map(|part| part.trim().into()).collect())
                .map(Value::Array)
                .collect(),
        )
    });
    let args = [
        ("objective", Value::String(a.objective)),
        ("error_ratio_query", text(a.error_ratio_query)),
        ("bad_query", text(a.bad_query)),
        ("good_query", text(a.good_query)),
        ("total_query", text(a.total_query)),
        ("windows", windows.unwrap_or(Value::Null)),
        ("at", text(a.at)),
        ("timeout", text(a.timeout)),
    ];
    judge(global, "slo_burn_rate", args, a.common).await
}

pub async fn threshold_over_window(
    global: &GlobalOptions,
    a: ThresholdOverWindowArgs,
) -> Result<ExitCode, Failure> {
    let args = [
        ("query", Value::String(a.promql)),
        ("start", Value::String(a.start)),
        ("end", Value::String(a.end)),
        ("comparator", Value::String(a.comparator)),
        ("value", Value::String(a.value)),
        ("mode", text(a.mode)),
        ("fraction", text(a.fraction)),
        ("per_series", a.per_series.map_or(Value::Null, Value::Bool)),
        ("step", text(a.step)),
        ("timeout", text(a.timeout)),
    ];
    judge(global, "threshold_over_window", args, a.common).await
}

pub async fn wait_until(global: &GlobalOptions, a: WaitUntilArgs) -> Result<ExitCode, Failure> {
    let args = [
        ("query", Value::String(a.promql)),
        ("comparator", Value::String(a.comparator)),
        ("value", Value::String(a.value)),
        ("timeout", text(a.timeout)),
        ("interval", text(a.interval)),
        ("query_timeout", text(a.query_timeout)),
    ];
    judge(global, "wait_until", args, a.common).await
}

/// Runs judgement `func` with `args` and `no_data`; prints the report and
/// gives the verdict's exit status.
async fn judge<const N: usize>(
    global: &GlobalOptions,
    func: &str,
    args: [(&str, Value); N],
    common: Common,
) -> Result<ExitCode, Failure> {
    let mut arguments: Map<String, Value> = args
        .into_iter()
        .map(|(name, value)| (name.to_string(), value))
        .collect();
    arguments.insert("no_data".into(), text(common.no_data));
    let call = plan(func, &arguments).map_err(|e| Failure::Usage(e.to_string()))?;
    let host = common.prometheus.host(global)?;
    let endpoint = common.prometheus.endpoint(global);
    let text = match host.run_probe(&endpoint, &call).await? {
        ProbeAnswer::Json(text) => text,
        ProbeAnswer::Number(n) => {
            return Err(Failure::Host(format!(
                "{func} answered a number ({n}), not its report"
            )))
        }
    };
    println!("{text}");
    let report: Value = serde_json::from_str(&text)
        .map_err(|e| Failure::Host(format!("{func} wrote a report that is not JSON: {e}")))?;
    let verdict = report["verdict"].as_str().unwrap_or_default();
    if verdict == "pass" {
        return Ok(ExitCode::SUCCESS);
    }
    eprintln!(
        "verdict[{verdict}]: {}",
        report["explain"].as_str().unwrap_or_default()
    );
    // The rest of what explains it, as `chaosprom run` prints it: the
    // query, the window, the series and a link to the Prometheus UI.
    let mut configuration = Map::new();
    if let Some(url) = &endpoint.base_url {
        configuration.insert("prometheus_base_url".into(), Value::String(url.clone()));
    }
    let links = LinkTarget::from_configuration(&configuration);
    if let Some(explanation) = explain_judgement(func, &arguments, &report, &links) {
        for line in explanation
            .lines()
            .iter()
            .filter(|l| !l.starts_with("why:"))
        {
            eprintln!("  {line}");
        }
    }
    Ok(ExitCode::FAILURE)
}

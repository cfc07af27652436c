//! `chaosprom query-range`: a range query, Prometheus's JSON answer unchanged.

use chaosprometheus_host::RangeQuery;

use crate::global::GlobalOptions;
use crate::output::Failure;
use crate::prometheus::PrometheusOptions;

/// Run a range query and print Prometheus's JSON answer
#[derive(clap::Args)]
pub struct QueryRangeArgs {
    /// The PromQL expression (it may start with '-')
    #[arg(allow_hyphen_values = true)]
    promql: String,
    /// Start of the range, a time expression
    #[arg(long, value_name = "EXPR", allow_hyphen_values = true)]
    start: String,
    /// End of the range, a time expression
    #[arg(long, value_name = "EXPR", allow_hyphen_values = true)]
    end: String,
    /// Resolution: seconds (15) or a duration (15s, 1m). Default: the
    /// smallest whole number of seconds that keeps 11,000 points or fewer
    #[arg(long, value_name = "STEP")]
    step: Option<String>,
    /// Server-side evaluation timeout, sent as Prometheus's `timeout`
    #[arg(long, value_name = "DUR")]
    timeout: Option<String>,
    #[command(flatten)]
    pub(super) prometheus: PrometheusOptions,
}

pub async fn run(global: &GlobalOptions, args: QueryRangeArgs) -> Result<(), Failure> {
    let host = args.prometheus.host(global)?;
    let endpoint = args.prometheus.endpoint(global);
    let request = RangeQuery {
        query: args.promql,
        start: args.start,
        end: args.end,
        step: args.step,
        timeout: args.timeout,
    };
    let answer = host.query_interval(&endpoint, &request).await?;
    println!("{answer}");
    Ok(())
}

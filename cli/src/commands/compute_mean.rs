//! `chaosprom compute-mean`: the mean of one series' samples over a window.

use crate::commands::MeanWindowArgs;
use crate::global::GlobalOptions;
use crate::output::Failure;
use crate::prometheus::PrometheusOptions;

pub const HELP: &str = "\
The samples are those of the range query of PROMQL over --window up to
--end, every --step. The expression must return exactly one series: no
series, or several, is an error (exit 1) that says so; an aggregation such
as sum(...) or avg(...) makes one series of several.

Examples:
  chaosprom compute-mean 'sum(rate(http_requests_total[5m]))' --window 1h
  chaosprom compute-mean 'up{job=\"api\"}' --window 30m --end '10 minutes ago'
  chaosprom compute-mean 'avg(node_load1)' --window 1d --kind harmonic";

/// Print the mean (arithmetic, geometric or harmonic) of the samples of the
/// one series a PromQL expression returns over a window
#[derive(clap::Args)]
pub struct ComputeMeanArgs {
    /// The PromQL expression, returning one series (it may start with '-')
    #[arg(allow_hyphen_values = true)]
    promql: String,
    #[command(flatten)]
    window: MeanWindowArgs,
    #[command(flatten)]
    pub(super) prometheus: PrometheusOptions,
}

pub async fn run(global: &GlobalOptions, args: ComputeMeanArgs) -> Result<(), Failure> {
    let host = args.prometheus.host(global)?;
    let endpoint = args.prometheus.endpoint(global);
    let mean = host
        .compute_mean(&endpoint, &args.promql, &args.window.request())
        .await?;
    println!("{}", chaosprometheus::response::format_sample(mean));
    Ok(())
}

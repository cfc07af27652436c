//! `chaosprom query-value`: an instant query's one number.

use crate::commands::InstantArgs;
use crate::global::GlobalOptions;
use crate::output::Failure;
use crate::prometheus::PrometheusOptions;

/// Run an instant query and print its one number (a scalar, or a vector
/// with exactly one series)
#[derive(clap::Args)]
pub struct QueryValueArgs {
    #[command(flatten)]
    instant: InstantArgs,
    /// Print this when the query returns no series, instead of failing
    #[arg(long, value_name = "NUMBER", allow_hyphen_values = true)]
    default: Option<f64>,
    #[command(flatten)]
    pub(super) prometheus: PrometheusOptions,
}

pub async fn run(global: &GlobalOptions, args: QueryValueArgs) -> Result<(), Failure> {
    let host = args.prometheus.host(global)?;
    let endpoint = args.prometheus.endpoint(global);
    let value = host
        .query_value(&endpoint, &args.instant.request(), args.default)
        .await?;
    println!("{}", chaosprometheus::response::format_sample(value));
    Ok(())
}

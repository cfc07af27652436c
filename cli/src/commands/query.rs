//! `chaosprom query`: an instant query, Prometheus's JSON answer unchanged.

use crate::commands::InstantArgs;
use crate::global::GlobalOptions;
use crate::output::Failure;
use crate::prometheus::PrometheusOptions;

/// Run an instant query and print Prometheus's JSON answer
#[derive(clap::Args)]
pub struct QueryArgs {
    #[command(flatten)]
    instant: InstantArgs,
    #[command(flatten)]
    pub(super) prometheus: PrometheusOptions,
}

pub async fn run(global: &GlobalOptions, args: QueryArgs) -> Result<(), Failure> {
    let host = args.prometheus.host(global)?;
    let endpoint = args.prometheus.endpoint(global);
    let answer = host.query(&endpoint, &args.instant.request()).await?;
    println!("{answer}");
    Ok(())
}

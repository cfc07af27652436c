//! `chaosprom query`: an instant query, Prometheus's JSON answer unchanged.

use crate::commands::{prometheus_host, InstantArgs};
use crate::global::GlobalOptions;
use crate::output::Failure;

/// Run an instant query and print Prometheus's JSON answer
#[derive(clap::Args)]
pub struct QueryArgs {
    #[command(flatten)]
    instant: InstantArgs,
}

pub async fn run(global: &GlobalOptions, args: QueryArgs) -> Result<(), Failure> {
    let host = prometheus_host(global)?;
    let answer = host
        .query(&global.endpoint(), &args.instant.request())
        .await?;
    println!("{answer}");
    Ok(())
}

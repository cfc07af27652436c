//! `chaosprom nodes-cpu-usage-mean`: the nodes' mean CPU usage, in percent,
//! over a window.

use crate::commands::MeanWindowArgs;
use crate::global::GlobalOptions;
use crate::output::Failure;
use crate::prometheus::PrometheusOptions;

/// Print the mean CPU usage of the nodes, in percent, over a window: the
/// mean of 100 * (1 - avg(rate(node_cpu_seconds_total{mode="idle"}[1m])))
#[derive(clap::Args)]
pub struct NodesCpuUsageMeanArgs {
    #[command(flatten)]
    window: MeanWindowArgs,
    #[command(flatten)]
    pub(super) prometheus: PrometheusOptions,
}

pub async fn run(global: &GlobalOptions, args: NodesCpuUsageMeanArgs) -> Result<(), Failure> {
    let host = args.prometheus.host(global)?;
    let endpoint = args.prometheus.endpoint(global);
    let mean = host
        .nodes_cpu_usage_mean(&endpoint, &args.window.request())
        .await?;
    println!("{}", chaosprometheus::response::format_sample(mean));
    Ok(())
}

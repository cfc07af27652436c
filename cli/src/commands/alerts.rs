//! `chaosprom alerts`: the active alerts that pass a filter, as JSON.

use chaosprometheus::alerts::{AlertFilter, AlertState, LabelMatcher};

use crate::global::GlobalOptions;
use crate::output::Failure;
use crate::prometheus::PrometheusOptions;

pub const HELP: &str = "\
Prints a JSON array of the alerts of Prometheus's GET /api/v1/alerts that
pass every filter given, each alert object as Prometheus gives it (labels,
annotations, state, activeAt, value); [] when none does. Exit status 0 either
way: the answer says whether any alert matched.

Examples:
  chaosprom alerts --name HighLatency --state firing --label severity=critical
  chaosprom alerts --label 'severity=~critical|page' --label 'env!=dev'
  chaosprom alerts --state firing | jq 'length == 0'   # no alert is firing

Label matchers are PromQL's: NAME=VALUE, NAME!=VALUE, NAME=~REGEX,
NAME!~REGEX; a regex must match the whole value (RE2 syntax) and a label the
alert lacks reads as empty.";

/// Print the active alerts (pending or firing) that pass a name, label and
/// state filter, as JSON
#[derive(clap::Args)]
pub struct AlertsArgs {
    /// Keep only alerts of this name (their `alertname` label)
    #[arg(long, value_name = "ALERTNAME")]
    name: Option<String>,
    /// Keep only alerts whose labels match: NAME=VALUE, NAME!=VALUE,
    /// NAME=~REGEX or NAME!~REGEX. Repeatable; all must hold
    #[arg(long = "label", value_name = "MATCHER", value_parser = LabelMatcher::parse)]
    labels: Vec<LabelMatcher>,
    /// Keep only alerts in this state
    #[arg(long, value_name = "STATE", default_value = "any", value_parser = ["pending", "firing", "any"])]
    state: String,
    #[command(flatten)]
    pub(super) prometheus: PrometheusOptions,
}

pub async fn run(global: &GlobalOptions, args: AlertsArgs) -> Result<(), Failure> {
    let filter = AlertFilter {
        alertname: args.name,
        labels: args.labels,
        state: AlertState::parse(&args.state).map_err(Failure::Usage)?,
    };
    let host = args.prometheus.host(global)?;
    let endpoint = args.prometheus.endpoint(global);
    let alerts = host.alerts(&endpoint, &filter.into()).await?;
    println!("{alerts}");
    Ok(())
}

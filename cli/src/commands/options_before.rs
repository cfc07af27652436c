//! The Prometheus options given before the subcommand (`chaosprom
//! --prometheus-url URL query up`, as people type options with git or
//! kubectl). clap's `global = true` would offer them to every subcommand,
//! `push-run` and `validate` included, so the top level parses its own copy
//! and this folds it into the subcommand's: an option after the subcommand
//! wins (a repeatable one's values replace those before it), then one
//! before it, then the environment and the default.

use clap::parser::ValueSource;
use clap::ArgMatches;

use super::Command;
use crate::output::Failure;
use crate::prometheus::{PrometheusOptions, QueryRetries};

impl Command {
    /// Its Prometheus options, for a command that queries Prometheus.
    fn prometheus_options(&mut self) -> Option<&mut PrometheusOptions> {
        match self {
            Command::Query(args) => Some(&mut args.prometheus),
            Command::QueryRange(args) => Some(&mut args.prometheus),
            Command::QueryValue(args) => Some(&mut args.prometheus),
            Command::ComputeMean(args) => Some(&mut args.prometheus),
            Command::NodesCpuUsageMean(args) => Some(&mut args.prometheus),
            Command::Alerts(args) => Some(&mut args.prometheus),
            Command::CompareToBaseline(args) => Some(&mut args.common.prometheus),
            Command::SloBurnRate(args) => Some(&mut args.common.prometheus),
            Command::ThresholdOverWindow(args) => Some(&mut args.common.prometheus),
            Command::WaitUntil(args) => Some(&mut args.common.prometheus),
            Command::Run(_) | Command::Validate(_) | Command::PushRun(_) => None,
        }
    }

    /// Its query retries: a query command's, or `run`'s (whose experiment
    /// names its Prometheus).
    fn query_retries(&mut self) -> Option<&mut QueryRetries> {
        match self {
            Command::Run(args) => Some(&mut args.retries),
            other => other
                .prometheus_options()
                .map(|options| &mut options.retries),
        }
    }

    /// Folds `before`, the options parsed before the subcommand (`matches`
    /// are the whole command line's), into the subcommand's own. A
    /// subcommand that does not take one of them is a usage error.
    pub fn take_options_before(
        &mut self,
        before: PrometheusOptions,
        matches: &ArgMatches,
    ) -> Result<(), Failure> {
        // The URL always has a value (the environment's or the default), so
        // only where it came from says whether it was typed.
        let typed =
            |m: &ArgMatches| m.value_source("prometheus_url") == Some(ValueSource::CommandLine);
        let typed_after = matches.subcommand().is_some_and(|(_, after)| typed(after));
        let url = typed(matches).then_some(before.prometheus_url);
        let name = matches.subcommand_name().unwrap_or_default();
        let reason = match self {
            Command::Run(_) => "the experiment names its Prometheus",
            _ => "it does not query Prometheus",
        };
        let refused = |flag: &str| Failure::Usage(format!("{name} takes no {flag}: {reason}"));

        let bearer = before.prometheus_bearer_token_file;
        let basic = before.prometheus_basic_auth_file;
        let headers = before.prometheus_headers;
        match self.prometheus_options() {
            Some(after) => {
                if let (Some(url), false) = (url, typed_after) {
                    after.prometheus_url = url;
                }
                after.prometheus_bearer_token_file =
                    after.prometheus_bearer_token_file.take().or(bearer);
                after.prometheus_basic_auth_file =
                    after.prometheus_basic_auth_file.take().or(basic);
                // As clap does with a repeatable global option: the values
                // after the subcommand replace those before it.
                if after.prometheus_headers.is_empty() {
                    after.prometheus_headers = headers;
                }
            }
            None => {
                let given = [
                    (url.is_some(), "--prometheus-url"),
                    (bearer.is_some(), "--prometheus-bearer-token-file"),
                    (basic.is_some(), "--prometheus-basic-auth-file"),
                    (!headers.is_empty(), "--prometheus-header"),
                ];
                if let Some((_, flag)) = given.into_iter().find(|(given, _)| *given) {
                    return Err(refused(flag));
                }
            }
        }

        let retries = before.retries;
        match self.query_retries() {
            Some(after) => {
                after.retries = after.retries.or(retries.retries);
                after.retry_budget = after.retry_budget.or(retries.retry_budget);
            }
            None if retries.retries.is_some() => return Err(refused("--retries")),
            None if retries.retry_budget.is_some() => return Err(refused("--retry-budget")),
            None => {}
        }
        Ok(())
    }
}

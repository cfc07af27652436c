//! `chaosprom`: run the chaosprometheus probes, control and experiment
//! files from a shell, through the sandboxed component.

mod bad_value;
mod commands;
mod global;
mod output;
mod prometheus;
mod query_findings;

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser};

use commands::Command;
use global::GlobalOptions;
use output::Failure;
use prometheus::PrometheusOptions;

const AFTER_HELP: &str = "\
Time expressions (--when, --start, --end):
  now, today, yesterday, tomorrow; '5 minutes ago', '30s ago', 'an hour ago',
  'in 2 hours', '-5m', 'last week' (units s, m, h, d, w, months, years);
  RFC 3339 ('2026-11-22T08:30:00Z', '...+02:00'); 'YYYY-MM-DD HH:MM:SS' (UTC);
  a Unix epoch in seconds ('1795336200.5').

Sandbox:
  The component runs in a fresh WebAssembly instance for every call, with no
  environment, no files and no stdin. It can reach only the authority
  (scheme://host:port) of --prometheus-url plus each --allow-host (push-run:
  of --pushgateway-url; run: what the experiment names); anything else is
  refused before a connection is made. Each call is capped at 256 MiB of
  memory, 20e9 fuel units of CPU and 120 s of wall-clock time.

Options:
  The Prometheus and the global options go before or after the subcommand
  (one after it wins). The Prometheus options are for the commands that
  query Prometheus; run takes only --retries and --retry-budget of them.

Exit status:
  0  success: the answer is on stdout
  1  the probe failed: one line on stderr, 'error[KIND]: what happened'
  2  usage error";

/// Query Prometheus through the chaosprometheus WebAssembly component.
#[derive(Parser)]
#[command(name = "chaosprom", version, after_help = AFTER_HELP)]
struct Cli {
    /// Also accepted before the subcommand; folded into its own by
    /// [`Command::take_options_before`].
    #[command(flatten)]
    prometheus: PrometheusOptions,
    #[command(flatten)]
    global: GlobalOptions,
    #[command(subcommand)]
    command: Command,
}

/// `--version`: ours, and what answers for the run: the component built
/// in (its SHA-256) and the wasmtime that runs it.
fn long_version() -> String {
    format!(
        "{}\ncomponent sha256:{}\nwasmtime {}",
        env!("CARGO_PKG_VERSION"),
        chaosprometheus_host::EMBEDDED_COMPONENT_SHA256,
        chaosprometheus_host::WASMTIME_VERSION,
    )
}

fn main() -> ExitCode {
    // The matches too, not just `Cli::parse()`: folding the options before
    // the subcommand needs to know which were typed.
    let matches = Cli::command().long_version(long_version()).get_matches();
    let Cli {
        prometheus,
        global,
        mut command,
    } = Cli::from_arg_matches(&matches)
        .map_err(|error| error.format(&mut Cli::command()))
        .unwrap_or_else(|error| error.exit());
    global::init_logging(global.verbose);
    if let Err(failure) = command.take_options_before(prometheus, &matches) {
        return failure.report();
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build();
    let outcome = match runtime {
        Ok(runtime) => runtime.block_on(command.run(&global)),
        Err(error) => Err(Failure::Host(format!(
            "cannot start the async runtime: {error}"
        ))),
    };
    outcome.unwrap_or_else(|failure| failure.report())
}

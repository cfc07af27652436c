//! `chaosprom`: run the chaosprometheus probes from a shell, through the
//! sandboxed component.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use chaosprometheus_host::{
    cache, Authority, CallError, ComponentSource, Endpoint, HostConfig, InstantQuery,
    OutboundPolicy, ProbeError, ProbeHost, RangeQuery,
};
use clap::{Args, Parser, Subcommand};

const AFTER_HELP: &str = "\
Time expressions (--when, --start, --end):
  now, today, yesterday, tomorrow; '5 minutes ago', '30s ago', 'an hour ago',
  'in 2 hours', '-5m', 'last week' (units s, m, h, d, w, months, years);
  RFC 3339 ('2026-11-22T08:30:00Z', '...+02:00'); 'YYYY-MM-DD HH:MM:SS' (UTC);
  a Unix epoch in seconds ('1795336200.5').

Sandbox:
  The component runs in a fresh WebAssembly instance for every call, with no
  environment, no files and no stdin. It can reach only the authority
  (scheme://host:port) of --prometheus-url plus each --allow-host; anything
  else is refused before a connection is made. Each call is capped at 256 MiB
  of memory, 20e9 fuel units of CPU and 120 s of wall-clock time.

Exit status:
  0  success: the answer is on stdout
  1  the probe failed: one line on stderr, 'error[KIND]: what happened'
  2  usage error";

/// Query Prometheus through the chaosprometheus WebAssembly component.
#[derive(Parser)]
#[command(name = "chaosprom", version, after_help = AFTER_HELP)]
struct Cli {
    #[command(flatten)]
    global: GlobalOptions,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args)]
struct GlobalOptions {
    /// Base URL of the Prometheus HTTP API (a path prefix such as
    /// http://host/prometheus is kept). Its authority is what the sandbox
    /// allows.
    #[arg(
        long,
        global = true,
        env = "CHAOSPROM_PROMETHEUS_URL",
        default_value = "http://localhost:9090",
        value_name = "URL"
    )]
    prometheus_url: String,

    /// Time allowed to connect, e.g. 5s or 500ms [default: 5s]
    #[arg(long, global = true, value_name = "DUR", value_parser = parse_duration)]
    connect_timeout: Option<Duration>,

    /// Time allowed for the first byte of the answer and between its bytes,
    /// e.g. 30s [default: 30s]
    #[arg(long, global = true, value_name = "DUR", value_parser = parse_duration)]
    request_timeout: Option<Duration>,

    /// Run this component file instead of the one built into chaosprom
    #[arg(long, global = true, value_name = "PATH")]
    component: Option<PathBuf>,

    /// Also let the component reach HOST[:PORT] (both http and https; the
    /// default ports without :PORT). Repeatable.
    #[arg(long = "allow-host", global = true, value_name = "HOST[:PORT]")]
    allow_hosts: Vec<String>,

    /// Compile the component every time instead of using the compiled copy
    /// kept in the user cache directory ($CHAOSPROM_CACHE_DIR overrides it)
    #[arg(long, global = true)]
    no_cache: bool,

    /// Log what is sent and how long it took, to stderr (never secrets)
    #[arg(short, long, global = true)]
    verbose: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Run an instant query and print Prometheus's JSON answer
    Query {
        /// The PromQL expression (it may start with '-')
        #[arg(allow_hyphen_values = true)]
        promql: String,
        #[command(flatten)]
        instant: InstantArgs,
    },
    /// Run a range query and print Prometheus's JSON answer
    QueryRange {
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
    },
    /// Run an instant query and print its one number (a scalar, or a vector
    /// with exactly one series)
    QueryValue {
        /// The PromQL expression (it may start with '-')
        #[arg(allow_hyphen_values = true)]
        promql: String,
        #[command(flatten)]
        instant: InstantArgs,
        /// Print this when the query returns no series, instead of failing
        #[arg(long, value_name = "NUMBER", allow_hyphen_values = true)]
        default: Option<f64>,
    },
}

#[derive(Args)]
struct InstantArgs {
    /// Evaluation time, a time expression [default: the server's now]
    #[arg(long, value_name = "EXPR", allow_hyphen_values = true)]
    when: Option<String>,
    /// Server-side evaluation timeout, sent as Prometheus's `timeout`
    /// (5, 5s, 1m)
    #[arg(long, value_name = "DUR")]
    timeout: Option<String>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.global.verbose);
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => return fail("host", &format!("cannot start the async runtime: {error}")),
    };
    runtime.block_on(run(cli))
}

async fn run(cli: Cli) -> ExitCode {
    let global = &cli.global;
    let policy = match policy(global) {
        Ok(policy) => policy,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let started = Instant::now();
    let config = HostConfig {
        component: global
            .component
            .clone()
            .map_or(ComponentSource::Embedded, ComponentSource::File),
        cache_dir: if global.no_cache {
            None
        } else {
            cache::default_dir()
        },
        policy,
        ..HostConfig::default()
    };
    let host = match ProbeHost::new(config) {
        Ok(host) => host,
        Err(error) => return fail("host", &format!("cannot load the component: {error:#}")),
    };
    tracing::debug!(elapsed = ?started.elapsed(), "component ready");
    let endpoint = endpoint(global);
    let started = Instant::now();
    let outcome = match cli.command {
        Command::Query { promql, instant } => {
            host.query(&endpoint, &instant_query(promql, instant)).await
        }
        Command::QueryRange {
            promql,
            start,
            end,
            step,
            timeout,
        } => {
            let request = RangeQuery {
                query: promql,
                start,
                end,
                step,
                timeout,
            };
            host.query_interval(&endpoint, &request).await
        }
        Command::QueryValue {
            promql,
            instant,
            default,
        } => host
            .query_value(&endpoint, &instant_query(promql, instant), default)
            .await
            .map(format_value),
    };
    tracing::debug!(elapsed = ?started.elapsed(), "call finished");
    match outcome {
        Ok(answer) => {
            println!("{answer}");
            ExitCode::SUCCESS
        }
        Err(error) => fail(&error.kind(), &with_hint(&error)),
    }
}

fn policy(global: &GlobalOptions) -> Result<OutboundPolicy, String> {
    let mut policy = OutboundPolicy::default();
    policy.allow(
        Authority::from_url(&global.prometheus_url)
            .map_err(|e| format!("invalid --prometheus-url: {e}"))?,
    );
    for extra in &global.allow_hosts {
        for authority in
            Authority::from_allow_host(extra).map_err(|e| format!("invalid --allow-host: {e}"))?
        {
            policy.allow(authority);
        }
    }
    Ok(policy)
}

fn endpoint(global: &GlobalOptions) -> Endpoint {
    let millis = |d: Duration| u32::try_from(d.as_millis()).unwrap_or(u32::MAX).max(1);
    Endpoint {
        base_url: Some(global.prometheus_url.clone()),
        connect_timeout_ms: global.connect_timeout.map(millis),
        first_byte_timeout_ms: global.request_timeout.map(millis),
        between_bytes_timeout_ms: global.request_timeout.map(millis),
        ..Endpoint::default()
    }
}

fn instant_query(query: String, args: InstantArgs) -> InstantQuery {
    InstantQuery {
        query,
        when: args.when,
        timeout: args.timeout,
    }
}

/// Numbers as Prometheus writes them: `1`, `0.25`, `NaN`, `+Inf`, `-Inf`.
fn format_value(value: f64) -> String {
    if value.is_nan() {
        "NaN".into()
    } else if value.is_infinite() {
        if value > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        }
    } else {
        value.to_string()
    }
}

/// The component's message, plus what to do where the message alone does
/// not say it.
fn with_hint(error: &CallError) -> String {
    let message = error.to_string().trim_end().to_string();
    let hint = match error {
        CallError::Probe(ProbeError::Prometheus(p)) if p.error_type == "bad_data" => {
            Some("check the PromQL expression and the parameters")
        }
        CallError::Probe(ProbeError::Prometheus(p)) if p.error_type == "timeout" => {
            Some("raise --timeout or simplify the query")
        }
        CallError::Probe(ProbeError::HttpStatus(h)) if h.status == 404 => {
            Some("is --prometheus-url the API's base URL (with its path prefix, if any)?")
        }
        _ => None,
    };
    match hint {
        Some(hint) => format!("{message} ({hint})"),
        None => message,
    }
}

fn fail(kind: &str, message: &str) -> ExitCode {
    let one_line = message.replace('\n', " ");
    eprintln!("error[{kind}]: {one_line}");
    ExitCode::FAILURE
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    if let Ok(seconds) = text.parse::<f64>() {
        if seconds > 0.0 && seconds.is_finite() {
            return Ok(Duration::from_secs_f64(seconds));
        }
    }
    humantime::parse_duration(text)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| format!("'{text}' is not a positive duration such as 5s, 500ms or 1m"))
}

fn init_logging(verbose: bool) {
    use tracing_subscriber::filter::{LevelFilter, Targets};
    use tracing_subscriber::prelude::*;
    let ours = if verbose {
        LevelFilter::DEBUG
    } else {
        LevelFilter::WARN
    };
    let filter = Targets::new()
        .with_target("chaosprometheus_host", ours)
        .with_target("chaosprom", ours)
        .with_default(LevelFilter::ERROR);
    tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_target(false),
        )
        .with(filter)
        .init();
}

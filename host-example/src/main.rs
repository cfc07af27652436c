//! `chaosprom`: run the chaosprometheus probes from a shell, through the
//! sandboxed component.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use chaosprometheus_host::{
    cache, Authority, CallError, ComponentSource, ControlSettings, Credential, Endpoint, HostAuth,
    HostConfig, InstantQuery, OutboundPolicy, ProbeError, ProbeHost, PushReport, RangeQuery,
    RunStatus,
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

    /// A file holding a bearer token the host sends to Prometheus
    /// ($CHAOSPROM_PROMETHEUS_BEARER_TOKEN holds the token itself). The
    /// component never sees it
    #[arg(long, global = true, value_name = "FILE")]
    prometheus_bearer_token_file: Option<PathBuf>,

    /// A file holding user:password for basic auth to Prometheus
    /// ($CHAOSPROM_PROMETHEUS_BASIC_AUTH holds user:password itself)
    #[arg(long, global = true, value_name = "FILE")]
    prometheus_basic_auth_file: Option<PathBuf>,

    /// A header the host adds to every Prometheus request, e.g.
    /// "X-Scope-OrgID: tenant-1". Repeatable
    #[arg(long = "prometheus-header", global = true, value_name = "NAME: VALUE", value_parser = parse_header)]
    prometheus_headers: Vec<(String, String)>,
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
    /// Run a Chaos Toolkit experiment file (JSON or YAML): its
    /// chaosprometheus probes and control through the sandboxed component,
    /// its process and http activities on this machine
    #[command(after_help = RUN_HELP)]
    Run(RunArgs),
    /// Check an experiment file without running anything
    Validate {
        /// The experiment file (JSON or YAML)
        experiment: PathBuf,
        /// KEY=VALUE or KEY:TYPE=VALUE (TYPE: str, int, float, bool, json),
        /// replacing a configuration value the experiment declares. Repeatable
        #[arg(long = "var", value_name = "KEY=VALUE", value_parser = parse_var)]
        vars: Vec<(String, serde_json::Value)>,
    },
    /// Record one experiment run in a Pushgateway, as the chaosprometheus.metrics
    /// control does: push "in progress", then the run's result
    #[command(after_help = PUSH_RUN_HELP)]
    PushRun(PushRunArgs),
}

const RUN_HELP: &str = "\
Runs like `chaos run`: steady-state hypothesis, method, hypothesis again,
rollbacks, with the chaosprometheus.metrics control pushing before and after.
The journal (Chaos Toolkit's format) goes to --journal-path. The exit status
is 0 when the run completed without deviating, 1 otherwise (or when the
experiment is invalid), 2 on a usage error. Ctrl-C interrupts the run: the
rollbacks follow the strategy and the control still pushes the result.

The component may reach only the configuration's prometheus_base_url and the
control's Pushgateway. Supported: python activities of chaosprometheus.probes
(query, query_interval, query_value, compute_mean, nodes_cpu_usage_mean),
process and http activities, the chaosprometheus.metrics control, every
tolerance type, pauses, refs, background activities, env configuration and
secrets.";

#[derive(Args)]
struct RunArgs {
    /// The experiment file (JSON or YAML)
    experiment: PathBuf,
    /// Where to write the journal
    #[arg(long, value_name = "PATH", default_value = "journal.json")]
    journal_path: PathBuf,
    /// Skip running activities: probes, actions, activities (all), or pause
    /// (run everything, skip the pauses) [default when given: activities]
    #[arg(long, value_name = "MODE", num_args = 0..=1, default_missing_value = "activities", value_enum)]
    dry: Option<DryArg>,
    /// When to play the rollbacks
    #[arg(long, value_enum, default_value = "default")]
    rollback_strategy: RollbackArg,
    /// KEY=VALUE or KEY:TYPE=VALUE (TYPE: str, int, float, bool, json),
    /// replacing a configuration value the experiment declares. Repeatable
    #[arg(long = "var", value_name = "KEY=VALUE", value_parser = parse_var)]
    vars: Vec<(String, serde_json::Value)>,
    /// A JSON or YAML file with `configuration` values to replace
    #[arg(long, value_name = "FILE")]
    var_file: Option<PathBuf>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum DryArg {
    Probes,
    Actions,
    Activities,
    Pause,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum RollbackArg {
    Default,
    Always,
    Never,
    Deviated,
}

const PUSH_RUN_HELP: &str = "\
The experiment reference (label chaostoolkit_experiment_ref, and the default
grouping key) is --experiment-ref, or the hash Chaos Toolkit computes for
--experiment FILE (with \"dry\": null added, as `chaos run` does). Only the
Pushgateway's authority (plus --allow-host) is reachable; --prometheus-url is
not used. A push is tried up to 3 times; a push that still fails is a warning
(exit 0) unless --strict.";

#[derive(Args)]
struct PushRunArgs {
    /// How the run ended
    #[arg(long, value_enum)]
    status: StatusArg,
    /// How long the run took, in seconds (1.5) or as a duration (1m30s)
    #[arg(long, value_name = "DUR", value_parser = parse_duration)]
    duration: Duration,
    /// The run deviated from its steady state
    #[arg(long)]
    deviated: bool,
    /// The experiment file (JSON), for the default experiment reference
    #[arg(long, value_name = "FILE", required_unless_present = "experiment_ref")]
    experiment: Option<PathBuf>,
    /// The experiment reference, instead of the experiment's hash
    #[arg(long, value_name = "REF")]
    experiment_ref: Option<String>,
    /// The Pushgateway's base URL
    #[arg(
        long,
        env = "CHAOSPROM_PUSHGATEWAY_URL",
        default_value = "http://localhost:9091",
        value_name = "URL"
    )]
    pushgateway_url: String,
    /// The job the run is pushed under
    #[arg(long, default_value = "chaostoolkit")]
    job: String,
    /// A grouping key pair, replacing the default
    /// chaostoolkit_experiment_ref=<ref>. Repeatable
    #[arg(long = "grouping-key", value_name = "KEY=VALUE", value_parser = parse_pair)]
    grouping_key: Vec<(String, String)>,
    /// The run's trace id [default: 32 random hex characters]
    #[arg(long, value_name = "ID")]
    trace_id: Option<String>,
    /// Keep every run in its own group (adds the trace id to the grouping key)
    #[arg(long)]
    keep_runs: bool,
    /// The chaostoolkit_lib_version label
    #[arg(long, value_name = "VERSION", default_value = concat!("chaosprom-", env!("CARGO_PKG_VERSION")))]
    lib_version: String,
    /// Exit 1 when a push fails, instead of warning
    #[arg(long)]
    strict: bool,
    /// A file holding a bearer token the host sends to the Pushgateway
    /// ($CHAOSPROM_PUSHGATEWAY_BEARER_TOKEN holds the token itself)
    #[arg(long, value_name = "FILE")]
    pushgateway_bearer_token_file: Option<PathBuf>,
    /// A file holding user:password for basic auth to the Pushgateway
    /// ($CHAOSPROM_PUSHGATEWAY_BASIC_AUTH holds user:password itself)
    #[arg(long, value_name = "FILE")]
    pushgateway_basic_auth_file: Option<PathBuf>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum StatusArg {
    Completed,
    Failed,
    Aborted,
    Interrupted,
}

impl From<StatusArg> for RunStatus {
    fn from(status: StatusArg) -> Self {
        match status {
            StatusArg::Completed => RunStatus::Completed,
            StatusArg::Failed => RunStatus::Failed,
            StatusArg::Aborted => RunStatus::Aborted,
            StatusArg::Interrupted => RunStatus::Interrupted,
        }
    }
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
    // A run derives its own policy from the experiment.
    match cli.command {
        Command::Run(args) => return run_experiment(global, args).await,
        Command::Validate { experiment, vars } => return validate_experiment(&experiment, vars),
        _ => {}
    }
    // A control reaches only its Pushgateway; probes only Prometheus.
    let (reachable, credential) = match &cli.command {
        Command::PushRun(args) => (
            ("--pushgateway-url", args.pushgateway_url.as_str()),
            credential(
                args.pushgateway_bearer_token_file.as_deref(),
                args.pushgateway_basic_auth_file.as_deref(),
                "CHAOSPROM_PUSHGATEWAY",
            )
            .map(|c| Some((c, Vec::new()))),
        ),
        _ => (
            ("--prometheus-url", global.prometheus_url.as_str()),
            credential(
                global.prometheus_bearer_token_file.as_deref(),
                global.prometheus_basic_auth_file.as_deref(),
                "CHAOSPROM_PROMETHEUS",
            )
            .map(|c| Some((c, global.prometheus_headers.clone()))),
        ),
    };
    let credential = match credential {
        Ok(credential) => credential,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let policy = match policy(reachable, &global.allow_hosts, credential) {
        Ok(policy) => policy,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let started = Instant::now();
    let config = HostConfig {
        policy,
        ..host_config(global)
    };
    let host = match ProbeHost::new(config) {
        Ok(host) => host,
        Err(error) => return fail("host", &format!("cannot load the component: {error:#}")),
    };
    tracing::debug!(elapsed = ?started.elapsed(), "component ready");
    let endpoint = endpoint(global);
    let started = Instant::now();
    let outcome = match cli.command {
        Command::PushRun(args) => return push_run(&host, args).await,
        Command::Run(_) | Command::Validate { .. } => unreachable!("handled above"),
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

async fn run_experiment(global: &GlobalOptions, args: RunArgs) -> ExitCode {
    use chaosprometheus_host::runner::{self, Dry, NotRun, RollbackStrategy, RunOptions};
    let experiment = match runner::document::load(&args.experiment) {
        Ok(experiment) => experiment,
        Err(message) => return fail("invalid-experiment", &message),
    };
    let mut vars: serde_json::Map<String, serde_json::Value> = args.vars.into_iter().collect();
    if let Some(path) = &args.var_file {
        match runner::document::load(path) {
            Ok(file) => {
                if let Some(configuration) = file.get("configuration").and_then(|c| c.as_object()) {
                    for (key, value) in configuration {
                        vars.entry(key.clone()).or_insert_with(|| value.clone());
                    }
                }
            }
            Err(message) => return fail("invalid-var-file", &message),
        }
    }
    let options = RunOptions {
        dry: args.dry.map(|d| match d {
            DryArg::Probes => Dry::Probes,
            DryArg::Actions => Dry::Actions,
            DryArg::Activities => Dry::Activities,
            DryArg::Pause => Dry::Pause,
        }),
        rollback_strategy: match args.rollback_strategy {
            RollbackArg::Default => RollbackStrategy::Default,
            RollbackArg::Always => RollbackStrategy::Always,
            RollbackArg::Never => RollbackStrategy::Never,
            RollbackArg::Deviated => RollbackStrategy::Deviated,
        },
        vars,
        host: host_config(global),
        verbose: global.verbose,
    };
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    match runner::run(experiment, options, interrupt).await {
        Ok(report) => {
            let text = serde_json::to_string_pretty(&report.journal).unwrap_or_default();
            if let Err(error) = std::fs::write(&args.journal_path, text + "\n") {
                eprintln!(
                    "error[journal]: cannot write {}: {error}",
                    args.journal_path.display()
                );
                return ExitCode::FAILURE;
            }
            println!("Journal written to {}", args.journal_path.display());
            ExitCode::from(report.exit_code())
        }
        Err(NotRun::Invalid(problems)) => report_problems(&problems),
        Err(NotRun::Host(message)) => fail("host", &message),
    }
}

fn validate_experiment(path: &std::path::Path, vars: Vec<(String, serde_json::Value)>) -> ExitCode {
    use chaosprometheus_host::runner;
    let experiment = match runner::document::load(path) {
        Ok(experiment) => experiment,
        Err(message) => return fail("invalid-experiment", &message),
    };
    match runner::validate(&experiment, &vars.into_iter().collect()) {
        Ok(_) => {
            println!("{} is valid", path.display());
            ExitCode::SUCCESS
        }
        Err(problems) => report_problems(&problems),
    }
}

/// Each validation problem on a line of its own; the experiment ran nothing.
fn report_problems(problems: &[String]) -> ExitCode {
    for problem in problems {
        eprintln!("error[invalid-experiment]: {}", one_line(problem));
    }
    ExitCode::FAILURE
}

/// A multi-line message (a regex parse error, say) on one line.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `--var key=value` or `--var key:type=value`.
fn parse_var(text: &str) -> Result<(String, serde_json::Value), String> {
    let (name, value) = text
        .split_once('=')
        .ok_or_else(|| format!("'{text}' is not KEY=VALUE"))?;
    let (key, kind) = name.split_once(':').unwrap_or((name, "str"));
    let bad = || format!("'{value}' is not a {kind}");
    let value = match kind {
        "str" | "string" => serde_json::Value::String(value.to_string()),
        "int" | "integer" => serde_json::Value::from(value.parse::<i64>().map_err(|_| bad())?),
        "float" | "number" => serde_json::Number::from_f64(value.parse().map_err(|_| bad())?)
            .map(serde_json::Value::Number)
            .ok_or_else(bad)?,
        "bool" => serde_json::Value::Bool(!matches!(
            value.to_lowercase().as_str(),
            "false" | "0" | "no"
        )),
        "json" => serde_json::from_str(value).map_err(|_| bad())?,
        other => {
            return Err(format!(
                "unknown type '{other}' (str, int, float, bool, json)"
            ))
        }
    };
    Ok((key.to_string(), value))
}

/// Performs the before and after pushes of one run.
async fn push_run(host: &ProbeHost, args: PushRunArgs) -> ExitCode {
    let experiment = match &args.experiment {
        Some(path) => match read_experiment(path) {
            Ok(json) => Some(json),
            Err(message) => {
                eprintln!("error: {message}");
                return ExitCode::from(2);
            }
        },
        None => None,
    };
    let settings = ControlSettings {
        pushgateway_url: Some(args.pushgateway_url.clone()),
        job: Some(args.job.clone()),
        grouping_key: (!args.grouping_key.is_empty()).then(|| args.grouping_key.clone()),
        trace_id: args.trace_id.clone(),
        experiment_ref: args.experiment_ref.clone(),
        experiment,
        lib_version: Some(args.lib_version.clone()),
        keep_runs: args.keep_runs,
        ..ControlSettings::default()
    };
    let mut run = match host.start_run(&settings).await {
        Ok(run) => run,
        Err(error) => return fail(&error.kind(), &with_hint(&error)),
    };
    let identity = run.identity().clone();
    let before = run.before_experiment().await;
    let after = run
        .after_experiment(
            args.status.into(),
            args.deviated,
            args.duration.as_secs_f64(),
        )
        .await;
    println!(
        "run {} of experiment {} -> {}",
        identity.trace_id, identity.experiment_ref, identity.push_url
    );
    let mut failed = false;
    for (moment, outcome) in [("before", before), ("after", after)] {
        match outcome {
            Ok(report) => println!("  {moment}: {}", describe(&report)),
            Err(error) => {
                failed = true;
                let level = if args.strict { "error" } else { "warning" };
                eprintln!(
                    "{level}[{}]: {moment} push: {}",
                    error.kind(),
                    with_hint(&error).replace('\n', " ")
                );
            }
        }
    }
    if failed && args.strict {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn describe(report: &PushReport) -> String {
    let tries = if report.attempts == 1 {
        "1 try".to_string()
    } else {
        format!("{} tries", report.attempts)
    };
    format!("pushed {} bytes in {tries}", report.bytes)
}

/// The experiment as `chaos run` hashes it: with `"dry": null` added.
fn read_experiment(path: &std::path::Path) -> Result<String, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the experiment {}: {e}", path.display()))?;
    let mut experiment: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| format!("the experiment {} is not JSON: {e}", path.display()))?;
    let Some(object) = experiment.as_object_mut() else {
        return Err(format!(
            "the experiment {} is not a JSON object",
            path.display()
        ));
    };
    object.entry("dry").or_insert(serde_json::Value::Null);
    Ok(experiment.to_string())
}

fn parse_pair(text: &str) -> Result<(String, String), String> {
    text.split_once('=')
        .map(|(key, value)| (key.to_string(), value.to_string()))
        .ok_or_else(|| format!("'{text}' is not KEY=VALUE"))
}

/// The component and its cache as the global options say; the default
/// (empty) outbound policy.
fn host_config(global: &GlobalOptions) -> HostConfig {
    HostConfig {
        component: global
            .component
            .clone()
            .map_or(ComponentSource::Embedded, ComponentSource::File),
        cache_dir: if global.no_cache {
            None
        } else {
            cache::default_dir()
        },
        ..HostConfig::default()
    }
}

/// The credential for one endpoint from a file flag or, failing that, the
/// environment (`<PREFIX>_BEARER_TOKEN`, `<PREFIX>_BASIC_AUTH`).
fn credential(
    bearer_file: Option<&std::path::Path>,
    basic_file: Option<&std::path::Path>,
    prefix: &str,
) -> Result<Option<Credential>, String> {
    let read = |path: &std::path::Path| {
        std::fs::read_to_string(path)
            .map(|text| text.trim_end_matches(['\n', '\r']).to_string())
            .map_err(|e| format!("cannot read {}: {e}", path.display()))
    };
    if let Some(path) = bearer_file {
        return Ok(Some(Credential::Bearer(read(path)?)));
    }
    if let Some(path) = basic_file {
        return Credential::basic_from(&read(path)?)
            .map(Some)
            .map_err(|e| format!("{}: {e}", path.display()));
    }
    if let Ok(token) = std::env::var(format!("{prefix}_BEARER_TOKEN")) {
        return Ok(Some(Credential::Bearer(token)));
    }
    if let Ok(pair) = std::env::var(format!("{prefix}_BASIC_AUTH")) {
        return Credential::basic_from(&pair)
            .map(Some)
            .map_err(|e| format!("{prefix}_BASIC_AUTH: {e}"));
    }
    Ok(None)
}

fn parse_header(text: &str) -> Result<(String, String), String> {
    let (name, value) = text
        .split_once(':')
        .ok_or_else(|| format!("'{text}' is not NAME: VALUE"))?;
    Ok((name.trim().to_string(), value.trim().to_string()))
}

fn policy(
    reachable: (&str, &str),
    allow_hosts: &[String],
    injection: Option<HostAuth>,
) -> Result<OutboundPolicy, String> {
    let (flag, url) = reachable;
    let mut policy = OutboundPolicy::default();
    let authority = Authority::from_url(url).map_err(|e| format!("invalid {flag}: {e}"))?;
    policy.allow(authority.clone());
    match injection {
        Some((credential, headers)) if credential.is_some() || !headers.is_empty() => {
            policy.inject(authority, credential, headers)
        }
        _ => {}
    }
    for extra in allow_hosts {
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
    eprintln!("error[{kind}]: {}", message.replace('\n', " "));
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

//! `chaosprom run`: a Chaos Toolkit experiment file, run like `chaos run`.

use std::path::PathBuf;
use std::process::ExitCode;

use chaosprometheus_host::{junit, CallLimits, Recording};
use chaosprometheus_runner::{
    self as runner, Dry, HypothesisStrategy, Interruption, NotRun, RollbackStrategy, RunOptions,
};

use crate::bad_value::BadValue;
use crate::commands::VarArgs;
use crate::global::GlobalOptions;
use crate::output::Failure;
use crate::prometheus::QueryRetries;
use crate::query_findings;

pub const HELP: &str = "\
Runs like `chaos run`: steady-state hypothesis, method, hypothesis again,
rollbacks, with the chaosprometheus.metrics control pushing before and after.
The journal (Chaos Toolkit's format) goes to --journal-path; with --junit,
a JUnit XML report of it too, for CI test pages. The exit status
is 0 when the run completed without deviating, 1 otherwise (or when the
experiment is invalid), 2 on a usage error. Ctrl-C or SIGTERM interrupts the
run at once, cutting the current activity short: the rollbacks follow the
strategy, the journal records the interruption and the control still pushes
the result.

Safeguards: the probes of a chaosaddons.controls.safeguards control watch
the run as chaostoolkit-addons has them: pre-checks (no frequency or
background) block before the experiment, `background: true` runs once
alongside, `frequency: N` every N seconds. One whose tolerance is not met,
or that fails, interrupts the run; the journal names it under `safeguards`.

Strategies: the options below, else the experiment's `runtime` block, else
default. during-method-only and continuously run the hypothesis every
--hypothesis-frequency seconds while the method runs (each run recorded in
steady_states.during); --fail-fast fails the run at the first that is not
met.

The component may reach only the configuration's prometheus_base_url and the
control's Pushgateway. Supported: python activities of chaosprometheus.probes
(query, query_interval, query_value, compute_mean, nodes_cpu_usage_mean,
alerts, and the judgements compare_to_baseline, slo_burn_rate,
threshold_over_window, wait_until), process and http activities, the chaosprometheus.metrics control, every
tolerance type, pauses, refs, background activities, env configuration and
secrets, safeguards.

A probe whose tolerance is not met, or a judgement whose verdict is not
pass, is explained under its line: the resolved query, the window, the
series that broke it and a link to them in the Prometheus UI (in Grafana's
Explore when the configuration has grafana_url, and grafana_datasource for
its data source's uid); its journal entry keeps them under `explanation`.

Record and replay: --record DIR keeps every answer the component gets
(Prometheus's, the Pushgateway's), with the wall-clock readings and random
bytes it took, in DIR (new or empty): a manifest.json, a sandbox.json and
one answers/NNNNN.json per request, without the credentials the host adds.
--replay DIR judges the experiment again from them, sending no request, so
that tolerances can be worked on offline or a failed run looked at later;
without an experiment file it replays the recorded experiment. Relative
times (`5 minutes ago`) mean what they meant when recorded. A request the
recording does not hold fails its activity (error[not-recorded]): record
the run again. process and http activities run again for real. The journal
of a replay says so under `replayed`.

Queries: before anything runs, each probe's PromQL is parsed as `validate`
parses it; one that does not parse is a warning on stderr, and the run goes
on (Prometheus has the last word), unless --strict: then nothing runs and
the exit status is 1.

JUnit report (--junit FILE): written after every run that started, also one
that deviated, failed, was aborted or interrupted. One testsuite named for
the experiment's title; a testcase per activity run, its classname the
phase: steady-state-hypothesis.before, .during.N, .after, method,
rollbacks (actions included). A probe fails when its tolerance was not met
or it failed; the message is its output's `explain` when it has one, else
the tolerance and what the probe returned, or its exception. A last case,
experiment.status, fails when the run deviated or the steady state was not
met before the method, and is an error when the run was aborted, failed or
interrupted.";

/// Run a Chaos Toolkit experiment file (JSON or YAML): its
/// chaosprometheus probes and control through the sandboxed component,
/// its process and http activities on this machine
#[derive(clap::Args)]
pub struct RunArgs {
    /// The experiment file (JSON or YAML) [default with --replay: the
    /// recorded experiment]
    #[arg(required_unless_present = "replay")]
    experiment: Option<PathBuf>,
    /// Where to write the journal
    #[arg(long, value_name = "PATH", default_value = "journal.json")]
    journal_path: PathBuf,
    /// Also write the run as a JUnit XML report to FILE (a test case per
    /// activity run), for CI test pages
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Skip running activities: probes, actions, activities (all), or pause
    /// (run everything, skip the pauses) [default when given: activities]
    #[arg(long, value_name = "MODE", num_args = 0..=1, default_missing_value = "activities", value_enum)]
    dry: Option<DryArg>,
    /// When to play the rollbacks [default: the experiment's
    /// runtime.rollbacks.strategy, else default]
    #[arg(long, value_enum, value_name = "STRATEGY")]
    rollback_strategy: Option<RollbackArg>,
    /// When to run the steady-state hypothesis [default: the experiment's
    /// runtime.hypothesis.strategy, else default]
    #[arg(long, value_name = "STRATEGY", value_parser = parse_hypothesis_strategy)]
    hypothesis_strategy: Option<HypothesisStrategy>,
    /// Seconds between two runs of the hypothesis during the method
    /// (during-method-only and continuously)
    #[arg(long, value_name = "SECONDS", default_value_t = 1.0, value_parser = parse_frequency)]
    hypothesis_frequency: f64,
    /// With during-method-only or continuously: the first run of the
    /// hypothesis during the method that is not met fails the experiment
    #[arg(long)]
    fail_fast: bool,
    /// Keep every answer the component gets in DIR (new or empty), to
    /// replay the run later
    #[arg(long, value_name = "DIR", conflicts_with = "replay")]
    record: Option<PathBuf>,
    /// Judge the experiment again from the answers --record kept in DIR,
    /// sending no request
    #[arg(long, value_name = "DIR")]
    replay: Option<PathBuf>,
    /// A query that does not parse stops the run before anything runs
    /// (exit status 1), rather than being a warning
    #[arg(long)]
    strict: bool,
    #[command(flatten)]
    vars: VarArgs,
    #[command(flatten)]
    pub(super) retries: QueryRetries,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum DryArg {
    Probes,
    Actions,
    Activities,
    Pause,
}

/// Chaos Toolkit's strategies, with its old spelling `continously`.
fn parse_hypothesis_strategy(text: &str) -> Result<HypothesisStrategy, BadValue> {
    HypothesisStrategy::parse(text).ok_or(BadValue::HypothesisStrategy)
}

fn parse_frequency(text: &str) -> Result<f64, BadValue> {
    match text.parse::<f64>() {
        Ok(seconds) if seconds.is_finite() && seconds >= 0.0 => Ok(seconds),
        _ => Err(BadValue::Seconds),
    }
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum RollbackArg {
    Default,
    Always,
    Never,
    Deviated,
}

pub async fn run(global: &GlobalOptions, args: RunArgs) -> Result<ExitCode, Failure> {
    let replay = args
        .replay
        .as_deref()
        .map(Recording::replay)
        .transpose()
        .map_err(|e| Failure::Recording(e.to_string()))?;
    let experiment = match (&args.experiment, &replay) {
        (Some(path), _) => runner::document::load(path)
            .map_err(|e| Failure::InvalidExperiment(vec![e.to_string()]))?,
        (None, Some(recording)) => recording.manifest().experiment.clone(),
        (None, None) => return Err(Failure::Usage("give the experiment file".into())),
    };
    let record = args
        .record
        .as_deref()
        .map(|dir| {
            let by = concat!("chaosprom ", env!("CARGO_PKG_VERSION"));
            Recording::record(dir, by, experiment.clone())
        })
        .transpose()
        .map_err(|e| Failure::Recording(e.to_string()))?;
    let recording = replay.or(record);
    let vars = args.vars.load()?;
    query_findings::report(&runner::query_findings(&experiment, &vars), args.strict)?;
    let mut policy = global.transport_policy()?;
    policy.retry = args.retries.policy();
    let options = RunOptions {
        dry: args.dry.map(|d| match d {
            DryArg::Probes => Dry::Probes,
            DryArg::Actions => Dry::Actions,
            DryArg::Activities => Dry::Activities,
            DryArg::Pause => Dry::Pause,
        }),
        rollback_strategy: args.rollback_strategy.map(|strategy| match strategy {
            RollbackArg::Default => RollbackStrategy::Default,
            RollbackArg::Always => RollbackStrategy::Always,
            RollbackArg::Never => RollbackStrategy::Never,
            RollbackArg::Deviated => RollbackStrategy::Deviated,
        }),
        hypothesis_strategy: args.hypothesis_strategy,
        hypothesis_frequency: Some(args.hypothesis_frequency),
        fail_fast: args.fail_fast,
        vars,
        runtime: global.runtime()?,
        policy,
        limits: CallLimits::default(),
        verbose: global.verbose,
        recording: recording.clone(),
    };
    let interrupt = interruption();
    let report = runner::run(experiment, options, interrupt)
        .await
        .map_err(|NotRun::Invalid(problems)| Failure::InvalidExperiment(problems))?;
    if let Some(recording) = recording.as_ref().filter(|r| !r.is_replay()) {
        recording
            .finish()
            .map_err(|e| Failure::Recording(e.to_string()))?;
        println!(
            "{} answers recorded in {}",
            recording.answers(),
            recording.dir().display()
        );
    }
    let text = serde_json::to_string_pretty(&report.journal).unwrap_or_default();
    let journal = std::fs::write(&args.journal_path, text + "\n").map_err(|error| {
        Failure::Journal(format!(
            "cannot write {}: {error}",
            args.journal_path.display()
        ))
    });
    if journal.is_ok() {
        println!("Journal written to {}", args.journal_path.display());
    }
    // The report is written even when the journal could not be.
    if let Some(path) = &args.junit {
        junit::write(&report.journal, path).map_err(Failure::Junit)?;
        println!("JUnit report written to {}", path.display());
    }
    journal?;
    if let Some(recording) = recording {
        not_a_replay(&recording)?;
    }
    Ok(ExitCode::from(report.exit_code()))
}

/// A replay that asked for requests the recording does not hold judged
/// something else than the recorded run: it fails, naming them.
fn not_a_replay(recording: &Recording) -> Result<(), Failure> {
    let missing = recording.missing();
    if missing.is_empty() {
        return Ok(());
    }
    Err(Failure::Recording(format!(
        "the replay is not the recorded run: {} of its requests not in {} ({}); record the run again",
        missing.len(),
        recording.dir().display(),
        missing.join(", ")
    )))
}

/// Ctrl-C (SIGINT) or SIGTERM, whichever comes first.
async fn interruption() -> Interruption {
    use tokio::signal::unix::{signal, SignalKind};
    match signal(SignalKind::terminate()) {
        Ok(mut terminate) => tokio::select! {
            _ = tokio::signal::ctrl_c() => Interruption::signal("SIGINT"),
            _ = terminate.recv() => Interruption::signal("SIGTERM"),
        },
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
            Interruption::signal("SIGINT")
        }
    }
}

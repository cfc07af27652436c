//! `chaosprometheus._native`: the host library behind the Python module.
//! The pure-Python modules (`chaosprometheus.probes`, `.metrics`) keep
//! upstream's signatures and read the configuration and secrets; this module
//! turns them into an outbound policy and runs the component's calls.
//!
//! Every call runs on one process-wide tokio runtime with the GIL released,
//! waking every [`SIGNAL_CHECK`] to let Python run its signal handlers, so
//! Ctrl-C interrupts a probe that waits on a silent server.

mod control;
mod explain;
mod junit;
mod probes;

use std::future::Future;
use std::sync::OnceLock;
use std::time::Duration;

use pyo3::prelude::*;

use chaosprometheus_host::rules;

use chaosprometheus_host::{cache, CallError, Runtime};

/// How often a waiting call gives Python the chance to raise
/// `KeyboardInterrupt`.
const SIGNAL_CHECK: Duration = Duration::from_millis(100);

/// The engine and compiled component, shared by every policy in the
/// process; compiled once, or loaded from the same on-disk cache as the CLI's.
fn component() -> PyResult<Runtime> {
    Runtime::embedded(cache::default_dir().as_deref()).map_err(|e| {
        Python::attach(|py| failed(py, "host", &format!("cannot load the component: {e:#}")))
    })
}

fn tokio_runtime() -> PyResult<&'static tokio::runtime::Runtime> {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    if let Some(runtime) = RUNTIME.get() {
        return Ok(runtime);
    }
    // One worker drives the sockets; each calling thread runs its own call.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("chaosprometheus-io")
        .enable_all()
        .build()
        .map_err(|e| {
            Python::attach(|py| failed(py, "host", &format!("cannot start the I/O runtime: {e}")))
        })?;
    Ok(RUNTIME.get_or_init(|| runtime))
}

/// Runs `future` to completion with the GIL released. Every
/// [`SIGNAL_CHECK`] it takes the GIL back to run Python's signal handlers:
/// when one raises (Ctrl-C's `KeyboardInterrupt`), the future is dropped,
/// which ends the call and its instance, and the exception goes up.
/// In threads other than the main one Python runs no handlers, so there the
/// call ends only by itself or at its deadline.
fn block_on<F>(py: Python<'_>, future: F) -> PyResult<F::Output>
where
    F: Future + Send,
    F::Output: Send,
{
    let runtime = tokio_runtime()?;
    let mut future = std::pin::pin!(future);
    loop {
        let step = py.detach(|| {
            runtime.block_on(async { tokio::time::timeout(SIGNAL_CHECK, future.as_mut()).await })
        });
        match step {
            Ok(output) => return Ok(output),
            Err(_still_running) => py.check_signals()?,
        }
    }
}

/// `chaosprometheus.ProbeFailed(message, kind)`: chaoslib's `ActivityFailed`
/// with the kind of failure kept for programs that catch it.
fn failed(py: Python<'_>, kind: &str, message: &str) -> PyErr {
    let class = py
        .import("chaosprometheus")
        .and_then(|module| module.getattr("ProbeFailed"));
    match class.and_then(|class| class.call1((message, kind))) {
        Ok(exception) => PyErr::from_value(exception),
        Err(error) => error,
    }
}

fn call_failed(py: Python<'_>, error: &CallError) -> PyErr {
    failed(py, &error.kind(), &error.to_string())
}

fn invalid(py: Python<'_>, message: &str) -> PyErr {
    failed(py, "invalid-argument", message)
}

/// Loads the component now rather than on the first call; returns where it
/// came from: `precompiled` (the file shipped in the wheel), `cache`,
/// `compiled` or `uncached`.
#[pyfunction]
fn load_component(py: Python<'_>) -> PyResult<&'static str> {
    py.detach(component)
        .map(|runtime| runtime.origin().as_str())
}

#[pymodule]
fn _native(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add("DEFAULT_BASE_URL", rules::request::DEFAULT_BASE_URL)?;
    module.add(
        "DEFAULT_PUSHGATEWAY_URL",
        rules::control::DEFAULT_PUSHGATEWAY_URL,
    )?;
    module.add("DEFAULT_JOB", rules::control::DEFAULT_JOB)?;
    module.add_function(wrap_pyfunction!(load_component, module)?)?;
    module.add_function(wrap_pyfunction!(probes::run_probe, module)?)?;
    module.add_function(wrap_pyfunction!(explain::explain_failure, module)?)?;
    module.add_function(wrap_pyfunction!(explain::explain_unmet, module)?)?;
    module.add_function(wrap_pyfunction!(junit::write_junit, module)?)?;
    module.add_class::<control::ControlRun>()?;
    Ok(())
}

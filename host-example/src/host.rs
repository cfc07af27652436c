//! [`ProbeHost`]: the component compiled once, instantiated fresh for every
//! call under the outbound policy and the call limits.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use wasmtime::component::{Component, ResourceTable};
use wasmtime::{Config, Engine, Store, Trap};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

use crate::bindings::{
    AlertFilter, Chaosprometheus, ChaosprometheusPre, ControlSettings, Endpoint, InstantQuery,
    MeanWindow, ProbeError, RangeQuery,
};
use crate::cache;
use crate::control_run::{ControlRun, RunIdentity};
use crate::error::CallError;
use crate::limits::{CallLimits, MemoryCap};
use crate::policy::{OutboundPolicy, PolicyHooks};
use crate::recording::{RecordedRandom, RecordedWallClock, Recording};

mod judgements;
mod linker;

/// The component this host was built with.
pub const EMBEDDED_COMPONENT: &[u8] = include_bytes!(env!("CHAOSPROM_COMPONENT_PATH"));
/// The SHA-256 of [`EMBEDDED_COMPONENT`], in hex.
pub const EMBEDDED_COMPONENT_SHA256: &str = env!("CHAOSPROM_COMPONENT_SHA256");
/// The wasmtime this host runs components with (the workspace pins it;
/// a test holds this to Cargo.lock).
pub const WASMTIME_VERSION: &str = "48.0.8";

/// Which component to run.
#[derive(Debug, Clone, Default)]
pub enum ComponentSource {
    /// The one built into this host.
    #[default]
    Embedded,
    /// Another build, from a file.
    File(PathBuf),
}

/// Everything a [`ProbeHost`] needs.
#[derive(Debug, Clone, Default)]
pub struct HostConfig {
    pub component: ComponentSource,
    /// Where compiled components are cached; `None` compiles every time.
    pub cache_dir: Option<PathBuf>,
    pub policy: OutboundPolicy,
    pub limits: CallLimits,
}

/// The state of one call's store: an empty WASI context (no environment, no
/// files, no stdin, stdout discarded, stderr kept in memory for the error of
/// a trap), the HTTP context with the policy hooks, the limiter.
pub struct CallState {
    wasi: WasiCtx,
    stderr: MemoryOutputPipe,
    http: WasiHttpCtx,
    table: ResourceTable,
    pub(crate) hooks: PolicyHooks,
    memory: MemoryCap,
}

impl WasiView for CallState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for CallState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.hooks,
        }
    }
}

/// What is built once per process and shared by every policy: the engine,
/// the compiled component, the linker and the pre-instantiated component.
/// Cheap to clone; [`Runtime::host`] makes a [`ProbeHost`] for a policy.
#[derive(Clone)]
pub struct Runtime {
    shared: Arc<Shared>,
}

struct Shared {
    engine: Engine,
    component: Component,
    pre: ChaosprometheusPre<CallState>,
    origin: cache::Origin,
}

/// The engine settings every runtime uses, and [`crate::precompiled::write`]
/// compiles with (wasmtime refuses a precompiled file whose settings differ).
pub(crate) fn engine_config() -> Config {
    let mut config = Config::new();
    config.consume_fuel(true);
    // Native unwind tables serve only outside unwinders (wasmtime walks
    // wasm frames itself, for traps and backtraces): without them the
    // compiled component is 5% smaller, which is 5% less to check the
    // MAC of in each process that loads it, and nothing is registered
    // with the system unwinder at load.
    config.native_unwind_info(false);
    config
}

impl Runtime {
    /// Compiles `component` (or loads it from `cache_dir`) and links it.
    pub fn new(component: &ComponentSource, cache_dir: Option<&Path>) -> wasmtime::Result<Runtime> {
        Runtime::load(component, None, cache_dir)
    }

    /// The embedded component from the file [`crate::precompiled::write`]
    /// wrote in `precompiled_dir`, when it is there and wasmtime accepts it;
    /// otherwise as [`Runtime::new`] loads it.
    pub fn precompiled(
        precompiled_dir: &Path,
        cache_dir: Option<&Path>,
    ) -> wasmtime::Result<Runtime> {
        Runtime::load(&ComponentSource::Embedded, Some(precompiled_dir), cache_dir)
    }

    fn load(
        component: &ComponentSource,
        precompiled_dir: Option<&Path>,
        cache_dir: Option<&Path>,
    ) -> wasmtime::Result<Runtime> {
        let engine = Engine::new(&engine_config())?;
        let shipped = precompiled_dir.and_then(|dir| crate::precompiled::load(&engine, dir));
        let (component, origin) = match (shipped, component) {
            (Some(component), _) => (component, cache::Origin::Precompiled),
            (None, ComponentSource::Embedded) => cache::load_from(
                &engine,
                EMBEDDED_COMPONENT,
                EMBEDDED_COMPONENT_SHA256,
                cache_dir,
            )?,
            (None, ComponentSource::File(path)) => load_file(&engine, path, cache_dir)?,
        };
        let linker = linker::for_component(&engine, &component)?;
        let pre = ChaosprometheusPre::new(linker.instantiate_pre(&component)?)?;
        Ok(Runtime {
            shared: Arc::new(Shared {
                engine,
                component,
                pre,
                origin,
            }),
        })
    }

    /// The embedded component's runtime for this process, made on first use
    /// and shared by every later caller: from the precompiled file beside
    /// the library or program this host is linked into (a package's,
    /// [`crate::precompiled`]), else from `cache_dir`, else compiled.
    pub fn embedded(cache_dir: Option<&Path>) -> wasmtime::Result<Runtime> {
        static EMBEDDED: std::sync::OnceLock<Runtime> = std::sync::OnceLock::new();
        if let Some(runtime) = EMBEDDED.get() {
            return Ok(runtime.clone());
        }
        let beside = crate::precompiled::library_dir();
        let runtime = Runtime::load(&ComponentSource::Embedded, beside.as_deref(), cache_dir)?;
        Ok(EMBEDDED.get_or_init(|| runtime).clone())
    }

    /// Where the component came from: the precompiled file, the cache, or
    /// compiled in this process.
    pub fn origin(&self) -> cache::Origin {
        self.shared.origin
    }

    /// A host that runs this runtime's component under `policy` and `limits`.
    pub fn host(&self, policy: OutboundPolicy, limits: CallLimits) -> ProbeHost {
        ProbeHost {
            runtime: self.clone(),
            policy: Arc::new(policy),
            limits,
            recording: None,
        }
    }
}

/// Runs the component's probes under one outbound policy. Every call gets a
/// fresh store, so a trap or a timeout in one call never affects the next.
pub struct ProbeHost {
    runtime: Runtime,
    policy: Arc<OutboundPolicy>,
    limits: CallLimits,
    recording: Option<Recording>,
}

impl ProbeHost {
    /// This host, recording every answer its calls get into `recording`,
    /// or answering them from it ([`Recording::replay`]) with no
    /// connection opened. The calls' wall clock and random source are
    /// recorded and replayed too.
    pub fn with_recording(mut self, recording: Recording) -> ProbeHost {
        self.recording = Some(recording);
        self
    }

    /// The recording this host writes or replays.
    pub fn recording(&self) -> Option<&Recording> {
        self.recording.as_ref()
    }

    /// A host with a runtime of its own; [`Runtime::host`] shares one.
    pub fn new(config: HostConfig) -> wasmtime::Result<ProbeHost> {
        let runtime = Runtime::new(&config.component, config.cache_dir.as_deref())?;
        Ok(runtime.host(config.policy, config.limits))
    }

    /// The runtime this host runs on, to make hosts for other policies.
    pub fn runtime(&self) -> &Runtime {
        &self.runtime
    }

    /// Instantiates another component exactly as the probes are run (linked
    /// to what it imports, same empty WASI context, same limits) and calls its export
    /// `name: func() -> u32`. For proving what the sandbox gives a guest.
    /// A trap, a limit or the deadline ends it as it ends a probe.
    #[cfg(feature = "test-hooks")]
    pub async fn call_sandboxed_u32(
        &self,
        component: &Component,
        name: &str,
    ) -> Result<u32, CallError> {
        let mut store = self.new_store()?;
        let run = async {
            let linker = linker::for_component(self.engine(), component)?;
            let instance = linker.instantiate_async(&mut store, component).await?;
            let func = instance.get_typed_func::<(), (u32,)>(&mut store, name)?;
            let (value,) = func.call_async(&mut store, ()).await?;
            wasmtime::Result::Ok(Ok(value))
        };
        let outcome = bounded(self.limits.deadline, run).await;
        settle(outcome, &store, &self.limits).map_err(|e| redact(e, &self.policy))
    }

    pub fn engine(&self) -> &Engine {
        &self.runtime.shared.engine
    }

    pub fn policy(&self) -> &OutboundPolicy {
        &self.policy
    }

    pub fn limits(&self) -> CallLimits {
        self.limits
    }

    /// The component's imports, `wasi:http/outgoing-handler@0.2.12` and so
    /// on: its whole capability surface.
    pub fn imports(&self) -> Vec<String> {
        let ty = self.runtime.shared.component.component_type();
        let mut names: Vec<String> = ty
            .imports(&self.runtime.shared.engine)
            .map(|(name, _)| name.to_string())
            .collect();
        names.sort();
        names
    }

    /// `query`: Prometheus's JSON answer, unchanged.
    pub async fn query(
        &self,
        endpoint: &Endpoint,
        request: &InstantQuery,
    ) -> Result<String, CallError> {
        self.call(async |store, guest| {
            guest
                .chaostoolkit_prometheus_probes()
                .call_query(store, endpoint, request)
                .await
        })
        .await
    }

    /// `query-interval`: Prometheus's JSON answer, unchanged.
    pub async fn query_interval(
        &self,
        endpoint: &Endpoint,
        request: &RangeQuery,
    ) -> Result<String, CallError> {
        self.call(async |store, guest| {
            guest
                .chaostoolkit_prometheus_probes()
                .call_query_interval(store, endpoint, request)
                .await
        })
        .await
    }

    /// `query-value`: one number.
    pub async fn query_value(
        &self,
        endpoint: &Endpoint,
        request: &InstantQuery,
        default: Option<f64>,
    ) -> Result<f64, CallError> {
        self.call(async |store, guest| {
            guest
                .chaostoolkit_prometheus_probes()
                .call_query_value(store, endpoint, request, default)
                .await
        })
        .await
    }

    /// `compute-mean`.
    pub async fn compute_mean(
        &self,
        endpoint: &Endpoint,
        query: &str,
        window: &MeanWindow,
    ) -> Result<f64, CallError> {
        self.call(async |store, guest| {
            guest
                .chaostoolkit_prometheus_probes()
                .call_compute_mean(store, endpoint, query, window)
                .await
        })
        .await
    }

    /// `nodes-cpu-usage-mean`.
    pub async fn nodes_cpu_usage_mean(
        &self,
        endpoint: &Endpoint,
        window: &MeanWindow,
    ) -> Result<f64, CallError> {
        self.call(async |store, guest| {
            guest
                .chaostoolkit_prometheus_probes()
                .call_nodes_cpu_usage_mean(store, endpoint, window)
                .await
        })
        .await
    }

    /// `alerts`: the active alerts that pass `filter`, as a JSON array of
    /// Prometheus's alert objects.
    pub async fn alerts(
        &self,
        endpoint: &Endpoint,
        filter: &AlertFilter,
    ) -> Result<String, CallError> {
        self.call(async |store, guest| {
            guest
                .chaostoolkit_prometheus_probes()
                .call_alerts(store, endpoint, filter)
                .await
        })
        .await
    }

    /// Starts the control for one experiment run (upstream's
    /// `configure_control`). The run keeps its own instance until dropped;
    /// the host's policy must allow its Pushgateway.
    pub async fn start_run(&self, settings: &ControlSettings) -> Result<ControlRun, CallError> {
        let mut store = self.new_store()?;
        let limits = self.limits;
        let started = bounded(limits.deadline, async {
            let guest = self
                .runtime
                .shared
                .pre
                .instantiate_async(&mut store)
                .await?;
            let controls = guest.chaostoolkit_prometheus_controls();
            let run = match controls.run().call_configure(&mut store, settings).await? {
                Ok(run) => run,
                Err(error) => return Ok(Err(error)),
            };
            let identity = RunIdentity {
                trace_id: controls.run().call_trace_id(&mut store, run).await?,
                experiment_ref: controls.run().call_experiment_ref(&mut store, run).await?,
                grouping_key: controls.run().call_grouping_key(&mut store, run).await?,
                push_url: controls.run().call_push_url(&mut store, run).await?,
            };
            Ok(Ok((guest, run, identity)))
        })
        .await;
        let (guest, run, identity) = settle(started, &store, &limits)?;
        Ok(ControlRun {
            store,
            guest,
            run,
            identity,
            limits,
            stopped: None,
        })
    }

    fn new_store(&self) -> Result<Store<CallState>, CallError> {
        let stderr = MemoryOutputPipe::new(STDERR_BYTES);
        let mut wasi = WasiCtxBuilder::new();
        wasi.stderr(stderr.clone());
        let mut hooks = PolicyHooks::new(Arc::clone(&self.policy));
        if let Some(recording) = &self.recording {
            let store = recording.open_store();
            wasi.wall_clock(RecordedWallClock {
                recording: recording.clone(),
                store,
            });
            wasi.secure_random(RecordedRandom {
                recording: recording.clone(),
                store,
            });
            hooks.recording = Some(recording.clone());
        }
        let state = CallState {
            wasi: wasi.build(),
            stderr,
            http: WasiHttpCtx::new(),
            table: ResourceTable::new(),
            hooks,
            memory: MemoryCap::new(self.limits.memory_bytes),
        };
        let mut store = Store::new(&self.runtime.shared.engine, state);
        store.limiter(|state| &mut state.memory);
        store.set_fuel(self.limits.fuel).map_err(CallError::Host)?;
        // Yield now and then so the deadline can stop a guest stuck in a loop.
        store
            .fuel_async_yield_interval(Some(FUEL_BETWEEN_YIELDS))
            .map_err(CallError::Host)?;
        Ok(store)
    }

    /// Instantiates the component in a fresh store, runs `call` on it under
    /// the deadline, and sorts out how it ended.
    async fn call<R>(
        &self,
        call: impl AsyncFnOnce(
            &mut Store<CallState>,
            &Chaosprometheus,
        ) -> wasmtime::Result<Result<R, ProbeError>>,
    ) -> Result<R, CallError> {
        let mut store = self.new_store()?;
        let run = async {
            let guest = self
                .runtime
                .shared
                .pre
                .instantiate_async(&mut store)
                .await?;
            call(&mut store, &guest).await
        };
        let outcome = bounded(self.limits.deadline, run).await;
        settle(outcome, &store, &self.limits).map_err(|e| redact(explain(e, &store), &self.policy))
    }
}

/// Adds to a probe's transport or HTTP error what only the host saw: why
/// TLS failed and what fixes it (the guest gets an error code only), and
/// how many tries a retried read took.
pub(crate) fn explain(error: CallError, store: &Store<CallState>) -> CallError {
    let CallError::Probe(mut probe) = error else {
        return error;
    };
    let report = store
        .data()
        .hooks
        .report
        .lock()
        .expect("not poisoned")
        .clone();
    if let (Some(request), Some(recording)) = (report.not_recorded, &store.data().hooks.recording) {
        return CallError::NotRecorded {
            request,
            recording: recording.dir().to_path_buf(),
        };
    }
    if let (ProbeError::Transport(t), Some((url, why))) = (&mut probe, &report.tls_failure) {
        if t.kind == crate::bindings::TransportFailure::Tls {
            t.message = format!("TLS with {url} failed: {why}");
        }
    }
    if let ProbeError::Transport(t) = &mut probe {
        match (&report.proxy_failure, &report.proxy) {
            (Some(why), _) => t.message = format!("{}: {why}", t.message),
            (None, Some(proxy)) => t.message.push_str(&format!(" (through the proxy {proxy})")),
            (None, None) => {}
        }
    }
    if let Some((tries, spent)) = report.gave_up {
        let message = match &mut probe {
            ProbeError::Transport(t) => Some(&mut t.message),
            ProbeError::HttpStatus(h) => Some(&mut h.message),
            ProbeError::Prometheus(p) => Some(&mut p.message),
            _ => None,
        };
        if let Some(message) = message {
            let tries = if tries == 1 {
                "1 attempt (the retry budget left no room for another)".to_string()
            } else {
                format!("{tries} attempts")
            };
            message.push_str(&format!(
                " (gave up after {tries} in {:.1} s)",
                spent.as_secs_f64()
            ));
        }
    }
    CallError::Probe(probe)
}

/// Takes the host's secrets out of an error's text: a server may echo a
/// credential back in an error page, and the component cannot know it.
pub(crate) fn redact(error: CallError, policy: &OutboundPolicy) -> CallError {
    let secrets = policy.secrets();
    if secrets.is_empty() {
        return error;
    }
    let clean = |text: &mut String| {
        for secret in &secrets {
            if text.contains(secret.as_str()) {
                *text = text.replace(secret.as_str(), "<redacted>");
            }
        }
    };
    match error {
        CallError::Probe(mut probe) => {
            match &mut probe {
                ProbeError::InvalidArgument(m)
                | ProbeError::ResultShape(m)
                | ProbeError::Other(m) => clean(m),
                ProbeError::Transport(t) => clean(&mut t.message),
                ProbeError::HttpStatus(h) => {
                    clean(&mut h.body);
                    clean(&mut h.message);
                }
                ProbeError::Prometheus(p) => {
                    clean(&mut p.error);
                    clean(&mut p.message);
                }
                ProbeError::BadResponse(b) => clean(&mut b.message),
            }
            CallError::Probe(probe)
        }
        CallError::Trap(mut text) => {
            clean(&mut text);
            CallError::Trap(text)
        }
        other => other,
    }
}

/// How a bounded call ended: its value, the probe's error, or what stopped it.
pub(crate) fn settle<R>(
    outcome: Option<wasmtime::Result<Result<R, ProbeError>>>,
    store: &Store<CallState>,
    limits: &CallLimits,
) -> Result<R, CallError> {
    match outcome {
        None => Err(CallError::Deadline(limits.deadline)),
        Some(Ok(Ok(value))) => Ok(value),
        Some(Ok(Err(probe_error))) => Err(CallError::Probe(probe_error)),
        Some(Err(trap)) => Err(explain_trap(store, limits, trap)),
    }
}

fn explain_trap(
    store: &Store<CallState>,
    limits: &CallLimits,
    error: wasmtime::Error,
) -> CallError {
    if let Some(requested) = store.data().memory.refused {
        return CallError::MemoryCap {
            limit: limits.memory_bytes,
            requested,
        };
    }
    match error.downcast_ref::<Trap>() {
        Some(Trap::OutOfFuel) => CallError::CpuCap { fuel: limits.fuel },
        Some(trap) => match stderr_text(&store.data().stderr) {
            // A Rust guest prints its panic message there before it aborts.
            Some(stderr) => CallError::Trap(format!("{trap}; its stderr: {stderr}\n{error:?}")),
            None => CallError::Trap(format!("{trap}: {error:?}")),
        },
        None => CallError::Host(error),
    }
}

/// What the guest wrote to stderr, trimmed, with control characters other
/// than line breaks and tabs replaced (the text ends up on a terminal).
fn stderr_text(stderr: &MemoryOutputPipe) -> Option<String> {
    let bytes = stderr.contents();
    let text: String = String::from_utf8_lossy(&bytes)
        .trim()
        .chars()
        .map(|c| match c {
            '\n' | '\t' => c,
            c if c.is_control() => char::REPLACEMENT_CHARACTER,
            c => c,
        })
        .collect();
    (!text.is_empty()).then_some(text)
}

/// The most of a call's stderr kept: room for a panic message. Past it the
/// stream reports itself closed to the guest (a Rust guest ignores that
/// when it prints a panic).
const STDERR_BYTES: usize = 4096;

/// Fuel spent between two yields to the async runtime.
const FUEL_BETWEEN_YIELDS: u64 = 10_000_000;

pub(crate) async fn bounded<T>(
    deadline: std::time::Duration,
    future: impl Future<Output = T>,
) -> Option<T> {
    tokio::time::timeout(deadline, future).await.ok()
}

fn load_file(
    engine: &Engine,
    path: &Path,
    cache_dir: Option<&Path>,
) -> wasmtime::Result<(Component, cache::Origin)> {
    let wasm = std::fs::read(path)
        .map_err(|e| wasmtime::format_err!("cannot read the component {}: {e}", path.display()))?;
    cache::load_from(engine, &wasm, &cache::sha256_hex(&wasm), cache_dir)
}

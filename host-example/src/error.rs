//! A call's two ways to fail, kept apart all the way to the user: the probe
//! reported an error (the guest's `result`), or the host stopped the call
//! (a trap, a limit, the deadline).

use std::time::Duration;

use crate::bindings::{BadResponseKind, ProbeError, TransportFailure};

#[derive(Debug, thiserror::Error)]
pub enum CallError {
    /// The probe ran and reported an error.
    #[error("{}", .0.message())]
    Probe(ProbeError),
    /// The component tried to grow its memory past the cap and trapped.
    #[error("the component needed more than its {limit}-byte memory cap (it asked for {requested} bytes) and was stopped; narrow the query or raise the memory cap")]
    MemoryCap { limit: usize, requested: usize },
    /// The component used up its CPU budget.
    #[error("the component used up its CPU budget of {fuel} fuel units and was stopped")]
    CpuCap { fuel: u64 },
    /// The call outlived its wall-clock deadline.
    #[error("the call did not finish within its {0:?} deadline and was stopped")]
    Deadline(Duration),
    /// The component trapped for another reason (a bug in the component).
    /// The text says how, then what the component wrote to stderr, if
    /// anything (a Rust guest's panic message), then the wasm backtrace.
    #[error("the component trapped: {0}")]
    Trap(String),
    /// A control run whose instance an earlier trap or deadline stopped.
    #[error("this control run was stopped by an earlier failure ({0}); start a new run")]
    RunStopped(String),
    /// On replay: the component sent a request the recording does not hold
    /// (`GET http://...`).
    #[error("{request} is not in the recording {}: the experiment or its time window changed since it was recorded; record the run again (chaosprom run --record DIR)", recording.display())]
    NotRecorded {
        request: String,
        recording: std::path::PathBuf,
    },
    /// The host could not set up the call.
    #[error("the host could not run the component: {0:#}")]
    Host(wasmtime::Error),
}

impl CallError {
    /// A short name of the kind of failure, for the CLI and logs:
    /// `invalid-argument`, `transport/timeout`, `http-status`, `deadline`...
    pub fn kind(&self) -> String {
        match self {
            CallError::Probe(error) => error.kind(),
            CallError::MemoryCap { .. } => "memory-cap".into(),
            CallError::CpuCap { .. } => "cpu-cap".into(),
            CallError::Deadline(_) => "deadline".into(),
            CallError::Trap(_) => "trap".into(),
            CallError::RunStopped(_) => "run-stopped".into(),
            CallError::NotRecorded { .. } => "not-recorded".into(),
            CallError::Host(_) => "host".into(),
        }
    }
}

impl ProbeError {
    pub fn kind(&self) -> String {
        match self {
            ProbeError::InvalidArgument(_) => "invalid-argument".into(),
            ProbeError::Transport(t) => format!("transport/{}", transport_name(t.kind)),
            ProbeError::HttpStatus(h) => format!("http-status/{}", h.status),
            ProbeError::Prometheus(p) if p.error_type.is_empty() => "prometheus".into(),
            ProbeError::Prometheus(p) => format!("prometheus/{}", p.error_type),
            ProbeError::BadResponse(b) => format!("bad-response/{}", bad_response_name(b.kind)),
            ProbeError::ResultShape(_) => "result-shape".into(),
            ProbeError::Other(_) => "other".into(),
        }
    }

    /// The one-line message the component gave.
    pub fn message(&self) -> &str {
        match self {
            ProbeError::InvalidArgument(m) | ProbeError::ResultShape(m) | ProbeError::Other(m) => m,
            ProbeError::Transport(t) => &t.message,
            ProbeError::HttpStatus(h) => &h.message,
            ProbeError::Prometheus(p) => &p.message,
            ProbeError::BadResponse(b) => &b.message,
        }
    }
}

fn transport_name(kind: TransportFailure) -> &'static str {
    match kind {
        TransportFailure::Denied => "denied",
        TransportFailure::Dns => "dns",
        TransportFailure::ConnectionRefused => "connection-refused",
        TransportFailure::Timeout => "timeout",
        TransportFailure::Tls => "tls",
        TransportFailure::ConnectionLost => "connection-lost",
        TransportFailure::Protocol => "protocol",
        TransportFailure::Other => "other",
    }
}

fn bad_response_name(kind: BadResponseKind) -> &'static str {
    match kind {
        BadResponseKind::NotJson => "not-json",
        BadResponseKind::NotUtf8 => "not-utf8",
        BadResponseKind::TooLarge => "too-large",
        BadResponseKind::UnexpectedShape => "unexpected-shape",
    }
}

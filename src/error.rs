//! The probe error, in plain Rust so the logic that produces it has native
//! tests; `component.rs` maps it one to one onto the WIT `probe-error`.

use std::fmt;

/// Why a request got no HTTP answer (WIT `transport-failure`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportFailure {
    Denied,
    Dns,
    ConnectionRefused,
    Timeout,
    Tls,
    ConnectionLost,
    Protocol,
    Other,
}

/// How an answer that arrived could not be used (WIT `bad-response-kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadResponseKind {
    NotJson,
    NotUtf8,
    TooLarge,
    UnexpectedShape,
}

/// Every way a probe can fail (WIT `probe-error`).
#[derive(Debug, Clone, PartialEq)]
pub enum ProbeError {
    InvalidArgument(String),
    Transport {
        kind: TransportFailure,
        message: String,
    },
    HttpStatus {
        status: u16,
        body: String,
        message: String,
    },
    Prometheus {
        status: u16,
        error_type: String,
        error: String,
        message: String,
    },
    BadResponse {
        kind: BadResponseKind,
        message: String,
    },
    ResultShape(String),
    Other(String),
}

impl ProbeError {
    pub fn invalid(message: impl Into<String>) -> Self {
        ProbeError::InvalidArgument(message.into())
    }

    /// The message upstream raises for a time expression it cannot read.
    pub fn unparsable(input: &str) -> Self {
        ProbeError::InvalidArgument(format!("failed to parse '{input}'"))
    }

    pub fn transport(kind: TransportFailure, message: impl Into<String>) -> Self {
        ProbeError::Transport {
            kind,
            message: message.into(),
        }
    }

    pub fn bad_response(kind: BadResponseKind, message: impl Into<String>) -> Self {
        ProbeError::BadResponse {
            kind,
            message: message.into(),
        }
    }
}

impl fmt::Display for ProbeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProbeError::InvalidArgument(m) | ProbeError::ResultShape(m) | ProbeError::Other(m) => {
                f.write_str(m)
            }
            ProbeError::Transport { message, .. }
            | ProbeError::HttpStatus { message, .. }
            | ProbeError::Prometheus { message, .. }
            | ProbeError::BadResponse { message, .. } => f.write_str(message),
        }
    }
}

impl std::error::Error for ProbeError {}

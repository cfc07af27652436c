//! Host-side bindings of the `chaosprometheus` world. Every `wasi:*` import
//! is served by wasmtime's own implementations, so nothing is generated for
//! them here.

wasmtime::component::bindgen!({
    path: "../wit",
    world: "chaosprometheus",
    exports: { default: async },
    additional_derives: [PartialEq],
    with: {
        "wasi:io": wasmtime_wasi::p2::bindings::io,
        "wasi:clocks": wasmtime_wasi::p2::bindings::clocks,
        "wasi:http": wasmtime_wasi_http::p2::bindings::http,
    },
});

pub use chaostoolkit::prometheus::types::{
    BadResponse, BadResponseKind, Endpoint, HttpStatusError, ProbeError, PrometheusError,
    TransportError, TransportFailure,
};
pub use exports::chaostoolkit::prometheus::controls::{
    ActivityKind, ActivityOutcome, ActivityStatus, ControlSettings, PushReport, RunStatus,
};
pub use exports::chaostoolkit::prometheus::probes::{
    AlertFilter, AlertState, InstantQuery, LabelMatcher, MatchOp, MeanKind, MeanWindow, RangeQuery,
};
/// The judgements' types, by their WIT names.
pub mod judgements {
    pub use super::exports::chaostoolkit::prometheus::judgements::{
        BaselineComparison, BurnRate, BurnWindow, Comparator, Condition, Direction, NoData, Sli,
        Statistic, ThresholdWindow, WindowMode,
    };
}

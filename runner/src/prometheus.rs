//! `chaosprometheus.probes` and `chaosprometheus.metrics` as experiment
//! files name them, mapped onto the component: upstream function and
//! argument names in, the component's calls out.

/// The control's arguments are read by the host library too.
pub use chaosprometheus_host::control_args::{
    control_settings, ControlArgumentError, CONTROL_MODULE,
};
/// The probes' arguments are read by the host library, once for every
/// front end.
pub use chaosprometheus_host::probe_args::{check_signature, plan, ArgumentError};
pub use chaosprometheus_host::{ProbeCall, PROBES_MODULE};

//! `chaosprometheus.probes` and `chaosprometheus.metrics` as experiment
//! files name them, mapped onto the component: upstream function and
//! argument names in, the component's calls out.

use serde_json::{Map, Value};

/// The control's arguments are read by the host library too.
pub use chaosprometheus_host::control_args::{
    control_settings, ControlArgumentError, CONTROL_MODULE,
};
pub use chaosprometheus_host::probe_args::ArgumentError;
pub use chaosprometheus_host::{ProbeCall, PROBES_MODULE};

/// The arguments chaos run gives a Python function out of band, in place
/// of any the experiment writes (chaoslib's `validate_python_activity` and
/// `run_python_activity`): never the probe's own.
const OUT_OF_BAND: [&str; 2] = ["configuration", "secrets"];

fn own(args: &Map<String, Value>) -> Map<String, Value> {
    args.iter()
        .filter(|(name, _)| !OUT_OF_BAND.contains(&name.as_str()))
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect()
}

/// The function exists and the arguments bind, read by the host library
/// once for every front end.
pub fn check_signature(func: &str, args: &Map<String, Value>) -> Result<(), ArgumentError> {
    chaosprometheus_host::probe_args::check_signature(func, &own(args))
}

/// The component's call for the probe, from the host library.
pub fn plan(func: &str, args: &Map<String, Value>) -> Result<ProbeCall, ArgumentError> {
    chaosprometheus_host::probe_args::plan(func, &own(args))
}

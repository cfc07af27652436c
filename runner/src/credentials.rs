//! The credentials the host injects for the component, from the
//! experiment's secrets; the component never sees them.

use serde_json::{Map, Value};

use chaosprometheus_host::{Credential, HostAuth};

use crate::model::{Activity, Provider};
use crate::prometheus::PROBES_MODULE;

/// The secrets scopes these activities' Prometheus probes declare.
pub(crate) fn probe_scopes<'a>(activities: impl Iterator<Item = &'a Activity>) -> Vec<String> {
    activities
        .filter(
            |a| matches!(&a.provider, Provider::Python { module, .. } if module == PROBES_MODULE),
        )
        .flat_map(Activity::secrets)
        .collect()
}

/// `<prefix>_bearer_token`, `<prefix>_basic_auth` (`user:password`) and
/// `<prefix>_headers` (a mapping) from the secrets: what the host sends for
/// the component, which never sees them.
pub(crate) fn credentials(secrets: &Map<String, Value>, prefix: &str) -> Result<HostAuth, String> {
    let text = |key: String| {
        secrets
            .get(&key)
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let credential = Credential::from_token_or_basic(
        text(format!("{prefix}_bearer_token")),
        text(format!("{prefix}_basic_auth")).as_deref(),
    )
    .map_err(|e| format!("secret {prefix}_basic_auth: {e}"))?;
    let headers = secrets
        .get(&format!("{prefix}_headers"))
        .and_then(Value::as_object)
        .map(|map| {
            map.iter()
                .map(|(k, v)| (k.clone(), chaosprometheus::python::str_value(v)))
                .collect()
        })
        .unwrap_or_default();
    Ok((credential, headers))
}

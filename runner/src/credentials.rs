//! Which secrets scopes the experiment's Prometheus probes declare: the
//! host reads the credentials from them (`chaosprometheus_host::settings`);
//! the component never sees them.

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

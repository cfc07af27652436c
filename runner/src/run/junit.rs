//! The `chaosprometheus.junit` control under `chaosprom run`: after the run,
//! the journal's JUnit report goes to each such control's `path`, as the
//! Python package's control writes it under `chaos run` (the same writer),
//! so one experiment file gives the same report under either runner.

use serde_json::Value;

use chaosprometheus_host::junit;

use super::Runner;
use crate::validate;

impl Runner {
    /// Writes the report of the finished run's `journal` for each junit
    /// control; one that cannot be written is a warning, as a control's
    /// failure is under `chaos run`.
    pub(super) fn write_junit_reports(&self, journal: &Value) {
        let controls = validate::list(self.experiment.get("controls"))
            .filter(|control| control["provider"]["module"] == junit::CONTROL_MODULE);
        for control in controls {
            let written = junit::control_path(control["provider"].get("arguments"))
                .and_then(|path| junit::write(journal, &path).map(|()| path));
            match written {
                Ok(path) => self
                    .printer
                    .line(&format!("JUnit report written to {}", path.display())),
                Err(error) => self.warn(format!("the {} control: {error}", junit::CONTROL_MODULE)),
            }
        }
    }
}

//! `alerts`: the active alerts of the probes' Prometheus, filtered by the
//! component's own rules.

use std::sync::Arc;

use napi_derive::napi;
use serde_json::Value;

use chaosprometheus_host::rules::alerts::{AlertFilter, AlertState, LabelMatcher, MatchOp};

use crate::options::string_pairs;
use crate::probes::{parsed, PrometheusProbes};
use crate::{call_failed, invalid};

/// `alerts`' conditions; an alert must pass all of them.
#[napi(object)]
pub struct AlertOptions {
    pub alertname: Option<String>,
    /// Labels that must have exactly these values.
    #[napi(ts_type = "Record<string, string>")]
    pub labels: Option<Value>,
    /// PromQL label matchers: `severity=~"critical|page"`, `team!=db`.
    pub matchers: Option<Vec<String>>,
    /// `pending`, `firing` or `any` (default).
    #[napi(ts_type = "'pending' | 'firing' | 'any'")]
    pub state: Option<String>,
}

#[napi]
impl PrometheusProbes {
    /// The active alerts that pass every condition: Prometheus's alert
    /// objects.
    #[napi(ts_return_type = "Promise<Array<PrometheusAlert>>")]
    pub async fn alerts(&self, options: Option<AlertOptions>) -> napi::Result<Value> {
        let inner = Arc::clone(&self.inner);
        let filter = alert_filter(options)?;
        let text = inner
            .host
            .alerts(&inner.endpoint, &filter.into())
            .await
            .map_err(call_failed)?;
        parsed(&text)
    }
}

fn alert_filter(options: Option<AlertOptions>) -> napi::Result<AlertFilter> {
    let Some(options) = options else {
        return Ok(AlertFilter {
            alertname: None,
            labels: Vec::new(),
            state: None,
        });
    };
    let mut labels: Vec<LabelMatcher> = string_pairs(options.labels, "labels")?
        .into_iter()
        .map(|(name, value)| LabelMatcher {
            name,
            op: MatchOp::Equal,
            value,
        })
        .collect();
    for text in options.matchers.unwrap_or_default() {
        labels.push(LabelMatcher::parse(&text).map_err(|e| invalid(&e))?);
    }
    let state = match options.state {
        None => None,
        Some(text) => AlertState::parse(&text).map_err(|e| invalid(&e))?,
    };
    Ok(AlertFilter {
        alertname: options.alertname,
        labels,
        state,
    })
}

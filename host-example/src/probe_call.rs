//! Runs a checked [`ProbeCall`]: the one dispatch of `chaosprom run` and the
//! Python package.

use crate::probe_args::ProbeCall;
use crate::{CallError, Endpoint, ProbeHost};

/// What a probe returns: Prometheus's JSON answer as text, or one number.
#[derive(Debug, Clone, PartialEq)]
pub enum ProbeAnswer {
    Json(String),
    Number(f64),
}

impl ProbeHost {
    /// Runs `call` against `endpoint` in a fresh instance.
    pub async fn run_probe(
        &self,
        endpoint: &Endpoint,
        call: &ProbeCall,
    ) -> Result<ProbeAnswer, CallError> {
        use ProbeAnswer::{Json, Number};
        Ok(match call {
            ProbeCall::Query(q) => Json(self.query(endpoint, q).await?),
            ProbeCall::QueryInterval(q) => Json(self.query_interval(endpoint, q).await?),
            ProbeCall::QueryValue(q, default) => {
                Number(self.query_value(endpoint, q, *default).await?)
            }
            ProbeCall::ComputeMean(query, w) => {
                Number(self.compute_mean(endpoint, query, w).await?)
            }
            ProbeCall::NodesCpuUsageMean(w) => {
                Number(self.nodes_cpu_usage_mean(endpoint, w).await?)
            }
            ProbeCall::Alerts(filter) => Json(self.alerts(endpoint, filter).await?),
            ProbeCall::Judgement(call) => Json(self.judge(endpoint, call).await?),
        })
    }
}

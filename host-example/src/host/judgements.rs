//! The judgements on the host: each a call of the component, and
//! `wait_until`, which calls `check-condition` every interval until it
//! passes or the time is up (the component never sleeps, so no call
//! outlives the host's deadline however long the wait).

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::bindings::judgements::{BaselineComparison, BurnRate, Condition, ThresholdWindow};
use crate::judgement_args::{JudgementCall, Wait};
use crate::{CallError, Endpoint, ProbeError, ProbeHost};

impl ProbeHost {
    /// Runs a judgement: its JSON report.
    pub async fn judge(
        &self,
        endpoint: &Endpoint,
        call: &JudgementCall,
    ) -> Result<String, CallError> {
        match call {
            JudgementCall::CompareToBaseline(r) => self.compare_to_baseline(endpoint, r).await,
            JudgementCall::SloBurnRate(r) => self.slo_burn_rate(endpoint, r).await,
            JudgementCall::ThresholdOverWindow(r) => self.threshold_over_window(endpoint, r).await,
            JudgementCall::WaitUntil(condition, wait) => {
                self.wait_until(endpoint, condition, wait).await
            }
        }
    }

    /// `compare-to-baseline`: the report, as JSON text.
    pub async fn compare_to_baseline(
        &self,
        endpoint: &Endpoint,
        request: &BaselineComparison,
    ) -> Result<String, CallError> {
        self.call(async |store, guest| {
            guest
                .chaostoolkit_prometheus_judgements()
                .call_compare_to_baseline(store, endpoint, request)
                .await
        })
        .await
    }

    /// `slo-burn-rate`: the report, as JSON text.
    pub async fn slo_burn_rate(
        &self,
        endpoint: &Endpoint,
        request: &BurnRate,
    ) -> Result<String, CallError> {
        self.call(async |store, guest| {
            guest
                .chaostoolkit_prometheus_judgements()
                .call_slo_burn_rate(store, endpoint, request)
                .await
        })
        .await
    }

    /// `threshold-over-window`: the report, as JSON text.
    pub async fn threshold_over_window(
        &self,
        endpoint: &Endpoint,
        request: &ThresholdWindow,
    ) -> Result<String, CallError> {
        self.call(async |store, guest| {
            guest
                .chaostoolkit_prometheus_judgements()
                .call_threshold_over_window(store, endpoint, request)
                .await
        })
        .await
    }

    /// `check-condition`: one check, as JSON text.
    pub async fn check_condition(
        &self,
        endpoint: &Endpoint,
        request: &Condition,
    ) -> Result<String, CallError> {
        self.call(async |store, guest| {
            guest
                .chaostoolkit_prometheus_judgements()
                .call_check_condition(store, endpoint, request)
                .await
        })
        .await
    }

    /// Checks `condition` every `wait.interval` until it passes, or until
    /// another check would end after `wait.timeout`. The report is the last
    /// check's, with `judgement: "wait_until"`, the checks made and the
    /// seconds waited; it fails with the last value at the timeout. A check
    /// that errs is tried again (the server may be coming back), unless its
    /// arguments are wrong; if the last one erred, that error is returned.
    pub async fn wait_until(
        &self,
        endpoint: &Endpoint,
        condition: &Condition,
        wait: &Wait,
    ) -> Result<String, CallError> {
        let started = Instant::now();
        let timeout = Duration::from_secs_f64(wait.timeout.seconds);
        let interval = Duration::from_secs_f64(wait.interval.seconds);
        let mut checks = 0u32;
        loop {
            checks += 1;
            let outcome = self.check_condition(endpoint, condition).await;
            let waited = started.elapsed();
            let out_of_time = waited + interval > timeout;
            match outcome {
                Err(CallError::Probe(ProbeError::InvalidArgument(m))) => {
                    return Err(CallError::Probe(ProbeError::InvalidArgument(m)))
                }
                Err(error) if out_of_time => return Err(error),
                Err(_) => {}
                Ok(text) => {
                    let mut report: Value = serde_json::from_str(&text).map_err(|e| {
                        CallError::Trap(format!(
                            "the component wrote a report that is not JSON: {e}"
                        ))
                    })?;
                    let held = report["verdict"] == "pass";
                    if held || out_of_time {
                        return Ok(finish(&mut report, held, checks, waited, wait));
                    }
                }
            }
            tokio::time::sleep(interval).await;
        }
    }
}

fn finish(report: &mut Value, held: bool, checks: u32, waited: Duration, wait: &Wait) -> String {
    let last = report["explain"].as_str().unwrap_or_default().to_string();
    let seconds = (waited.as_secs_f64() * 10.0).round() / 10.0;
    let checked = if checks == 1 {
        "1 check".to_string()
    } else {
        format!("{checks} checks")
    };
    let explain = if held {
        format!("{last} (after {seconds} s, {checked})")
    } else {
        let last = last.strip_prefix("fail: ").unwrap_or(&last);
        format!(
            "fail: the condition did not hold within {} ({checked} over {seconds} s); the last check: {last}",
            wait.timeout.text
        )
    };
    if let Value::Object(map) = report {
        map.insert("verdict".into(), json!(if held { "pass" } else { "fail" }));
        map.insert("explain".into(), json!(explain));
        map.insert("judgement".into(), json!("wait_until"));
        map.insert("checks".into(), json!(checks));
        map.insert("waited_seconds".into(), json!(seconds));
        map.insert("timeout".into(), json!(wait.timeout.text));
        map.insert("interval".into(), json!(wait.interval.text));
    }
    report.to_string()
}

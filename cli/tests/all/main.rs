//! The `chaosprom` binary's tests, one binary: its commands against real
//! servers, `chaosprom run` on experiment files, and the same files under
//! the real `chaos run`.

mod alerts;
mod cli;
mod compatibility;
mod explanations;
mod guards;
mod jsonpath2;
mod judgements;
mod junit;
mod means;
mod options;
mod probe_arguments;
mod promql_lint;
mod push_run;
mod pushgateway_tls;
mod release;
mod replay;
mod run;
mod run_faults;
mod tls;
mod tolerances;
mod validation_parity;

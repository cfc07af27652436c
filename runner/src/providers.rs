//! The `process` and `http` providers, run by the host itself (they are
//! how an experiment injects faults between its Prometheus checks), with
//! Chaos Toolkit's argument handling and result shapes.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Map, Value};

use chaosprometheus::python::str_value;
use chaosprometheus_host::CallError;

/// How an activity did not succeed, in Chaos Toolkit's two ways.
#[derive(Debug)]
pub enum Failure {
    /// `ActivityFailed`: the activity is marked failed and the run goes on.
    Activity(ActivityError),
    /// Any other error: the run is aborted.
    Abort(String),
}

impl Failure {
    /// An `ActivityFailed` of the activity itself (not of a component call).
    pub fn activity(message: impl Into<String>) -> Failure {
        Failure::Activity(ActivityError::Activity(message.into()))
    }
}

/// Why an activity failed, its kind kept from the error's type.
#[derive(Debug, thiserror::Error)]
pub enum ActivityError {
    /// The component's call failed: a probe error, or a limit the host enforced.
    #[error(transparent)]
    Call(#[from] CallError),
    /// The activity itself failed: its arguments, a process, an HTTP call.
    #[error("{0}")]
    Activity(String),
}

impl ActivityError {
    /// `transport/timeout`, `deadline`, ... for a call; `activity` otherwise.
    pub fn kind(&self) -> String {
        match self {
            ActivityError::Call(error) => error.kind(),
            ActivityError::Activity(_) => "activity".into(),
        }
    }
}

/// `path` as the shell would find it.
pub fn find_program(path: &str) -> Option<PathBuf> {
    let expanded = match path.strip_prefix("~/") {
        Some(rest) => dirs::home_dir()?.join(rest),
        None => PathBuf::from(path),
    };
    if expanded.components().count() > 1 || expanded.is_absolute() {
        return is_executable(&expanded).then_some(expanded);
    }
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(&expanded))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Runs a `process` provider: `{status, stdout, stderr}`; a non-zero exit is
/// not a failure, running past `timeout` is.
pub async fn run_process(
    path: &str,
    arguments: &Value,
    timeout: Option<f64>,
) -> Result<Value, Failure> {
    let program = find_program(path)
        .ok_or_else(|| Failure::Abort(format!("path '{path}' cannot be found")))?;
    let mut command = match arguments {
        // A string runs through the shell, as subprocess.run(shell=True).
        Value::String(line) => {
            let mut shell = tokio::process::Command::new("/bin/sh");
            shell.arg("-c").arg(format!("{} {line}", program.display()));
            shell
        }
        other => {
            let mut direct = tokio::process::Command::new(&program);
            direct.args(argument_list(other));
            direct
        }
    };
    command
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true);
    let timeout = timeout.filter(|t| *t > 0.0);
    let run = command.output();
    let output = match timeout {
        Some(seconds) => tokio::time::timeout(Duration::from_secs_f64(seconds), run)
            .await
            .map_err(|_| Failure::activity("process activity took too long to complete"))?,
        None => run.await,
    }
    .map_err(|e| Failure::Abort(format!("cannot run {}: {e}", program.display())))?;
    // A process killed by a signal reports minus the signal, as Python does.
    let status = output.status.code().unwrap_or_else(|| {
        use std::os::unix::process::ExitStatusExt;
        -output.status.signal().unwrap_or(0)
    });
    Ok(serde_json::json!({
        "status": status,
        "stdout": String::from_utf8_lossy(&output.stdout),
        "stderr": String::from_utf8_lossy(&output.stderr),
    }))
}

/// A list as given (Python `str()` of each item, empty and null dropped), or
/// a mapping flattened to `key value` pairs.
fn argument_list(arguments: &Value) -> Vec<String> {
    let items: Vec<Value> = match arguments {
        Value::Array(items) => items.clone(),
        Value::Object(map) => map
            .iter()
            .flat_map(|(k, v)| [Value::String(k.clone()), v.clone()])
            .collect(),
        Value::Null => Vec::new(),
        other => vec![other.clone()],
    };
    items
        .iter()
        .filter(|v| !v.is_null() && v.as_str() != Some(""))
        .map(str_value)
        .collect()
}

/// Runs an `http` provider: `{status, headers, body}`; any HTTP status
/// succeeds; a connection failure or a timeout fails the activity.
pub async fn run_http(
    method: &str,
    verify_tls: bool,
    url: &str,
    headers: &Value,
    arguments: &Value,
    timeout: &Value,
) -> Result<Value, Failure> {
    let method = method.to_uppercase();
    let (connect, read) = match timeout {
        Value::Number(n) => (n.as_f64(), n.as_f64()),
        Value::Array(pair) if pair.len() == 2 => (pair[0].as_f64(), pair[1].as_f64()),
        _ => (None, None),
    };
    let headers: Vec<(String, String)> = headers
        .as_object()
        .map(|m| m.iter().map(|(k, v)| (k.clone(), str_value(v))).collect())
        .unwrap_or_default();
    let url = url.to_string();
    let arguments = arguments.clone();
    tokio::task::spawn_blocking(move || {
        send_http(
            &method, &url, &headers, &arguments, verify_tls, connect, read,
        )
    })
    .await
    .map_err(|e| Failure::Abort(format!("the HTTP request task failed: {e}")))?
}

fn send_http(
    method: &str,
    url: &str,
    headers: &[(String, String)],
    arguments: &Value,
    verify_tls: bool,
    connect: Option<f64>,
    read: Option<f64>,
) -> Result<Value, Failure> {
    let seconds = |s: Option<f64>| s.filter(|s| *s > 0.0).map(Duration::from_secs_f64);
    let mut tls = ureq::tls::TlsConfig::builder();
    if !verify_tls {
        tls = tls.disable_verification(true);
    }
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_connect(seconds(connect))
        .timeout_recv_body(seconds(read))
        .timeout_recv_response(seconds(read))
        .tls_config(tls.build())
        .build()
        .into();
    let json_body = headers
        .iter()
        .any(|(k, v)| k == "Content-Type" && v == "application/json");
    let pairs: Vec<(String, String)> = arguments
        .as_object()
        .map(|m| m.iter().map(|(k, v)| (k.clone(), str_value(v))).collect())
        .unwrap_or_default();
    let form = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&pairs)
        .finish();
    // Like requests: a GET carries the arguments in its query string; other
    // methods send them as JSON when the caller said so, else form-encoded.
    let (uri, body, content_type) = if method == "GET" {
        let uri = match (form.is_empty(), url.contains('?')) {
            (true, _) => url.to_string(),
            (false, true) => format!("{url}&{form}"),
            (false, false) => format!("{url}?{form}"),
        };
        (uri, None, None)
    } else if json_body {
        let body = serde_json::to_vec(arguments).unwrap_or_default();
        (url.to_string(), Some(body), None)
    } else {
        let content_type = Some("application/x-www-form-urlencoded");
        (url.to_string(), Some(form.into_bytes()), content_type)
    };
    let mut request = ureq::http::Request::builder()
        .method(method)
        .uri(uri.as_str());
    for (name, value) in headers {
        request = request.header(name, value);
    }
    if let Some(content_type) = content_type {
        request = request.header("Content-Type", content_type);
    }
    let invalid = |e: ureq::http::Error| Failure::Abort(format!("invalid request to {url}: {e}"));
    let result = match body {
        None => agent.run(request.body(()).map_err(invalid)?),
        Some(body) => agent.run(request.body(body).map_err(invalid)?),
    };
    let mut response = result.map_err(|error| match error {
        ureq::Error::Timeout(_) => Failure::activity("activity took too long to complete"),
        ureq::Error::BadUri(e) => Failure::Abort(format!("invalid URL '{url}': {e}")),
        other => Failure::activity(format!("failed to connect to {url}: {other}")),
    })?;
    let status = response.status().as_u16();
    let mut response_headers = Map::new();
    for (name, value) in response.headers() {
        response_headers.insert(
            name.to_string(),
            Value::String(String::from_utf8_lossy(value.as_bytes()).into_owned()),
        );
    }
    let is_json = response
        .headers()
        .get("content-type")
        .is_some_and(|v| v.as_bytes() == b"application/json");
    let text = response
        .body_mut()
        .read_to_string()
        .map_err(|e| Failure::activity(format!("failed to read the answer of {url}: {e}")))?;
    let body = if is_json {
        serde_json::from_str(&text)
            .map_err(|e| Failure::Abort(format!("{url} said JSON but sent: {e}")))?
    } else {
        Value::String(text)
    };
    Ok(serde_json::json!({"status": status, "headers": response_headers, "body": body}))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn process_arguments_like_chaos_toolkit() {
        assert_eq!(
            argument_list(&json!(["-n", 1, true, null, ""])),
            ["-n", "1", "True"]
        );
        assert_eq!(
            argument_list(&json!({"--port": 8080, "-f": null})),
            ["--port", "8080", "-f"]
        );
    }

    #[tokio::test]
    async fn process_results_and_timeouts() {
        let out = run_process("sh", &json!(["-c", "echo out; echo err >&2; exit 3"]), None)
            .await
            .unwrap();
        assert_eq!(
            out,
            json!({"status": 3, "stdout": "out\n", "stderr": "err\n"})
        );
        let Err(Failure::Activity(error)) = run_process("sleep", &json!(["5"]), Some(0.2)).await
        else {
            panic!("a process past its timeout fails the activity");
        };
        assert_eq!(
            error.to_string(),
            "process activity took too long to complete"
        );
        assert_eq!(error.kind(), "activity");
        assert!(matches!(
            run_process("no-such-program-here", &Value::Null, None).await,
            Err(Failure::Abort(_))
        ));
    }
}

//! The reference implementations the differential tests hold ours to
//! (chaoslib, jsonpath2, requests), asked in one Python process of the
//! reference virtualenv that `scripts/setup.sh` makes: JSON in on stdin,
//! JSON out.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The reference virtualenv's `python`, or a failure that names the setup
/// command.
pub fn python() -> PathBuf {
    let path = crate::chaostoolkit_venv().join("bin/python");
    assert!(
        path.is_file(),
        "the reference Python packages (chaostoolkit-lib, jsonpath2, requests) are not installed at {}. Run `scripts/setup.sh` (it installs them from PyPI into that virtualenv), then run the tests again.",
        path.display()
    );
    path
}

/// Runs `script` with `request` on its stdin, in `dir` when given; its
/// answer. A script that fails fails the test with its stderr.
pub fn ask(script: &str, request: &serde_json::Value, dir: Option<&Path>) -> serde_json::Value {
    let mut command = Command::new(python());
    command
        .arg("-c")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(dir) = dir {
        command.current_dir(dir);
    }
    let mut child = command.spawn().expect("python starts");
    let body = request.to_string();
    let mut stdin = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || stdin.write_all(body.as_bytes()));
    let output = child.wait_with_output().expect("python ends");
    writer.join().unwrap().expect("python reads its request");
    assert!(
        output.status.success(),
        "the reference oracle failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("the oracle answers JSON")
}

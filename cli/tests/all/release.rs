//! One version for everything we ship, set once (`[workspace.package]` in
//! Cargo.toml; maturin takes the wheel's from it), and `--version` naming
//! what answers for a run.

use std::path::Path;
use std::process::Command;

const VERSION: &str = env!("CARGO_PKG_VERSION");

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap()
}

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The version of `name` in Cargo.lock.
fn locked_version(name: &str) -> String {
    let lock = read("Cargo.lock");
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == format!("name = \"{name}\"") {
            let version = lines.next().unwrap();
            return version
                .trim_start_matches("version = \"")
                .trim_end_matches('"')
                .to_owned();
        }
    }
    panic!("{name} is not in Cargo.lock")
}

#[test]
fn version_names_ours_the_components_digest_and_wasmtimes() {
    let output = Command::new(env!("CARGO_BIN_EXE_chaosprom"))
        .arg("--version")
        .output()
        .unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], format!("chaosprom {VERSION}"));
    let digest = lines[1].strip_prefix("component sha256:").unwrap();
    assert_eq!(digest, chaosprometheus_host::EMBEDDED_COMPONENT_SHA256);
    assert_eq!(digest.len(), 64);
    assert!(digest.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(lines[2], format!("wasmtime {}", locked_version("wasmtime")));
}

#[test]
fn every_package_has_the_workspace_version() {
    let node: serde_json::Value =
        serde_json::from_str(&read("bindings/node/package.json")).unwrap();
    assert_eq!(node["version"], VERSION, "bindings/node/package.json");
    // Every napi target has its platform package, at the same version, and
    // the package depends on exactly that version of it.
    let targets = node["napi"]["targets"].as_array().unwrap();
    let optional = node["optionalDependencies"].as_object().unwrap();
    assert_eq!(
        optional.len(),
        targets.len(),
        "one platform package per napi target"
    );
    for (name, version) in optional {
        let dir = name.strip_prefix("chaosprometheus-").unwrap();
        let path = format!("bindings/node/npm/{dir}/package.json");
        let platform: serde_json::Value = serde_json::from_str(&read(&path)).unwrap();
        assert_eq!(platform["name"], name.as_str(), "{path}");
        assert_eq!(platform["version"], VERSION, "{path}");
        assert_eq!(version, VERSION, "optionalDependencies.{name}");
    }
    let pyproject = read("bindings/python/pyproject.toml");
    assert!(
        pyproject.contains("dynamic = [\"version\"]") && !pyproject.contains("\nversion ="),
        "the wheel's version comes from Cargo.toml"
    );
    for krate in [
        "chaosprometheus",
        "chaosprometheus-host",
        "chaosprometheus-runner",
        "chaosprometheus-cli",
        "chaosprometheus-python",
        "chaosprometheus-node",
    ] {
        assert_eq!(locked_version(krate), VERSION, "{krate}");
    }
}

#[test]
fn the_changelog_opens_with_this_version() {
    let changelog = read("CHANGELOG.md");
    let heading = changelog.lines().find(|l| l.starts_with("## ")).unwrap();
    assert!(
        heading == format!("## {VERSION}") || heading.starts_with(&format!("## {VERSION} (")),
        "{heading}"
    );
}

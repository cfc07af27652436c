//! Builds the guest component for `wasm32-wasip2` (its own target dir, the
//! `guest` profile) so the host binary can embed exactly what this checkout
//! produces.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

fn main() {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let root = manifest_dir
        .parent()
        .expect("host-example sits inside the workspace")
        .to_path_buf();
    for watched in ["src", "wit", "Cargo.toml", "Cargo.lock"] {
        println!("cargo:rerun-if-changed={}", root.join(watched).display());
    }
    println!("cargo:rerun-if-env-changed=CARGO_TARGET_DIR");

    let target_dir = match env::var_os("CARGO_TARGET_DIR").map(PathBuf::from) {
        Some(dir) if dir.is_absolute() => dir,
        Some(dir) => root.join(dir),
        None => root.join("target"),
    };
    let guest_target = target_dir.join("guest");
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let mut command = Command::new(cargo);
    command
        .current_dir(&root)
        .args([
            "build",
            "--package",
            "chaosprometheus",
            "--lib",
            "--target",
            "wasm32-wasip2",
            "--profile",
            "guest",
            "--target-dir",
        ])
        .arg(&guest_target);
    // The outer build's flags are for the host; the guest gets its own.
    for leaked in [
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTFLAGS",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET",
        "RUSTC_WORKSPACE_WRAPPER",
        "CARGO_PRIMARY_PACKAGE",
    ] {
        command.env_remove(leaked);
    }
    let status = command.status().expect("cargo runs");
    if !status.success() {
        panic!(
            "building the guest component failed (see above). If the error is about the \
             wasm32-wasip2 target, run `rustup target add wasm32-wasip2` or scripts/setup.sh."
        );
    }
    let wasm = guest_target.join("wasm32-wasip2/guest/chaosprometheus.wasm");
    let bytes = std::fs::read(&wasm).expect("the guest build wrote its component");
    println!(
        "cargo:rustc-env=CHAOSPROM_COMPONENT_PATH={}",
        display(&wasm)
    );
    println!(
        "cargo:rustc-env=CHAOSPROM_COMPONENT_SHA256={}",
        hex(&Sha256::digest(&bytes))
    );
}

fn display(path: &Path) -> String {
    path.display().to_string()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

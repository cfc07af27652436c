//! Builds the guest component for `wasm32-wasip2` (its own target dir, the
//! `guest` profile), drops its custom sections, shrinks it with `wasm-opt`
//! when binaryen is installed, and writes it to
//! `target/guest/chaosprometheus.wasm`, so the host binary embeds exactly
//! what this checkout produces.

#[path = "build/shrink.rs"]
mod shrink;

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
    println!("cargo:rerun-if-env-changed=WASM_OPT");

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
    let built = guest_target.join("wasm32-wasip2/guest/chaosprometheus.wasm");
    let built = std::fs::read(&built).expect("the guest build wrote its component");
    let component = shrink::without_custom_sections(&built).unwrap_or_else(|why| {
        println!("cargo:warning=embedding the guest component with its custom sections: {why}");
        built
    });
    let shipped = guest_target.join("chaosprometheus.wasm");
    let bytes = optimised(&component, &shipped).unwrap_or_else(|why| {
        println!(
            "cargo:warning=embedding the guest component unoptimised ({} bytes): {why}. \
             Install binaryen (scripts/setup.sh) or set WASM_OPT to its wasm-opt, then \
             `cargo clean -p chaosprometheus-host` and rebuild.",
            component.len()
        );
        component
    });
    if std::fs::read(&shipped).ok().as_deref() != Some(&bytes[..]) {
        std::fs::write(&shipped, &bytes).expect("the guest target dir is writable");
    }
    println!(
        "cargo:rustc-env=CHAOSPROM_COMPONENT_PATH={}",
        display(&shipped)
    );
    println!(
        "cargo:rustc-env=CHAOSPROM_COMPONENT_SHA256={:x}",
        Sha256::digest(&bytes)
    );
    // What src/precompiled.rs compiles the shipped component for.
    println!(
        "cargo:rustc-env=CHAOSPROM_HOST_TARGET={}",
        env::var("TARGET").expect("cargo sets TARGET")
    );
}

/// `component` shrunk by `wasm-opt` (from `WASM_OPT`, or `PATH`), reusing the
/// copy at `shipped` when its recorded key says it came from the same input.
fn optimised(component: &[u8], shipped: &Path) -> Result<Vec<u8>, shrink::ShrinkError> {
    let wasm_opt = env::var_os("WASM_OPT")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("wasm-opt"));
    let key_file = shipped.with_extension("wasm.key");
    let previous_key = std::fs::read_to_string(&key_file).ok();
    let previous_bytes = previous_key
        .as_ref()
        .and_then(|_| std::fs::read(shipped).ok());
    let previous = previous_bytes.as_deref().zip(previous_key.as_deref());
    let scratch = PathBuf::from(env::var_os("OUT_DIR").expect("set by cargo"));
    let _ = std::fs::remove_file(&key_file);
    let (bytes, key) = shrink::shrink(&wasm_opt, component, previous, &scratch)?;
    std::fs::write(&key_file, key).expect("the guest target dir is writable");
    Ok(bytes)
}

fn display(path: &Path) -> String {
    path.display().to_string()
}

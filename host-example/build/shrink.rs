//! Shrinks the guest component with binaryen's `wasm-opt` when it is
//! installed (scripts/setup.sh installs it): rustc's own size optimisation
//! leaves a sixth of the main core module that binaryen removes, which the
//! host then compiles and caches. `wasm-opt` reads core modules, not
//! components, so the main core module is taken out of the component,
//! optimised, and put back in place of the original, with the section's new
//! length; everything else in the component stays byte for byte.

use std::path::Path;
use std::process::Command;

use sha2::{Digest, Sha256};
use wasmparser::{Validator, WasmFeatures};

/// `wasm-opt`'s arguments. The features are those rustc's `wasm32-wasip2`
/// output uses (binaryen refuses a module using one it was not given) and
/// wasmtime enables by default; binaryen adds no instruction from a feature
/// the input did not already allow. `-Oz` gives the smallest result of
/// `-O3`, `-Os` and `-Oz`, which wasmtime compiles no slower than the others;
/// `--converge` saves under 0.1% more for three times the time.
const WASM_OPT_ARGS: &[&str] = &[
    "-Oz",
    "--strip-producers",
    "--enable-bulk-memory",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-nontrapping-float-to-int",
    "--enable-multivalue",
    "--enable-reference-types",
];

/// A component's section id for a custom section.
const CUSTOM_SECTION: u8 = 0;
/// A component's section id for a core module.
const CORE_MODULE_SECTION: u8 = 1;

/// The component with its main core module optimised by `wasm-opt`, reusing
/// `previous` (the last result, under the key `previous_key`) when the input
/// and the tool are unchanged; and the key of this result.
pub fn shrink(
    wasm_opt: &Path,
    component: &[u8],
    previous: Option<(&[u8], &str)>,
    scratch: &Path,
) -> Result<(Vec<u8>, String), String> {
    let version = Command::new(wasm_opt)
        .arg("--version")
        .output()
        .map_err(|error| format!("cannot run {}: {error}", wasm_opt.display()))?;
    let key = cache_key(component, &version.stdout);
    if let Some((bytes, previous_key)) = previous {
        if previous_key == key {
            return Ok((bytes.to_vec(), key));
        }
    }

    let section = main_core_module(component)?;
    let module_in = scratch.join("main-module.wasm");
    let module_out = scratch.join("main-module.opt.wasm");
    std::fs::write(&module_in, &component[section.body.clone()])
        .map_err(|error| format!("cannot write {}: {error}", module_in.display()))?;
    let run = Command::new(wasm_opt)
        .args(WASM_OPT_ARGS)
        .arg(&module_in)
        .arg("-o")
        .arg(&module_out)
        .output()
        .map_err(|error| format!("cannot run {}: {error}", wasm_opt.display()))?;
    if !run.status.success() {
        return Err(format!(
            "wasm-opt failed ({}): {}",
            run.status,
            String::from_utf8_lossy(&run.stderr).trim()
        ));
    }
    let optimised = std::fs::read(&module_out)
        .map_err(|error| format!("cannot read {}: {error}", module_out.display()))?;

    let mut shrunk = Vec::with_capacity(component.len());
    shrunk.extend_from_slice(&component[..section.start]);
    shrunk.push(CORE_MODULE_SECTION);
    write_leb128(&mut shrunk, optimised.len());
    shrunk.extend_from_slice(&optimised);
    shrunk.extend_from_slice(&component[section.body.end..]);
    validate(&shrunk).map_err(|error| format!("the optimised component is invalid: {error}"))?;
    Ok((shrunk, key))
}

/// Checks a component as wasmtime will: the component model plus the
/// WebAssembly 2.0 features its core modules may use.
pub fn validate(component: &[u8]) -> Result<(), String> {
    Validator::new_with_features(WasmFeatures::WASM2 | WasmFeatures::COMPONENT_MODEL)
        .validate_all(component)
        .map(drop)
        .map_err(|error| error.to_string())
}

/// Where a top-level section sits in a component.
struct Section {
    /// Its id byte.
    id: u8,
    /// Where its id byte is.
    start: usize,
    /// Its contents.
    body: std::ops::Range<usize>,
}

/// The component's top-level sections, in order.
fn sections(component: &[u8]) -> Result<Vec<Section>, String> {
    let mut at = 8; // magic and version/layer
    let mut found = Vec::new();
    while at < component.len() {
        let id = component[at];
        let (size, body_start) = read_leb128(component, at + 1)?;
        let body_end = body_start
            .checked_add(size)
            .filter(|&end| end <= component.len())
            .ok_or("a section runs past the end of the component")?;
        found.push(Section {
            id,
            start: at,
            body: body_start..body_end,
        });
        at = body_end;
    }
    Ok(found)
}

/// The component without its top-level custom sections: `component-name`
/// (names for debugging, a tenth of what is left after `wasm-opt`) and
/// `producers`. Nothing reads them when the component runs; wasmtime's trap
/// messages come from the core modules, whose names rustc already strips.
pub fn without_custom_sections(component: &[u8]) -> Result<Vec<u8>, String> {
    let mut kept = component[..8.min(component.len())].to_vec();
    for section in sections(component)? {
        if section.id != CUSTOM_SECTION {
            kept.extend_from_slice(&component[section.start..section.body.end]);
        }
    }
    validate(&kept)
        .map_err(|error| format!("the component without custom sections is invalid: {error}"))?;
    Ok(kept)
}

/// The largest top-level core module: Rust's code, next to the small
/// adapter modules `wasm-component-ld` adds.
fn main_core_module(component: &[u8]) -> Result<Section, String> {
    sections(component)?
        .into_iter()
        .filter(|section| section.id == CORE_MODULE_SECTION)
        .max_by_key(|section| section.body.len())
        .ok_or_else(|| "the component has no core module".to_string())
}

fn read_leb128(bytes: &[u8], mut at: usize) -> Result<(usize, usize), String> {
    let mut value = 0usize;
    for shift in (0..35).step_by(7) {
        let byte = *bytes.get(at).ok_or("a section length runs past the end")?;
        at += 1;
        value |= usize::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok((value, at));
        }
    }
    Err("a section length is longer than five bytes".to_string())
}

fn write_leb128(out: &mut Vec<u8>, mut value: usize) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn cache_key(component: &[u8], version: &[u8]) -> String {
    let mut hash = Sha256::new();
    hash.update(component);
    hash.update(version);
    for arg in WASM_OPT_ARGS {
        hash.update(arg.as_bytes());
        hash.update([0]);
    }
    super::hex(&hash.finalize())
}

//! Shrinks the guest component with binaryen's `wasm-opt` when it is
//! installed (scripts/setup.sh installs it): rustc's own size optimisation
//! leaves a sixth of the main core module that binaryen removes, which the
//! host then compiles and caches. `wasm-opt` reads core modules, not
//! components, so the main core module is taken out of the component,
//! optimised, and put back in place of the original, with the section's new
//! length; everything else in the component stays byte for byte.

use std::path::{Path, PathBuf};
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

/// Why the component could not be shrunk (the build then embeds it as it
/// was, with a warning saying this).
#[derive(Debug, thiserror::Error)]
pub enum ShrinkError {
    #[error("cannot run {}: {source}", tool.display())]
    Run {
        tool: PathBuf,
        source: std::io::Error,
    },
    #[error("wasm-opt failed ({status}): {stderr}")]
    WasmOpt {
        status: std::process::ExitStatus,
        stderr: String,
    },
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// What `stage` produced does not validate.
    #[error("the {stage} is invalid: {source}")]
    Invalid {
        stage: &'static str,
        source: wasmparser::BinaryReaderError,
    },
    #[error("a section runs past the end of the component")]
    SectionPastEnd,
    #[error("a section length runs past the end")]
    LengthPastEnd,
    #[error("a section length is longer than five bytes")]
    LengthTooLong,
    #[error("the component has no core module")]
    NoCoreModule,
}

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
) -> Result<(Vec<u8>, String), ShrinkError> {
    let cannot_run = |source| ShrinkError::Run {
        tool: wasm_opt.to_path_buf(),
        source,
    };
    let version = Command::new(wasm_opt)
        .arg("--version")
        .output()
        .map_err(cannot_run)?;
    let key = cache_key(component, &version.stdout);
    if let Some((bytes, previous_key)) = previous {
        if previous_key == key {
            return Ok((bytes.to_vec(), key));
        }
    }

    let section = main_core_module(component)?;
    let module_in = scratch.join("main-module.wasm");
    let module_out = scratch.join("main-module.opt.wasm");
    std::fs::write(&module_in, &component[section.body.clone()]).map_err(|source| {
        ShrinkError::Write {
            path: module_in.clone(),
            source,
        }
    })?;
    let run = Command::new(wasm_opt)
        .args(WASM_OPT_ARGS)
        .arg(&module_in)
        .arg("-o")
        .arg(&module_out)
        .output()
        .map_err(cannot_run)?;
    if !run.status.success() {
        return Err(ShrinkError::WasmOpt {
            status: run.status,
            stderr: String::from_utf8_lossy(&run.stderr).trim().to_string(),
        });
    }
    let optimised = std::fs::read(&module_out).map_err(|source| ShrinkError::Read {
        path: module_out.clone(),
        source,
    })?;

    let mut shrunk = Vec::with_capacity(component.len());
    shrunk.extend_from_slice(&component[..section.start]);
    shrunk.push(CORE_MODULE_SECTION);
    write_leb128(&mut shrunk, optimised.len());
    shrunk.extend_from_slice(&optimised);
    shrunk.extend_from_slice(&component[section.body.end..]);
    validate(&shrunk).map_err(|source| ShrinkError::Invalid {
        stage: "optimised component",
        source,
    })?;
    Ok((shrunk, key))
}

/// Checks a component as wasmtime will: the component model plus the
/// WebAssembly 2.0 features its core modules may use.
pub fn validate(component: &[u8]) -> Result<(), wasmparser::BinaryReaderError> {
    Validator::new_with_features(WasmFeatures::WASM2 | WasmFeatures::COMPONENT_MODEL)
        .validate_all(component)
        .map(drop)
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
fn sections(component: &[u8]) -> Result<Vec<Section>, ShrinkError> {
    let mut at = 8; // magic and version/layer
    let mut found = Vec::new();
    while at < component.len() {
        let id = component[at];
        let (size, body_start) = read_leb128(component, at + 1)?;
        let body_end = body_start
            .checked_add(size)
            .filter(|&end| end <= component.len())
            .ok_or(ShrinkError::SectionPastEnd)?;
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
pub fn without_custom_sections(component: &[u8]) -> Result<Vec<u8>, ShrinkError> {
    let mut kept = component[..8.min(component.len())].to_vec();
    for section in sections(component)? {
        if section.id != CUSTOM_SECTION {
            kept.extend_from_slice(&component[section.start..section.body.end]);
        }
    }
    validate(&kept).map_err(|source| ShrinkError::Invalid {
        stage: "component without custom sections",
        source,
    })?;
    Ok(kept)
}

/// The largest top-level core module: Rust's code, next to the small
/// adapter modules `wasm-component-ld` adds.
fn main_core_module(component: &[u8]) -> Result<Section, ShrinkError> {
    sections(component)?
        .into_iter()
        .filter(|section| section.id == CORE_MODULE_SECTION)
        .max_by_key(|section| section.body.len())
        .ok_or(ShrinkError::NoCoreModule)
}

fn read_leb128(bytes: &[u8], mut at: usize) -> Result<(usize, usize), ShrinkError> {
    let mut value = 0usize;
    for shift in (0..35).step_by(7) {
        let byte = *bytes.get(at).ok_or(ShrinkError::LengthPastEnd)?;
        at += 1;
        value |= usize::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok((value, at));
        }
    }
    Err(ShrinkError::LengthTooLong)
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
    format!("{:x}", hash.finalize())
}

//! The compiled-component cache: compiling takes ~200 ms, loading a
//! precompiled file well under 1 ms. Entries are keyed by the component's
//! hash and the engine's compatibility hash (wasmtime version and config),
//! written atomically, and checked against a checksum before loading, so a
//! damaged file is recompiled rather than trusted.

use std::fs;
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use wasmtime::component::Component;
use wasmtime::Engine;

/// Where compiled components are kept: `$CHAOSPROM_CACHE_DIR`, else the
/// user's cache directory (`~/.cache/chaosprometheus` on Linux).
pub fn default_dir() -> Option<PathBuf> {
    std::env::var_os("CHAOSPROM_CACHE_DIR")
        .map(PathBuf::from)
        .or_else(|| dirs::cache_dir().map(|dir| dir.join("chaosprometheus")))
}

/// Loads `wasm` compiled for `engine`, from `cache_dir` when it holds a good
/// entry, compiling (and storing) it otherwise.
pub fn load(
    engine: &Engine,
    wasm: &[u8],
    wasm_sha256: &str,
    cache_dir: Option<&Path>,
) -> wasmtime::Result<Component> {
    let Some(dir) = cache_dir else {
        return Component::new(engine, wasm);
    };
    let path = dir.join(entry_name(engine, wasm_sha256));
    if let Some(component) = read_entry(engine, &path) {
        return Ok(component);
    }
    let compiled = engine.precompile_component(wasm)?;
    if let Err(error) = write_entry(dir, &path, &compiled) {
        tracing::warn!(path = %path.display(), %error, "could not cache the compiled component");
    }
    // SAFETY: `compiled` was produced just now by this engine.
    unsafe { Component::deserialize(engine, &compiled) }
}

/// The SHA-256 of some bytes, in hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn entry_name(engine: &Engine, wasm_sha256: &str) -> String {
    // The std hasher with its fixed keys is stable within one build of the
    // host, which is all the compatibility hash has to distinguish.
    #[allow(deprecated)]
    let mut hasher = std::hash::SipHasher::new();
    engine.precompile_compatibility_hash().hash(&mut hasher);
    let short = wasm_sha256.get(..32).unwrap_or(wasm_sha256);
    format!("{short}-{:016x}.cwasm", hasher.finish())
}

const CHECKSUM_LEN: usize = 32;

fn read_entry(engine: &Engine, path: &Path) -> Option<Component> {
    let bytes = fs::read(path).ok()?;
    if bytes.len() < CHECKSUM_LEN {
        return None;
    }
    let (checksum, compiled) = bytes.split_at(CHECKSUM_LEN);
    if Sha256::digest(compiled).as_slice() != checksum {
        tracing::warn!(path = %path.display(), "cached component is damaged; recompiling");
        return None;
    }
    // SAFETY: the checksum proves these are the bytes this host wrote with
    // `precompile_component` for an engine with the same compatibility hash
    // (part of the file name).
    match unsafe { Component::deserialize(engine, compiled) } {
        Ok(component) => Some(component),
        Err(error) => {
            tracing::warn!(path = %path.display(), %error, "cached component rejected; recompiling");
            None
        }
    }
}

fn write_entry(dir: &Path, path: &Path, compiled: &[u8]) -> std::io::Result<()> {
    fs::create_dir_all(dir)?;
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    file.write_all(&Sha256::digest(compiled))?;
    file.write_all(compiled)?;
    file.as_file().sync_all()?;
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}

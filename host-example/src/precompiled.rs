//! The embedded component compiled ahead of time, which a package ships
//! beside its native library (the wheel's `_native` module, the npm
//! platform package's `.node`), so that the first call in a fresh process
//! maps native code instead of compiling for about a second.
//!
//! - [`write`] compiles it for this build's architecture with no CPU feature
//!   beyond the architecture's baseline (an explicit target: Cranelift then
//!   infers nothing from the build machine), so any CPU of that architecture
//!   may load it. `scripts/package.sh` runs it through the `precompile`
//!   example.
//! - [`crate::Runtime::embedded`] looks for [`file_name`] in the directory of
//!   the library or program it is linked into. The name carries the embedded
//!   component's digest, so a file left by another build is never taken for
//!   this one; wasmtime checks its own version and the engine's settings in
//!   the file and refuses one that does not match, and then the component is
//!   loaded from the cache or compiled as before ([`crate::cache`]).
//! - The file is native code loaded without validation, so it is trusted
//!   exactly as far as the library beside it: it must be a regular file
//!   owned by the directory's owner (or root) that neither group nor others
//!   may write. Otherwise it is skipped, with a warning.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use wasmtime::component::Component;
use wasmtime::Engine;

use crate::host::{engine_config, EMBEDDED_COMPONENT, EMBEDDED_COMPONENT_SHA256};

/// The target this host was built for, which the precompiled file is
/// compiled for.
const TARGET: &str = env!("CHAOSPROM_HOST_TARGET");

/// The precompiled file's name: `chaosprometheus-<digest>.cwasm`, the first
/// 32 hex digits of the embedded component's SHA-256.
pub fn file_name() -> String {
    format!("chaosprometheus-{}.cwasm", &EMBEDDED_COMPONENT_SHA256[..32])
}

/// Compiles the embedded component for any CPU of this build's architecture
/// and writes it to `dir/`[`file_name`] (mode 0644, replacing a file of that
/// name atomically); returns its path.
pub fn write(dir: &Path) -> wasmtime::Result<PathBuf> {
    let mut config = engine_config();
    config.target(TARGET)?;
    let compiled = Engine::new(&config)?.precompile_component(EMBEDDED_COMPONENT)?;
    let path = dir.join(file_name());
    let mut file = tempfile::Builder::new()
        .prefix(crate::cache::PARTIAL_PREFIX)
        .tempfile_in(dir)
        .map_err(|e| wasmtime::format_err!("cannot write in {}: {e}", dir.display()))?;
    file.write_all(&compiled)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.as_file()
            .set_permissions(fs::Permissions::from_mode(0o644))?;
    }
    file.persist(&path).map_err(|e| e.error)?;
    Ok(path)
}

/// The component from `dir/`[`file_name`], if it is there, trusted, and
/// accepted by wasmtime for `engine`; `None` otherwise.
pub(crate) fn load(engine: &Engine, dir: &Path) -> Option<Component> {
    let path = dir.join(file_name());
    match open_trusted(dir, &path) {
        // `_file` stays open until the file is mapped through its descriptor.
        Ok(Some((_file, file_path))) => {
            // SAFETY: `deserialize_file` maps these bytes as native code. The
            // file is the one packaged with the library that is running this
            // code: the same owner as its directory, writable by no one else
            // (checked above), so no one who could not also replace the
            // library can change it. wasmtime checks its version and the
            // engine's settings in the file before using it.
            match unsafe { Component::deserialize_file(engine, &file_path) } {
                Ok(component) => Some(component),
                Err(error) => {
                    tracing::warn!(path = %path.display(), %error,
                        "precompiled component refused; compiling it instead");
                    None
                }
            }
        }
        Ok(None) => None,
        Err(error) => {
            tracing::warn!(path = %path.display(), %error,
                "precompiled component not used; compiling it instead");
            None
        }
    }
}

/// `path` opened without following a symbolic link, with a path to its
/// descriptor (so what is checked is what is mapped), if it is a regular
/// file owned by `dir`'s owner or root that group and others cannot write;
/// `None` if there is no such file.
#[cfg(unix)]
fn open_trusted(dir: &Path, path: &Path) -> io::Result<Option<(fs::File, PathBuf)>> {
    use std::os::unix::fs::MetadataExt;

    let Some((file, meta)) = crate::cache::open_regular(path)? else {
        return Ok(None);
    };
    let dir_owner = fs::metadata(dir)?.uid();
    if meta.uid() != dir_owner && meta.uid() != 0 {
        return Err(io::Error::other(format!(
            "it is owned by uid {}, its directory by uid {dir_owner}",
            meta.uid()
        )));
    }
    if meta.mode() & 0o022 != 0 {
        return Err(io::Error::other(format!(
            "group or others may write it (mode {:04o})",
            meta.mode() & 0o7777
        )));
    }
    let fd_path = crate::cache::descriptor_path(&file, &meta)
        .ok_or_else(|| io::Error::other("no path to its open descriptor"))?;
    Ok(Some((file, fd_path)))
}

#[cfg(not(unix))]
fn open_trusted(_dir: &Path, _path: &Path) -> io::Result<Option<(fs::File, PathBuf)>> {
    Ok(None)
}

/// The directory of the shared library or program this code is linked into,
/// if the loader recorded an absolute path for it.
#[cfg(unix)]
pub(crate) fn library_dir() -> Option<PathBuf> {
    use std::ffi::CStr;
    use std::os::unix::ffi::OsStrExt;

    // SAFETY: `dladdr` only reads the loader's tables and fills `info`;
    // `dli_fname`, when set, is a NUL-terminated path the loader keeps for
    // as long as the object is loaded (and this code is in it).
    let name = unsafe {
        let mut info: libc::Dl_info = std::mem::zeroed();
        let address = library_dir as *const () as *const libc::c_void;
        if libc::dladdr(address, &mut info) == 0 || info.dli_fname.is_null() {
            return None;
        }
        CStr::from_ptr(info.dli_fname)
    };
    let path = Path::new(std::ffi::OsStr::from_bytes(name.to_bytes()));
    path.is_absolute()
        .then(|| path.parent().map(Path::to_path_buf))
        .flatten()
}

#[cfg(not(unix))]
pub(crate) fn library_dir() -> Option<PathBuf> {
    None
}

//! The compiled-component cache: compiling the embedded component takes about
//! a second on two cores; loading its cached entry maps the file (wasmtime
//! reads its code and data in place, no copy), after checking the entry's MAC
//! over the mapped bytes: about 0.6 ms per MB in a fresh process on two
//! cores, the largest part of a load.
//!
//! A cache entry is native code that is loaded without validation, so the
//! cache only loads what this user's own processes wrote:
//!
//! - The directory (created mode 0700) holds a `key` file: 32 random bytes
//!   from the OS, created mode 0600 and published atomically and without
//!   overwriting, so processes racing to create it all end up with the same
//!   one. Before it is used, the key file must be a regular file (not a
//!   symbolic link) owned by the effective user, with no group or other
//!   permission bits; otherwise the cache is not used at all (the component
//!   is compiled in memory, with a warning saying how to fix it: remove the
//!   directory, or fix the key file's owner and mode).
//! - An entry, `<component sha256>-<engine and format hash>.cwasm`, is
//!   `compiled || MAC`: wasmtime's artifact as it stands (so wasmtime can map
//!   the file itself; it ignores bytes past the artifact's sections), then
//!   keyed BLAKE3 over the entry's name and the compiled bytes. An entry is
//!   loaded only if it is a regular file owned by the effective user that
//!   no one else may write (it is mapped, not copied: only its owner or root
//!   could change it after the check) and its MAC verifies; otherwise
//!   (damaged, truncated, or written without the key) it is recompiled and
//!   rewritten, never loaded. Entries are written to a temporary file and
//!   renamed into place, never changed in place, so a mapped entry keeps its
//!   bytes while another process replaces or evicts it.
//! - After writing an entry, older entries are evicted, oldest (by
//!   modification time) first, so that at most [`MAX_ENTRIES`] entries and
//!   [`MAX_BYTES`] bytes remain (the new entry is always kept); temporary files
//!   left by a crashed writer are removed after an hour. The key is never
//!   evicted.
//!
//! Someone else who can write the directory can still delete entries or the
//! key (the cache is then rebuilt), but cannot get anything loaded.

use std::fs;
use std::hash::{Hash, Hasher};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use sha2::{Digest, Sha256};
use wasmtime::component::Component;
use wasmtime::Engine;

/// The most entries kept in the cache directory.
pub const MAX_ENTRIES: usize = 4;
/// The most bytes of entries kept in the cache directory (the newest entry
/// is kept even if it alone is larger).
pub const MAX_BYTES: u64 = 64 << 20;

/// The key file, in the cache directory.
const KEY_FILE: &str = "key";
const KEY_LEN: usize = blake3::KEY_LEN;
const MAC_LEN: usize = blake3::OUT_LEN;
const ENTRY_SUFFIX: &str = ".cwasm";
/// Files being written (the key, entries) before they are renamed into place.
pub(crate) const PARTIAL_PREFIX: &str = ".partial-";
/// What older hosts named their temporary files.
const LEGACY_PARTIAL_PREFIX: &str = ".tmp";
/// A temporary file older than this was left by a writer that died.
const STALE_PARTIAL: Duration = Duration::from_secs(3600);
/// Hashed before each entry's name and bytes: a MAC for this purpose only.
const MAC_CONTEXT: &[u8] = b"chaosprometheus compiled-component cache entry v2\0";
/// The layout of an entry, hashed into its name: version 1 put the MAC
/// first, so entries of that layout are never opened (eviction removes them).
const ENTRY_FORMAT: u32 = 2;

/// Where compiled components are kept: `$CHAOSPROM_CACHE_DIR`, else the
/// user's cache directory (`~/.cache/chaosprometheus` on Linux).
pub fn default_dir() -> Option<PathBuf> {
    std::env::var_os("CHAOSPROM_CACHE_DIR")
        .map(PathBuf::from)
        .or_else(|| dirs::cache_dir().map(|dir| dir.join("chaosprometheus")))
}

/// Loads `wasm` compiled for `engine`, from `cache_dir` when it holds an
/// authentic entry, compiling (and storing) it otherwise. A cache that
/// cannot be trusted or used is skipped with a warning: this fails only if
/// compiling does.
pub fn load(
    engine: &Engine,
    wasm: &[u8],
    wasm_sha256: &str,
    cache_dir: Option<&Path>,
) -> wasmtime::Result<Component> {
    load_from(engine, wasm, wasm_sha256, cache_dir).map(|(component, _)| component)
}

/// The SHA-256 of some bytes, in hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

/// Where a loaded component came from ([`crate::Runtime::origin`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The file a package ships beside its native library, compiled ahead
    /// of time ([`crate::precompiled`]).
    Precompiled,
    /// An authentic cache entry.
    Cache,
    /// Compiled, and stored in the cache when it could be.
    Compiled,
    /// Compiled without the cache: none was given, or it is not trusted.
    Uncached,
}

impl Origin {
    /// `precompiled`, `cache`, `compiled` or `uncached`: what the bindings'
    /// `load_component` returns.
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Precompiled => "precompiled",
            Origin::Cache => "cache",
            Origin::Compiled => "compiled",
            Origin::Uncached => "uncached",
        }
    }
}

pub(crate) fn load_from(
    engine: &Engine,
    wasm: &[u8],
    wasm_sha256: &str,
    cache_dir: Option<&Path>,
) -> wasmtime::Result<(Component, Origin)> {
    let Some(dir) = cache_dir else {
        return Ok((Component::new(engine, wasm)?, Origin::Uncached));
    };
    let key = match Key::open_or_create(dir) {
        Ok(key) => key,
        Err(reason) => {
            tracing::warn!(
                dir = %dir.display(),
                %reason,
                "not using the compiled-component cache (compiling in memory): to use it \
                 again, remove the directory, or make its `{KEY_FILE}` file a regular file \
                 owned by this user with mode 0600"
            );
            return Ok((Component::new(engine, wasm)?, Origin::Uncached));
        }
    };
    let name = entry_name(engine, wasm_sha256);
    let path = dir.join(&name);
    if let Some(component) = read_entry(engine, &key, &name, &path) {
        return Ok((component, Origin::Cache));
    }
    let compiled = engine.precompile_component(wasm)?;
    match write_entry(dir, &path, &key.mac(&name, &compiled), &compiled) {
        Ok(()) => evict(dir, &path, MAX_ENTRIES, MAX_BYTES),
        Err(error) => {
            tracing::warn!(path = %path.display(), %error, "could not cache the compiled component");
        }
    }
    // SAFETY: `compiled` was produced just now by `precompile_component` on
    // this engine, and has stayed in our memory since.
    let component = unsafe { Component::deserialize(engine, &compiled) }?;
    Ok((component, Origin::Compiled))
}

fn entry_name(engine: &Engine, wasm_sha256: &str) -> String {
    // The std hasher with its fixed keys is stable within one build of the
    // host, which is all the compatibility hash has to distinguish.
    #[allow(deprecated)]
    let mut hasher = std::hash::SipHasher::new();
    ENTRY_FORMAT.hash(&mut hasher);
    engine.precompile_compatibility_hash().hash(&mut hasher);
    let short = wasm_sha256.get(..32).unwrap_or(wasm_sha256);
    format!("{short}-{:016x}{ENTRY_SUFFIX}", hasher.finish())
}

/// The secret that authenticates this user's cache entries.
struct Key([u8; KEY_LEN]);

/// Why the cache must not be used: its key cannot be made, or the key
/// file there is not this user's secret alone.
#[derive(Debug, thiserror::Error)]
enum UntrustedKey {
    #[error("cannot create {}: {source}", path.display())]
    Create { path: PathBuf, source: io::Error },
    #[error("{} vanished", path.display())]
    Vanished { path: PathBuf },
    #[cfg(unix)]
    #[error("cannot open {}: {source}", path.display())]
    Open { path: PathBuf, source: io::Error },
    #[cfg(unix)]
    #[error("{} is owned by uid {owner}, not by this user (uid {euid})", path.display())]
    OtherOwner {
        path: PathBuf,
        owner: u32,
        euid: u32,
    },
    #[cfg(unix)]
    #[error("{} has mode {mode:04o}: group and others must have no access (chmod 600)", path.display())]
    SharedMode { path: PathBuf, mode: u32 },
    #[cfg(unix)]
    #[error("{} holds {len} bytes, not {}", path.display(), KEY_LEN)]
    WrongLength { path: PathBuf, len: u64 },
    #[cfg(unix)]
    #[error("cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: io::Error },
    #[cfg(not(unix))]
    #[error("the cache needs Unix file ownership and permissions")]
    NoUnixPermissions,
}

impl Key {
    /// The directory's key, created (with the directory) if missing; an
    /// error says why the cache must not be used.
    fn open_or_create(dir: &Path) -> Result<Key, UntrustedKey> {
        let path = dir.join(KEY_FILE);
        // The key is there on every load but the cache's first: the
        // directory is made only when it is not.
        if let Some(key) = read_trusted_key(&path)? {
            return Ok(key);
        }
        create_private_dir(dir).map_err(|source| UntrustedKey::Create {
            path: dir.to_path_buf(),
            source,
        })?;
        create_key(dir, &path).map_err(|source| UntrustedKey::Create {
            path: path.clone(),
            source,
        })?;
        // Read back whichever key won if other processes raced us.
        read_trusted_key(&path)?.ok_or(UntrustedKey::Vanished { path })
    }

    /// The MAC of an entry: keyed BLAKE3 over its name and compiled bytes.
    fn mac(&self, name: &str, compiled: &[u8]) -> blake3::Hash {
        let mut hasher = blake3::Hasher::new_keyed(&self.0);
        hasher
            .update(MAC_CONTEXT)
            .update(name.as_bytes())
            .update(b"\0")
            .update(compiled);
        hasher.finalize()
    }
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> io::Result<()> {
    fs::create_dir_all(dir)
}

/// The key in `path`, `None` if there is none, an error if there is one
/// that is not trusted (or cannot be read).
#[cfg(unix)]
fn read_trusted_key(path: &Path) -> Result<Option<Key>, UntrustedKey> {
    use std::os::unix::fs::MetadataExt;

    let path = || path.to_path_buf();
    let Some((mut file, meta)) = open_regular(&path()).map_err(|source| UntrustedKey::Open {
        path: path(),
        source,
    })?
    else {
        return Ok(None);
    };
    let euid = rustix::process::geteuid().as_raw();
    if meta.uid() != euid {
        return Err(UntrustedKey::OtherOwner {
            path: path(),
            owner: meta.uid(),
            euid,
        });
    }
    if meta.mode() & 0o077 != 0 {
        return Err(UntrustedKey::SharedMode {
            path: path(),
            mode: meta.mode() & 0o7777,
        });
    }
    if meta.len() != KEY_LEN as u64 {
        return Err(UntrustedKey::WrongLength {
            path: path(),
            len: meta.len(),
        });
    }
    let mut key = [0; KEY_LEN];
    file.read_exact(&mut key)
        .map_err(|source| UntrustedKey::Read {
            path: path(),
            source,
        })?;
    Ok(Some(Key(key)))
}

/// Without Unix ownership and modes, the key's secrecy cannot be checked.
#[cfg(not(unix))]
fn read_trusted_key(_path: &Path) -> Result<Option<Key>, UntrustedKey> {
    Err(UntrustedKey::NoUnixPermissions)
}

/// Opens `path` if it is a regular file, without following a symbolic link
/// or blocking on a FIFO; `None` if it does not exist. The metadata is the
/// open file's, so it describes what is read.
#[cfg(unix)]
pub(crate) fn open_regular(path: &Path) -> io::Result<Option<(fs::File, fs::Metadata)>> {
    use rustix::fs::{Mode, OFlags};
    use rustix::io::Errno;

    let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC;
    let file = match rustix::fs::open(path, flags, Mode::empty()) {
        Ok(fd) => fs::File::from(fd),
        Err(Errno::NOENT) => return Ok(None),
        Err(Errno::LOOP) => {
            return Err(io::Error::other("it is a symbolic link"));
        }
        Err(errno) => return Err(errno.into()),
    };
    let meta = file.metadata()?;
    if !meta.file_type().is_file() {
        return Err(io::Error::other("it is not a regular file"));
    }
    Ok(Some((file, meta)))
}

#[cfg(not(unix))]
pub(crate) fn open_regular(path: &Path) -> io::Result<Option<(fs::File, fs::Metadata)>> {
    match fs::File::open(path) {
        Ok(file) => {
            let meta = file.metadata()?;
            Ok(Some((file, meta)))
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// Writes a new random key to `path` unless some key is already there.
fn create_key(dir: &Path, path: &Path) -> io::Result<()> {
    let mut key = [0; KEY_LEN];
    getrandom::fill(&mut key).map_err(io::Error::other)?;
    let mut file = partial_file(dir)?;
    file.write_all(&key)?;
    file.as_file().sync_all()?;
    // Never replaces a file: a racing process's key stays, and ours goes.
    match file.persist_noclobber(path) {
        Ok(_) => Ok(()),
        Err(e) if e.error.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e.error),
    }
}

/// A temporary file in `dir` that only this user can read or write.
fn partial_file(dir: &Path) -> io::Result<tempfile::NamedTempFile> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(PARTIAL_PREFIX);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(fs::Permissions::from_mode(0o600));
    }
    builder.tempfile_in(dir)
}

/// The component in the entry at `path` if it is this user's alone and its
/// MAC verifies.
#[cfg(unix)]
fn read_entry(engine: &Engine, key: &Key, name: &str, path: &Path) -> Option<Component> {
    use std::os::unix::fs::MetadataExt;

    let (file, meta) = match open_regular(path) {
        Ok(Some(opened)) => opened,
        Ok(None) => return None,
        Err(error) => {
            tracing::warn!(path = %path.display(), %error, "cannot read the cached component; recompiling");
            return None;
        }
    };
    if meta.uid() != rustix::process::geteuid().as_raw() || meta.mode() & 0o022 != 0 {
        tracing::warn!(
            path = %path.display(),
            "cached component is not owned by this user, or others may write it; recompiling"
        );
        return None;
    }
    let mapped = match usize::try_from(meta.len()) {
        Ok(len) if len > MAC_LEN => Mapped::new(&file, len),
        _ => Err(io::Error::other("shorter than its MAC")),
    };
    let authentic = mapped.as_ref().is_ok_and(|mapped| {
        let (compiled, mac) = mapped.bytes().split_at(mapped.bytes().len() - MAC_LEN);
        let mac: [u8; MAC_LEN] = mac.try_into().expect("split MAC_LEN from the end");
        // `blake3::Hash`'s equality is constant-time.
        blake3::Hash::from_bytes(mac) == key.mac(name, compiled)
    });
    let mapped = match mapped {
        Ok(mapped) if authentic => mapped,
        _ => {
            tracing::warn!(
                path = %path.display(),
                "cached component failed authentication (damaged, or not written by this \
                 user's processes); recompiling"
            );
            return None;
        }
    };
    // SAFETY: `deserialize*` load these bytes as native code, so they must be
    // the output of `precompile_component` for a compatible engine. The MAC
    // verified above proves that these exact bytes were stored under this
    // entry name by a process holding this cache's key, and processes holding
    // the key store only the output of `precompile_component` (in `load_from`),
    // under a name that carries the compatibility hash of the engine that
    // compiled them, which is ours (wasmtime also checks its version and
    // settings in the bytes). This assumes that the key is secret: 32 random
    // bytes in a file checked above to be owned by this user with no group or
    // other access, so readable only by this user's processes and root; that
    // nothing else writes entries with it; and that keyed BLAKE3 is a secure
    // MAC. The bytes are mapped from the file, not copied, and stay the bytes
    // verified: wasmtime maps the very file checked (through its descriptor,
    // whatever `path` names by then), which only its owner, this user (checked
    // above), or root can write, and this cache never writes an entry in
    // place, only replaces it by renaming.
    let loaded = match descriptor_path(&file, &meta) {
        Some(fd_path) => unsafe { Component::deserialize_file(engine, fd_path) },
        // Without a path to the descriptor, the verified bytes are copied.
        None => unsafe { Component::deserialize(engine, mapped.compiled()) },
    };
    match loaded {
        Ok(component) => Some(component),
        Err(error) => {
            tracing::warn!(path = %path.display(), %error, "cached component rejected; recompiling");
            None
        }
    }
}

/// Entries are only read where the key can be trusted.
#[cfg(not(unix))]
fn read_entry(_engine: &Engine, _key: &Key, _name: &str, _path: &Path) -> Option<Component> {
    None
}

/// A path that opens `file` itself (`/proc/self/fd/N`), if there is one
/// that does: its device and inode are `meta`'s.
#[cfg(unix)]
pub(crate) fn descriptor_path(file: &fs::File, meta: &fs::Metadata) -> Option<PathBuf> {
    use std::os::unix::fs::MetadataExt;
    use std::os::unix::io::AsRawFd;

    let dir = if cfg!(target_os = "linux") {
        "/proc/self/fd"
    } else {
        "/dev/fd"
    };
    let path = PathBuf::from(format!("{dir}/{}", file.as_raw_fd()));
    let opened = fs::metadata(&path).ok()?;
    (opened.dev() == meta.dev() && opened.ino() == meta.ino()).then_some(path)
}

/// A file mapped read-only, unmapped when dropped.
#[cfg(unix)]
struct Mapped {
    start: std::ptr::NonNull<std::ffi::c_void>,
    len: usize,
}

#[cfg(unix)]
impl Mapped {
    /// Maps the first `len` bytes of `file` (`len` > 0).
    fn new(file: &fs::File, len: usize) -> io::Result<Mapped> {
        use rustix::mm::{mmap, MapFlags, ProtFlags};
        // SAFETY: a new mapping at an address the kernel picks, so no
        // existing memory is affected.
        let start = unsafe {
            mmap(
                std::ptr::null_mut(),
                len,
                ProtFlags::READ,
                MapFlags::PRIVATE,
                file,
                0,
            )
        }?;
        let start =
            std::ptr::NonNull::new(start).ok_or_else(|| io::Error::other("null mapping"))?;
        Ok(Mapped { start, len })
    }

    fn bytes(&self) -> &[u8] {
        // SAFETY: `len` readable bytes are mapped at `start` until `self` is
        // dropped. They are the file's: only its owner or root could change
        // or truncate it meanwhile, and `read_entry` maps only files of this
        // user's, whose processes never write an entry in place.
        unsafe { std::slice::from_raw_parts(self.start.as_ptr().cast::<u8>(), self.len) }
    }

    /// The entry's bytes without its MAC.
    fn compiled(&self) -> &[u8] {
        &self.bytes()[..self.len - MAC_LEN]
    }
}

#[cfg(unix)]
impl Drop for Mapped {
    fn drop(&mut self) {
        // SAFETY: mapped in `new`, and no slice of it outlives `self`.
        if let Err(error) = unsafe { rustix::mm::munmap(self.start.as_ptr(), self.len) } {
            tracing::debug!(%error, "could not unmap a cache entry");
        }
    }
}

fn write_entry(dir: &Path, path: &Path, mac: &blake3::Hash, compiled: &[u8]) -> io::Result<()> {
    let mut file = partial_file(dir)?;
    file.write_all(compiled)?;
    file.write_all(mac.as_bytes())?;
    file.as_file().sync_all()?;
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Removes entries other than `keep`, oldest first, until at most
/// `max_entries` entries and `max_bytes` bytes remain (counting `keep`), and
/// temporary files left by writers that died. Only regular files named
/// `*.cwasm` are entries: never the key.
fn evict(dir: &Path, keep: &Path, max_entries: usize, max_bytes: u64) {
    let Ok(listing) = fs::read_dir(dir) else {
        return;
    };
    let now = SystemTime::now();
    let mut entries = Vec::new();
    for item in listing.flatten() {
        // Not following symbolic links.
        let Ok(meta) = item.metadata() else {
            continue;
        };
        if !meta.is_file() {
            continue;
        }
        let file_name = item.file_name();
        let Some(name) = file_name.to_str() else {
            continue;
        };
        let modified = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
        let path = item.path();
        if name.starts_with(PARTIAL_PREFIX) || name.starts_with(LEGACY_PARTIAL_PREFIX) {
            if now.duration_since(modified).unwrap_or_default() > STALE_PARTIAL {
                remove(&path, "stale temporary file");
            }
        } else if name.ends_with(ENTRY_SUFFIX) && name != KEY_FILE && path != keep {
            entries.push((modified, name.to_owned(), meta.len(), path));
        }
    }
    // Newest first; the name breaks ties so that racing evictors agree.
    entries.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| b.1.cmp(&a.1)));
    let mut count = 1;
    let mut bytes = fs::metadata(keep).map(|meta| meta.len()).unwrap_or(0);
    for (_, _, len, path) in entries {
        count += 1;
        bytes = bytes.saturating_add(len);
        if count > max_entries || bytes > max_bytes {
            remove(&path, "evicted cache entry");
        }
    }
}

fn remove(path: &Path, what: &str) {
    match fs::remove_file(path) {
        Ok(()) => tracing::debug!(path = %path.display(), "removed {what}"),
        // Another process got there first.
        Err(error) if error.kind() == io::ErrorKind::NotFound => {}
        Err(error) => tracing::warn!(path = %path.display(), %error, "could not remove {what}"),
    }
}

#[cfg(all(test, unix))]
mod tests;

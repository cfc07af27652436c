//! The cache against tampering, damage, races and its bounds, with a real
//! engine and the smallest component.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::sync::Barrier;

use wasmtime::Config;

use super::*;

/// The empty component: just the preamble.
const EMPTY_COMPONENT: &[u8] = b"\0asm\x0d\0\x01\0";
const WASM_SHA256: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

fn engine() -> Engine {
    let mut config = Config::new();
    config.consume_fuel(true);
    Engine::new(&config).unwrap()
}

fn load_empty(engine: &Engine, dir: &Path) -> Origin {
    load_named(engine, dir, WASM_SHA256)
}

fn load_named(engine: &Engine, dir: &Path, wasm_sha256: &str) -> Origin {
    load_from(engine, EMPTY_COMPONENT, wasm_sha256, Some(dir))
        .unwrap()
        .1
}

fn entries(dir: &Path) -> Vec<PathBuf> {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|item| item.unwrap().path())
        .filter(|path| path.to_str().unwrap().ends_with(ENTRY_SUFFIX))
        .collect();
    entries.sort();
    entries
}

fn only_entry(dir: &Path) -> PathBuf {
    let entries = entries(dir);
    assert_eq!(entries.len(), 1, "{entries:?}");
    entries.into_iter().next().unwrap()
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|item| item.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

fn mode(path: &Path) -> u32 {
    fs::metadata(path).unwrap().mode() & 0o7777
}

#[test]
fn the_empty_component_compiles() {
    Component::new(&engine(), EMPTY_COMPONENT).unwrap();
    assert_eq!(
        load_from(&engine(), EMPTY_COMPONENT, WASM_SHA256, None)
            .unwrap()
            .1,
        Origin::Uncached
    );
}

#[test]
fn a_second_load_reads_the_entry() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("cache");
    let engine = engine();
    assert_eq!(load_empty(&engine, &dir), Origin::Compiled);
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&dir.join(KEY_FILE)), 0o600);
    let entry = only_entry(&dir);
    assert_eq!(mode(&entry), 0o600);
    let before = fs::metadata(&entry).unwrap();

    assert_eq!(load_empty(&engine, &dir), Origin::Cache);
    let after = fs::metadata(&entry).unwrap();
    assert_eq!(before.ino(), after.ino());
    assert_eq!(before.modified().unwrap(), after.modified().unwrap());
    assert_eq!(names(&dir), expected_names(&entry));
}

/// The key and one entry.
fn expected_names(entry: &Path) -> Vec<String> {
    let mut names = vec![
        KEY_FILE.to_owned(),
        entry.file_name().unwrap().to_str().unwrap().to_owned(),
    ];
    names.sort();
    names
}

/// Replaces the entry with `tamper(entry)`, checks that the next load
/// recompiles it (and rewrites it) and the one after reads it.
fn assert_recompiled(tamper: impl FnOnce(Vec<u8>) -> Vec<u8>) {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    let engine = engine();
    assert_eq!(load_empty(&engine, dir), Origin::Compiled);
    let entry = only_entry(dir);
    let good = fs::read(&entry).unwrap();
    let bad = tamper(good.clone());
    assert_ne!(bad, good);
    fs::write(&entry, &bad).unwrap();

    assert_eq!(load_empty(&engine, dir), Origin::Compiled);
    assert_eq!(fs::read(&entry).unwrap(), good);
    assert_eq!(load_empty(&engine, dir), Origin::Cache);
}

/// An entry's compiled bytes and its MAC.
fn split_entry(bytes: &[u8]) -> (&[u8], &[u8]) {
    bytes.split_at(bytes.len() - MAC_LEN)
}

#[test]
fn an_entry_macd_with_another_key_is_recompiled() {
    let name = entry_name(&engine(), WASM_SHA256);
    let other = Key([7; KEY_LEN]);
    assert_recompiled(|bytes| {
        let mut compiled = split_entry(&bytes).0.to_vec();
        let last = compiled.len() - 1;
        compiled[last] ^= 0x55;
        let mac = other.mac(&name, &compiled);
        compiled.extend_from_slice(mac.as_bytes());
        compiled
    });
    // Even the right bytes MAC'd with another key.
    assert_recompiled(|bytes| {
        let mut compiled = split_entry(&bytes).0.to_vec();
        let mac = other.mac(&name, &compiled);
        compiled.extend_from_slice(mac.as_bytes());
        compiled
    });
}

#[test]
fn a_damaged_entry_is_recompiled() {
    // A flipped bit in the compiled bytes (first, inside, last) and in the
    // MAC (first, last).
    for at in [
        |_: usize| 0,
        |_| 17,
        |len| len - MAC_LEN - 1,
        |len| len - MAC_LEN,
        |len| len - 1,
    ] {
        assert_recompiled(|mut bytes| {
            let at = at(bytes.len());
            bytes[at] ^= 1;
            bytes
        });
    }
}

#[test]
fn a_truncated_or_extended_entry_is_recompiled() {
    // Cut inside the MAC, just before it, in the middle, to a MAC's length,
    // to less, to nothing.
    for keep in [
        |len: usize| len - 1,
        |len: usize| len - MAC_LEN,
        |len: usize| len / 2,
        |_| MAC_LEN,
        |_| MAC_LEN - 1,
        |_| 0,
    ] {
        assert_recompiled(|mut bytes| {
            bytes.truncate(keep(bytes.len()));
            bytes
        });
    }
    // Bytes appended after the MAC.
    assert_recompiled(|mut bytes| {
        bytes.push(0);
        bytes
    });
}

#[test]
fn an_entry_with_its_mac_in_front_is_recompiled() {
    // The layout of format 1, with the right key and name: the MAC must be
    // at the end.
    let name = entry_name(&engine(), WASM_SHA256);
    let temp = tempfile::tempdir().unwrap();
    load_empty(&engine(), temp.path());
    let key = Key::open_or_create(temp.path()).unwrap();
    assert_recompiled(|bytes| {
        let compiled = split_entry(&bytes).0;
        let mut moved = key.mac(&name, compiled).as_bytes().to_vec();
        moved.extend_from_slice(compiled);
        moved
    });
}

#[test]
fn an_entry_under_another_name_is_recompiled() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    let engine = engine();
    assert_eq!(load_empty(&engine, dir), Origin::Compiled);
    let other = dir.join(entry_name(&engine, &WASM_SHA256.replace('0', "f")));
    fs::copy(only_entry(dir), &other).unwrap();
    let copied = fs::metadata(&other).unwrap();
    assert_eq!(
        load_named(&engine, dir, &WASM_SHA256.replace('0', "f")),
        Origin::Compiled
    );
    assert_ne!(fs::metadata(&other).unwrap().ino(), copied.ino());
}

/// Loads with a key that is not trusted: compiled in memory, nothing
/// written, the existing entry untouched.
fn assert_cache_disabled(dir: &Path) {
    let engine = engine();
    let before = names(dir);
    let entry = entries(dir)
        .pop()
        .map(|entry| fs::metadata(entry).unwrap().ino());
    assert_eq!(load_empty(&engine, dir), Origin::Uncached);
    assert_eq!(load_named(&engine, dir, &"e".repeat(64)), Origin::Uncached);
    assert_eq!(names(dir), before);
    assert_eq!(
        entries(dir)
            .pop()
            .map(|entry| fs::metadata(entry).unwrap().ino()),
        entry
    );
}

#[test]
fn a_key_others_can_read_disables_the_cache() {
    for bad_mode in [0o644, 0o640, 0o604, 0o660, 0o602] {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path();
        assert_eq!(load_empty(&engine(), dir), Origin::Compiled);
        let key = dir.join(KEY_FILE);
        fs::set_permissions(&key, fs::Permissions::from_mode(bad_mode)).unwrap();
        assert_cache_disabled(dir);
        let reason = Key::open_or_create(dir).err().unwrap();
        assert!(
            matches!(reason, UntrustedKey::SharedMode { mode, .. } if mode == bad_mode),
            "{reason:?}"
        );
        assert!(reason.to_string().contains("chmod 600"), "{reason}");

        fs::set_permissions(&key, fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(load_empty(&engine(), dir), Origin::Cache);
    }
}

#[test]
fn a_key_owned_by_someone_else_disables_the_cache() {
    assert_eq!(
        rustix::process::geteuid().as_raw(),
        0,
        "this test gives the key file another owner, which needs root: run the tests as root (CI does)"
    );
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    assert_eq!(load_empty(&engine(), dir), Origin::Compiled);
    std::os::unix::fs::chown(dir.join(KEY_FILE), Some(12345), None).unwrap();
    assert_cache_disabled(dir);
    let reason = Key::open_or_create(dir).err().unwrap();
    assert!(
        matches!(reason, UntrustedKey::OtherOwner { owner: 12345, .. }),
        "{reason:?}"
    );
    assert!(
        reason.to_string().contains("owned by uid 12345"),
        "{reason}"
    );
}

#[test]
fn a_key_that_is_not_a_plain_key_file_disables_the_cache() {
    // A symbolic link to a good key.
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("cache");
    assert_eq!(load_empty(&engine(), &dir), Origin::Compiled);
    fs::rename(dir.join(KEY_FILE), temp.path().join("real-key")).unwrap();
    std::os::unix::fs::symlink(temp.path().join("real-key"), dir.join(KEY_FILE)).unwrap();
    assert_cache_disabled(&dir);

    // A directory.
    let temp = tempfile::tempdir().unwrap();
    fs::create_dir(temp.path().join(KEY_FILE)).unwrap();
    assert_cache_disabled(temp.path());

    // A FIFO: refused without blocking.
    let temp = tempfile::tempdir().unwrap();
    rustix::fs::mknodat(
        rustix::fs::CWD,
        temp.path().join(KEY_FILE),
        rustix::fs::FileType::Fifo,
        rustix::fs::Mode::from_raw_mode(0o600),
        0,
    )
    .unwrap();
    assert_cache_disabled(temp.path());

    // The wrong length.
    let temp = tempfile::tempdir().unwrap();
    let key = temp.path().join(KEY_FILE);
    fs::write(&key, [1; KEY_LEN - 1]).unwrap();
    fs::set_permissions(&key, fs::Permissions::from_mode(0o600)).unwrap();
    assert_cache_disabled(temp.path());
}

#[test]
fn an_entry_that_is_a_symlink_or_fifo_is_replaced() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("cache");
    let engine = engine();
    assert_eq!(load_empty(&engine, &dir), Origin::Compiled);
    let entry = only_entry(&dir);
    fs::rename(&entry, temp.path().join("real-entry")).unwrap();
    std::os::unix::fs::symlink(temp.path().join("real-entry"), &entry).unwrap();
    assert_eq!(load_empty(&engine, &dir), Origin::Compiled);
    assert!(fs::symlink_metadata(&entry).unwrap().is_file());

    fs::remove_file(&entry).unwrap();
    rustix::fs::mknodat(
        rustix::fs::CWD,
        &entry,
        rustix::fs::FileType::Fifo,
        rustix::fs::Mode::from_raw_mode(0o600),
        0,
    )
    .unwrap();
    assert_eq!(load_empty(&engine, &dir), Origin::Compiled);
    assert_eq!(load_empty(&engine, &dir), Origin::Cache);
}

#[test]
fn an_entry_others_may_write_is_recompiled() {
    for bad_mode in [0o620, 0o602, 0o622, 0o666] {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path();
        let engine = engine();
        assert_eq!(load_empty(&engine, dir), Origin::Compiled);
        let entry = only_entry(dir);
        fs::set_permissions(&entry, fs::Permissions::from_mode(bad_mode)).unwrap();
        assert_eq!(load_empty(&engine, dir), Origin::Compiled);
        assert_eq!(mode(&entry), 0o600);
        assert_eq!(load_empty(&engine, dir), Origin::Cache);
    }
}

#[test]
fn an_entry_owned_by_someone_else_is_recompiled() {
    assert_eq!(
        rustix::process::geteuid().as_raw(),
        0,
        "this test gives an entry another owner, which needs root: run the tests as root (CI does)"
    );
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    let engine = engine();
    assert_eq!(load_empty(&engine, dir), Origin::Compiled);
    let entry = only_entry(dir);
    std::os::unix::fs::chown(&entry, Some(12345), None).unwrap();
    assert_eq!(load_empty(&engine, dir), Origin::Compiled);
    assert_eq!(fs::metadata(&entry).unwrap().uid(), 0);
    assert_eq!(load_empty(&engine, dir), Origin::Cache);
}

#[test]
#[cfg(target_os = "linux")]
fn a_cached_entry_is_mapped_from_its_file_not_copied() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    let engine = engine();
    assert_eq!(load_empty(&engine, dir), Origin::Compiled);
    let entry = only_entry(dir).canonicalize().unwrap();
    let (component, origin) = load_from(&engine, EMPTY_COMPONENT, WASM_SHA256, Some(dir)).unwrap();
    assert_eq!(origin, Origin::Cache);
    let maps = fs::read_to_string("/proc/self/maps").unwrap();
    let entry = entry.to_str().unwrap();
    assert!(
        maps.lines().any(|line| line.ends_with(entry)),
        "{entry} is not mapped:\n{maps}"
    );
    drop(component);
}

#[test]
fn a_descriptor_path_opens_that_file_or_is_none() {
    let temp = tempfile::tempdir().unwrap();
    let (one, other) = (temp.path().join("one"), temp.path().join("other"));
    fs::write(&one, b"1").unwrap();
    fs::write(&other, b"2").unwrap();
    let file = fs::File::open(&one).unwrap();
    let path = descriptor_path(&file, &file.metadata().unwrap()).unwrap();
    assert_eq!(fs::read(path).unwrap(), b"1");
    assert!(descriptor_path(&file, &fs::metadata(&other).unwrap()).is_none());
}

/// Files named `name` with `len` bytes, modified `age` seconds ago.
fn make_file(dir: &Path, name: &str, len: usize, age: u64) -> PathBuf {
    let path = dir.join(name);
    fs::write(&path, vec![0; len]).unwrap();
    let file = fs::File::options().write(true).open(&path).unwrap();
    file.set_modified(SystemTime::now() - Duration::from_secs(age))
        .unwrap();
    path
}

#[test]
fn eviction_keeps_the_newest_entries_within_count_and_bytes() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    let keep = make_file(dir, "new.cwasm", 100, 0);
    for (name, age) in [
        ("a", 50),
        ("b", 10),
        ("c", 40),
        ("d", 20),
        ("e", 30),
        ("f", 60),
    ] {
        make_file(dir, &format!("{name}.cwasm"), 100, age);
    }
    make_file(dir, KEY_FILE, KEY_LEN, 1000);
    make_file(dir, "notes.txt", 10, 1000);
    make_file(dir, ".partial-stale", 10, 2 * 3600);
    make_file(dir, ".tmpstale", 10, 2 * 3600);
    make_file(dir, ".partial-fresh", 10, 60);

    // The count: the kept entry and the 3 newest others.
    evict(dir, &keep, 4, 1 << 20);
    assert_eq!(
        names(dir),
        [
            ".partial-fresh",
            "b.cwasm",
            "d.cwasm",
            "e.cwasm",
            KEY_FILE,
            "new.cwasm",
            "notes.txt"
        ]
    );

    // The bytes: 250 leaves room for one other entry.
    evict(dir, &keep, 4, 250);
    assert_eq!(
        names(dir),
        [
            ".partial-fresh",
            "b.cwasm",
            KEY_FILE,
            "new.cwasm",
            "notes.txt"
        ]
    );

    // The new entry stays even if it alone is over the budget.
    evict(dir, &keep, 4, 50);
    assert_eq!(
        names(dir),
        [".partial-fresh", KEY_FILE, "new.cwasm", "notes.txt"]
    );
}

#[test]
fn loading_many_components_keeps_max_entries() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    let engine = engine();
    let hashes: Vec<String> = (0..MAX_ENTRIES + 3)
        .map(|i| format!("{i:x}").repeat(64))
        .collect();
    for hash in &hashes {
        assert_eq!(load_named(&engine, dir, hash), Origin::Compiled);
        assert!(entries(dir).len() <= MAX_ENTRIES);
        assert!(dir.join(KEY_FILE).is_file());
    }
    assert_eq!(entries(dir).len(), MAX_ENTRIES);
    // The newest is still there.
    assert_eq!(
        load_named(&engine, dir, hashes.last().unwrap()),
        Origin::Cache
    );
}

#[test]
fn concurrent_loads_share_one_key() {
    const THREADS: usize = 4;
    for _ in 0..10 {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path().join("cache");
        let engine = engine();
        let barrier = Barrier::new(THREADS);
        let origins: Vec<Origin> = std::thread::scope(|scope| {
            let threads: Vec<_> = (0..THREADS)
                .map(|_| {
                    scope.spawn(|| {
                        barrier.wait();
                        load_empty(&engine, &dir)
                    })
                })
                .collect();
            threads.into_iter().map(|t| t.join().unwrap()).collect()
        });
        assert!(
            origins.iter().all(|origin| *origin != Origin::Uncached),
            "{origins:?}"
        );
        let entry = only_entry(&dir);
        assert_eq!(names(&dir), expected_names(&entry));
        assert_eq!(load_empty(&engine, &dir), Origin::Cache);
    }
}

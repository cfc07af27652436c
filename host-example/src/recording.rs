//! Record and replay: a [`Recording`] given to a [`crate::ProbeHost`] keeps
//! every answer the component's requests got (and the wall-clock readings
//! and random bytes each call took), or answers the component from such a
//! recording without opening any connection, so a run can be judged again
//! offline. The format is in docs/experiment-runner.md ("Record and
//! replay"); the files are written here and nowhere else.

mod exchange;
mod failure;
mod sandbox;

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

pub(crate) use exchange::Exchange;
pub(crate) use sandbox::{RecordedRandom, RecordedWallClock};

/// The format's name and version in `manifest.json`.
pub const RECORDING_FORMAT: &str = "chaosprom-recording";
pub const RECORDING_VERSION: u32 = 1;

const MANIFEST: &str = "manifest.json";
const SANDBOX: &str = "sandbox.json";
const ANSWERS: &str = "answers";

/// `manifest.json`: what was recorded, and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// [`RECORDING_FORMAT`].
    pub format: String,
    /// [`RECORDING_VERSION`].
    pub version: u32,
    /// When the recording started, RFC 3339 in UTC.
    pub recorded_at: String,
    /// The program and version that recorded it (`chaosprom 0.1.0`).
    pub recorded_by: String,
    /// The experiment as it was run (the caller's document).
    pub experiment: serde_json::Value,
}

/// Why a recording cannot be written or read. Each says what to do.
#[derive(Debug, thiserror::Error)]
pub enum RecordingError {
    #[error(
        "cannot record into {dir}: it exists and is not empty; give a new directory or empty it"
    )]
    NotEmpty { dir: PathBuf },
    #[error("cannot write the recording {path}: {error}")]
    Write {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("cannot read the recording {path}: {error}; give the directory `--record` wrote")]
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{path} is not part of a recording this version reads ({why}); record the run again")]
    Format { path: PathBuf, why: String },
}

/// A recording being written (`--record`) or replayed (`--replay`). Cheap
/// to clone: every clone is the same recording.
#[derive(Clone)]
pub struct Recording {
    inner: Arc<Inner>,
}

struct Inner {
    dir: PathBuf,
    manifest: Manifest,
    mode: Mode,
}

enum Mode {
    Record(Mutex<Tape>),
    Replay(Mutex<Tape>),
}

/// What a recording holds: the exchanges in the order they happened and,
/// per store in the order stores were made, its clock readings and random
/// bytes. On replay, `used` marks the exchanges already answered.
#[derive(Default)]
struct Tape {
    exchanges: Vec<Exchange>,
    used: Vec<bool>,
    stores: Vec<sandbox::StoreTape>,
    /// Replay: how many stores were opened so far.
    opened: usize,
    /// Replay: the requests asked for that the recording does not hold.
    missing: Vec<String>,
}

/// `sandbox.json`.
#[derive(Serialize, Deserialize)]
struct SandboxFile {
    stores: Vec<sandbox::StoreTape>,
}

impl Recording {
    /// Starts a recording in `dir` (made if absent; it must be empty) and
    /// writes its manifest. `recorded_by` names the program
    /// (`chaosprom 0.1.0`), `experiment` is kept in the manifest.
    pub fn record(
        dir: &Path,
        recorded_by: &str,
        experiment: serde_json::Value,
    ) -> Result<Recording, RecordingError> {
        let write = |path: &Path, error| RecordingError::Write {
            path: path.to_path_buf(),
            error,
        };
        if let Ok(mut entries) = fs::read_dir(dir) {
            if entries.next().is_some() {
                return Err(RecordingError::NotEmpty {
                    dir: dir.to_path_buf(),
                });
            }
        }
        let answers = dir.join(ANSWERS);
        fs::create_dir_all(&answers).map_err(|e| write(&answers, e))?;
        let manifest = Manifest {
            format: RECORDING_FORMAT.into(),
            version: RECORDING_VERSION,
            recorded_at: jiff::Timestamp::now().to_string(),
            recorded_by: recorded_by.into(),
            experiment,
        };
        write_json(&dir.join(MANIFEST), &manifest)?;
        let recording = Recording {
            inner: Arc::new(Inner {
                dir: dir.to_path_buf(),
                manifest,
                mode: Mode::Record(Mutex::default()),
            }),
        };
        recording.save_sandbox()?;
        Ok(recording)
    }

    /// Opens the recording `dir` for a replay.
    pub fn replay(dir: &Path) -> Result<Recording, RecordingError> {
        let manifest: Manifest = read_json(&dir.join(MANIFEST))?;
        if manifest.format != RECORDING_FORMAT || manifest.version != RECORDING_VERSION {
            return Err(RecordingError::Format {
                path: dir.join(MANIFEST),
                why: format!(
                    "format {} version {}, this reads {RECORDING_FORMAT} version {RECORDING_VERSION}",
                    manifest.format, manifest.version
                ),
            });
        }
        let sandbox: SandboxFile = read_json(&dir.join(SANDBOX))?;
        let answers = dir.join(ANSWERS);
        let mut names: Vec<PathBuf> = fs::read_dir(&answers)
            .map_err(|error| RecordingError::Read {
                path: answers.clone(),
                error,
            })?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|path| path.extension().is_some_and(|e| e == "json"))
            .collect();
        // Zero-padded numbers: the names sort in the order they were written.
        names.sort();
        let exchanges = names
            .iter()
            .map(|path| read_json(path))
            .collect::<Result<Vec<Exchange>, _>>()?;
        let tape = Tape {
            used: vec![false; exchanges.len()],
            exchanges,
            stores: sandbox.stores,
            opened: 0,
            missing: Vec::new(),
        };
        Ok(Recording {
            inner: Arc::new(Inner {
                dir: dir.to_path_buf(),
                manifest,
                mode: Mode::Replay(Mutex::new(tape)),
            }),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.inner.dir
    }

    pub fn manifest(&self) -> &Manifest {
        &self.inner.manifest
    }

    /// True when this recording answers the component (`--replay`).
    pub fn is_replay(&self) -> bool {
        matches!(self.inner.mode, Mode::Replay(_))
    }

    /// How many answers the recording holds (recorded so far, or read).
    pub fn answers(&self) -> usize {
        self.tape().exchanges.len()
    }

    /// On replay, the requests (`GET <url>`) the component sent that the
    /// recording does not hold, in order: a replay with any is not the
    /// recorded run.
    pub fn missing(&self) -> Vec<String> {
        self.tape().missing.clone()
    }

    /// Writes the clock readings and random bytes taken so far
    /// (`sandbox.json`); a recording writes them as it goes too, after
    /// each answer. Does nothing on replay.
    pub fn finish(&self) -> Result<(), RecordingError> {
        self.save_sandbox()
    }

    fn tape(&self) -> std::sync::MutexGuard<'_, Tape> {
        match &self.inner.mode {
            Mode::Record(tape) | Mode::Replay(tape) => tape.lock().expect("not poisoned"),
        }
    }

    fn save_sandbox(&self) -> Result<(), RecordingError> {
        if self.is_replay() {
            return Ok(());
        }
        let file = SandboxFile {
            stores: self.tape().stores.clone(),
        };
        write_json(&self.inner.dir.join(SANDBOX), &file)
    }

    /// A new store's place in the recording: the index its clock readings
    /// and random bytes are kept under (stores are numbered in the order
    /// they are made, which is the run's order when its calls follow one
    /// another).
    pub(crate) fn open_store(&self) -> usize {
        let mut tape = self.tape();
        match &self.inner.mode {
            Mode::Record(_) => {
                tape.stores.push(sandbox::StoreTape::default());
                tape.stores.len() - 1
            }
            Mode::Replay(_) => {
                let index = tape.opened;
                tape.opened += 1;
                index
            }
        }
    }

    /// Keeps one exchange (recording) and writes its file.
    pub(crate) fn keep(&self, exchange: Exchange) -> Result<(), RecordingError> {
        let number = {
            let mut tape = self.tape();
            tape.exchanges.push(exchange.clone());
            tape.exchanges.len()
        };
        let path = self
            .inner
            .dir
            .join(ANSWERS)
            .join(format!("{number:05}.json"));
        write_json(&path, &exchange)?;
        self.save_sandbox()
    }

    /// The first exchange not yet replayed that answers `method` `url`: a
    /// read (GET, HEAD) of the very same URL; a write (the Pushgateway's
    /// PUT, POST, DELETE) with the same method to the same authority,
    /// since its URL holds the experiment's hash, which editing a
    /// tolerance changes.
    pub(crate) fn take(&self, method: &str, url: &str) -> Option<Exchange> {
        let is_read = matches!(method, "GET" | "HEAD");
        let authority = |url: &str| crate::policy::Authority::from_url(url).ok();
        let answers = |e: &Exchange| {
            e.request.method == method
                && if is_read {
                    e.request.url == url
                } else {
                    authority(&e.request.url).is_some()
                        && authority(&e.request.url) == authority(url)
                }
        };
        let mut tape = self.tape();
        let Tape {
            exchanges,
            used,
            missing,
            ..
        } = &mut *tape;
        let index = exchanges
            .iter()
            .enumerate()
            .position(|(i, e)| !used[i] && answers(e));
        let Some(index) = index else {
            missing.push(format!("{method} {url}"));
            return None;
        };
        used[index] = true;
        Some(exchanges[index].clone())
    }

    /// Runs `f` on the tape of store `index`, when the recording has it.
    fn with_store<R>(
        &self,
        index: usize,
        f: impl FnOnce(&mut sandbox::StoreTape) -> R,
    ) -> Option<R> {
        let mut tape = self.tape();
        tape.stores.get_mut(index).map(f)
    }
}

fn write_json(path: &Path, value: &impl Serialize) -> Result<(), RecordingError> {
    let text = serde_json::to_string_pretty(value).map_err(|e| RecordingError::Write {
        path: path.to_path_buf(),
        error: std::io::Error::other(e),
    })?;
    fs::write(path, text + "\n").map_err(|error| RecordingError::Write {
        path: path.to_path_buf(),
        error,
    })
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, RecordingError> {
    let text = fs::read_to_string(path).map_err(|error| RecordingError::Read {
        path: path.to_path_buf(),
        error,
    })?;
    serde_json::from_str(&text).map_err(|e| RecordingError::Format {
        path: path.to_path_buf(),
        why: e.to_string(),
    })
}

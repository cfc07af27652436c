//! Validation against the real `chaos run` (chaostoolkit 1.19,
//! chaostoolkit-lib 1.44 and upstream chaostoolkit-prometheus 0.6.0 in the
//! virtualenv `scripts/setup.sh` installs): over a corpus of malformed and
//! unusual experiment files (`corpus.rs`), every file chaoslib's loader
//! and `ensure_experiment_is_valid` reject, `chaosprom validate` and
//! `chaosprom run` reject (exit status 1, no journal, the activity named),
//! and every file they accept, `chaosprom validate` accepts. chaoslib judges
//! the whole corpus in one Python process (`oracle.py`); the real `chaos
//! run` and `chaos validate` on a sample show that process judges as the
//! command line does.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::json;

mod corpus;

use corpus::Case;

/// chaoslib's verdict on each file, in one process.
const ORACLE: &str = include_str!("oracle.py");

fn venv_program(name: &str) -> PathBuf {
    let path = harness::chaostoolkit_venv().join("bin").join(name);
    assert!(
        path.is_file(),
        "the reference Chaos Toolkit is not installed at {}. Run `scripts/setup.sh` (it installs chaostoolkit 1.19, chaostoolkit-lib 1.44 and chaostoolkit-prometheus 0.6.0 from PyPI into that virtualenv), then run the tests again.",
        path.display()
    );
    path
}

/// The corpus written into `dir`, each case beside its path.
fn write_corpus(dir: &Path) -> Vec<(Case, PathBuf)> {
    corpus::all()
        .into_iter()
        .map(|case| {
            let path = dir.join(&case.file);
            std::fs::write(&path, &case.text).unwrap();
            (case, path)
        })
        .collect()
}

/// chaoslib's verdict on each file: `None` when valid, else its exception.
fn chaoslib_verdicts(files: &[&Path], dir: &Path) -> Vec<Option<String>> {
    let answer = harness::oracle::ask(ORACLE, &json!({"files": files}), Some(dir));
    answer["verdicts"]
        .as_array()
        .expect("a verdict per file")
        .iter()
        .map(|verdict| match verdict["valid"].as_bool() {
            Some(true) => None,
            _ => Some(verdict["error"].as_str().unwrap_or("?").to_string()),
        })
        .collect()
}

fn chaosprom(args: &[&std::ffi::OsStr], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_chaosprom"))
        .args(args)
        .current_dir(dir)
        .env("CHAOSPROM_CACHE_DIR", harness::test_cache_dir())
        .env_remove("CHAOSPROM_PROMETHEUS_URL")
        .output()
        .expect("chaosprom runs")
}

/// What differs between chaoslib's verdict and ours on one file.
fn disagreement(case: &Case, path: &Path, chaoslib: &Option<String>, dir: &Path) -> Option<String> {
    let validate = chaosprom(&["validate".as_ref(), path.as_os_str()], dir);
    let stderr = String::from_utf8_lossy(&validate.stderr).into_owned();
    let status = validate.status.code();
    let Some(error) = chaoslib else {
        return (status != Some(0)).then(|| {
            format!(
                "{}: chaos run accepts it, `chaosprom validate` exits {status:?}: {stderr}",
                case.file
            )
        });
    };
    if status != Some(1) {
        return Some(format!(
            "{}: chaos run rejects it ({error}), `chaosprom validate` exits {status:?}: {stderr}",
            case.file
        ));
    }
    if let Some(name) = &case.activity {
        if !stderr.contains(name.as_str()) {
            return Some(format!(
                "{}: chaos run rejects it ({error}); `chaosprom validate` does not name the activity '{name}': {stderr}",
                case.file
            ));
        }
    }
    let journal = dir.join(format!("{}.journal.json", case.file));
    let run = chaosprom(
        &[
            "run".as_ref(),
            path.as_os_str(),
            "--journal-path".as_ref(),
            journal.as_os_str(),
        ],
        dir,
    );
    if run.status.code() != Some(1) || journal.exists() {
        return Some(format!(
            "{}: chaos run rejects it ({error}), `chaosprom run` exits {:?}{}: {}",
            case.file,
            run.status.code(),
            if journal.exists() {
                " with a journal"
            } else {
                ""
            },
            String::from_utf8_lossy(&run.stderr)
        ));
    }
    None
}

/// Files judged otherwise on purpose, each with why; each must still be
/// judged otherwise (else it belongs with the others).
const KNOWN_DIFFERENCES: [(&str, &str); 3] = [
    (
        "fixture-nan.json",
        "Python's json reads NaN, which is not JSON; serde_json refuses it",
    ),
    (
        "fixture-regex-lookahead.json",
        "Python's re has look-around; the regex crate refuses it",
    ),
    (
        "fixture-regex-backreference.json",
        "Python's re has backreferences; the regex crate refuses them",
    ),
];

#[test]
fn what_chaos_run_rejects_before_running_chaosprom_rejects_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let cases = write_corpus(dir.path());
    let files: Vec<&Path> = cases.iter().map(|(_, path)| path.as_path()).collect();
    let verdicts = chaoslib_verdicts(&files, dir.path());
    assert_eq!(verdicts.len(), cases.len());
    let rejected = verdicts.iter().filter(|v| v.is_some()).count();
    // A corpus chaos run judges all one way tells nothing.
    assert!(
        cases.len() >= 500 && rejected >= 100 && cases.len() - rejected >= 100,
        "{} files, {rejected} rejected by chaos run",
        cases.len()
    );
    let judged: Vec<(&(Case, PathBuf), &Option<String>)> = cases.iter().zip(&verdicts).collect();
    let disagreements: Vec<String> = std::thread::scope(|scope| {
        let halves: Vec<_> = judged
            .chunks(judged.len().div_ceil(2))
            .map(|half| {
                scope.spawn(|| {
                    half.iter()
                        .filter_map(|((case, path), verdict)| {
                            disagreement(case, path, verdict, dir.path())
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        halves
            .into_iter()
            .flat_map(|half| half.join().unwrap())
            .collect()
    });
    let (known, disagreements): (Vec<String>, Vec<String>) =
        disagreements.into_iter().partition(|disagreement| {
            KNOWN_DIFFERENCES
                .iter()
                .any(|(file, _)| disagreement.starts_with(&format!("{file}: ")))
        });
    for (file, why) in KNOWN_DIFFERENCES {
        assert!(
            known.iter().any(|d| d.starts_with(&format!("{file}: "))),
            "{file} is no longer judged otherwise than by chaos run ({why})"
        );
    }
    assert!(
        disagreements.is_empty(),
        "{} of {} files judged otherwise than by chaos run:\n{}",
        disagreements.len(),
        cases.len(),
        disagreements.join("\n")
    );
}

/// The sample the real command line judges: each way a file is refused
/// (a ChaosException, another exception, the loader) and files accepted.
const SAMPLE: [&str; 14] = [
    "fixture-empty.json",
    "fixture-empty.yaml",
    "fixture-top-level-list.json",
    "fixture-two-documents.yaml",
    "fixture-duplicate-keys.yaml",
    "fixture-method-dict.json",
    "fixture-number-title.json",
    "fixture-old-jsonpath-dialect.json",
    "fixture-null-provider.json",
    "fixture-python-without-func.json",
    "fixture-null-hypothesis.json",
    "set-method-1-provider-arguments-null.json",
    "delete-method-1-name.json",
    "fixture-unknown-provider-type.json",
];

#[test]
fn the_real_chaos_run_judges_the_sample_as_the_oracle_does() {
    let dir = tempfile::tempdir().unwrap();
    let cases = write_corpus(dir.path());
    let sample: Vec<&Path> = SAMPLE
        .iter()
        .map(|name| {
            cases
                .iter()
                .find(|(case, _)| case.file == *name)
                .unwrap_or_else(|| panic!("{name} is in the corpus"))
                .1
                .as_path()
        })
        .collect();
    let verdicts = chaoslib_verdicts(&sample, dir.path());
    let chaos = venv_program("chaos");
    let settings = dir.path().join("no-settings.yaml");
    let differences: Vec<String> = std::thread::scope(|scope| {
        let runs: Vec<_> = sample
            .iter()
            .zip(&verdicts)
            .map(|(path, verdict)| {
                let (chaos, settings) = (&chaos, &settings);
                scope.spawn(move || {
                    let journal = path.with_extension("chaos-journal.json");
                    let command = |args: &[&std::ffi::OsStr]| {
                        Command::new(chaos)
                            .arg("--settings")
                            .arg(settings)
                            .args(args)
                            .current_dir(path.parent().unwrap())
                            .output()
                            .expect("chaos runs")
                    };
                    let run = command(&[
                        "run".as_ref(),
                        "--no-verify-tls".as_ref(),
                        path.as_os_str(),
                        "--journal-path".as_ref(),
                        journal.as_os_str(),
                    ]);
                    let validate = command(&["validate".as_ref(), path.as_os_str()]);
                    let name = path.file_name().unwrap().to_string_lossy();
                    let ran = journal.exists();
                    let agrees = match verdict {
                        // A run that starts writes its journal, whatever its verdict.
                        None => ran && validate.status.code() == Some(0),
                        Some(_) => {
                            !ran && run.status.code() == Some(1)
                                && validate.status.code() == Some(1)
                        }
                    };
                    (!agrees).then(|| {
                        format!(
                            "{name}: the oracle says {verdict:?}; chaos run exits {:?} {} a journal, chaos validate exits {:?}: {}",
                            run.status.code(),
                            if ran { "with" } else { "without" },
                            validate.status.code(),
                            String::from_utf8_lossy(&run.stderr),
                        )
                    })
                })
            })
            .collect();
        runs.into_iter()
            .filter_map(|run| run.join().unwrap())
            .collect()
    });
    assert!(
        verdicts.iter().any(Option::is_none) && verdicts.iter().any(Option::is_some),
        "the sample has files of both verdicts: {verdicts:?}"
    );
    assert!(differences.is_empty(), "{}", differences.join("\n"));
}

//! Which options each subcommand offers and where `--help` shows them: its
//! own first, then the Prometheus options where it queries Prometheus, then
//! the global ones; that both kinds may also come before the subcommand;
//! and what a wrong base URL is told.

use std::process::Command;

use harness::fake::{FakeServer, Reply};
use harness::servers::Prometheus;

use crate::cli::{chaosprom, scalar_server};

const PROMETHEUS_ONLY: [&str; 6] = [
    "--prometheus-url",
    "--prometheus-bearer-token-file",
    "--prometheus-basic-auth-file",
    "--prometheus-header",
    "--retries",
    "--retry-budget",
];

/// A `push-run` with everything it needs but a Pushgateway.
const PUSH_RUN: [&str; 7] = [
    "push-run",
    "--experiment-ref",
    "r",
    "--status",
    "completed",
    "--duration",
    "1",
];

/// `chaosprom SUBCOMMAND --help`.
fn help(subcommand: &str) -> String {
    let cache = tempfile::tempdir().unwrap();
    let run = chaosprom(cache.path(), &[subcommand, "--help"]);
    assert_eq!(run.status, 0, "{subcommand}: {}", run.stderr);
    run.stdout
}

/// Where `needle` first appears in `text`; it must appear.
fn at(text: &str, needle: &str) -> usize {
    text.find(needle)
        .unwrap_or_else(|| panic!("no {needle} in:\n{text}"))
}

#[test]
fn each_subcommand_help_shows_its_own_options_then_prometheus_then_global() {
    // (subcommand, one of its own options, whether it queries Prometheus)
    let cases = [
        ("query", "--when", true),
        ("query-range", "--start", true),
        ("query-value", "--default", true),
        ("compute-mean", "--kind", true),
        ("nodes-cpu-usage-mean", "--window", true),
        ("alerts", "--label", true),
        ("run", "--journal-path", false),
        ("validate", "--var-file", false),
        ("push-run", "--pushgateway-url", false),
    ];
    for (subcommand, own, queries) in cases {
        let text = help(subcommand);
        let global = at(&text, "\nGlobal options:\n");
        assert!(at(&text, own) < global, "{subcommand}:\n{text}");
        for option in ["--component", "--cacert", "--request-timeout", "--verbose"] {
            assert!(at(&text, option) > global, "{subcommand} {option}:\n{text}");
        }
        if queries {
            let prometheus = at(&text, "\nPrometheus options:\n");
            assert!(at(&text, own) < prometheus && prometheus < global);
            for option in PROMETHEUS_ONLY {
                let found = at(&text, option);
                assert!(
                    prometheus < found && found < global,
                    "{subcommand} {option}"
                );
            }
            assert!(text.contains("CHAOSPROM_PROMETHEUS_URL"), "{subcommand}");
        }
    }
    // run names its Prometheus in the experiment; it takes only the retries.
    let run = help("run");
    assert!(at(&run, "--retries") < at(&run, "\nGlobal options:\n"));
    assert!(!run.contains("--prometheus-url"), "{run}");
}

#[test]
fn push_run_and_validate_offer_no_prometheus_option() {
    for subcommand in ["push-run", "validate"] {
        let text = help(subcommand);
        for option in PROMETHEUS_ONLY {
            assert!(
                !text.contains(option),
                "{subcommand} offers {option}:\n{text}"
            );
        }
    }
    let cache = tempfile::tempdir().unwrap();
    for extra in [
        ["--prometheus-url", "http://127.0.0.1:9090"],
        ["--retries", "2"],
        ["--prometheus-header", "X-Scope-OrgID: t1"],
    ] {
        let args = [&PUSH_RUN[..], &extra[..]].concat();
        let run = chaosprom(cache.path(), &args);
        assert_eq!(run.status, 2, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr
                .contains(&format!("unexpected argument '{}'", extra[0])),
            "{}",
            run.stderr
        );
    }
}

#[test]
fn prometheus_and_global_options_give_the_same_answer_before_or_after_the_subcommand() {
    let prometheus = Prometheus::start();
    let cache = tempfile::tempdir().unwrap();
    let url = prometheus.url.as_str();
    let prometheus_options = ["--prometheus-url", url, "--retries", "2"];
    let global_options = ["--connect-timeout", "5s", "--request-timeout", "20s"];
    // `query` answers JSON stamped with the evaluation time: its value is
    // what must agree. `query-value` prints the number alone.
    let value = |stdout: &str| match serde_json::from_str::<serde_json::Value>(stdout) {
        Ok(json) if json.get("data").is_some() => json["data"]["result"][1].to_string(),
        _ => stdout.to_string(),
    };
    let cases = [(["query-value", "4"], "4\n"), (["query", "2*3"], "\"6\"")];
    for (command, expected) in cases {
        for args in [
            [&command[..], &prometheus_options, &global_options].concat(),
            [&prometheus_options[..], &global_options, &command].concat(),
            [&global_options[..], &command, &prometheus_options].concat(),
            [&prometheus_options[..], &command, &global_options].concat(),
        ] {
            let run = chaosprom(cache.path(), &args);
            assert_eq!(run.status, 0, "{args:?}: {}", run.stderr);
            assert_eq!(value(&run.stdout), expected, "{args:?}");
        }
    }
}

#[test]
fn a_prometheus_option_after_the_subcommand_wins_and_one_before_it_beats_the_environment() {
    let prometheus = Prometheus::start();
    let cache = tempfile::tempdir().unwrap();
    let url = prometheus.url.as_str();
    // Nothing listens on port 1: a command that used it fails.
    let unused = "http://127.0.0.1:1";
    let once = ["--retries", "1"];
    let after_wins = [
        &once[..],
        &[
            "--prometheus-url",
            unused,
            "query-value",
            "4",
            "--prometheus-url",
            url,
        ],
    ]
    .concat();
    let run = chaosprom(cache.path(), &after_wins);
    assert_eq!(
        (run.status, run.stdout.as_str()),
        (0, "4\n"),
        "{}",
        run.stderr
    );
    let after_still_wins = [
        &once[..],
        &[
            "--prometheus-url",
            url,
            "query-value",
            "4",
            "--prometheus-url",
            unused,
        ],
    ]
    .concat();
    let run = chaosprom(cache.path(), &after_still_wins);
    assert_eq!(run.status, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .starts_with("error[transport/connection-refused]"),
        "{}",
        run.stderr
    );

    let output = Command::new(env!("CARGO_BIN_EXE_chaosprom"))
        .args(["--prometheus-url", url, "query-value", "4"])
        .env("CHAOSPROM_CACHE_DIR", cache.path())
        .env("CHAOSPROM_PROMETHEUS_URL", unused)
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "4\n",
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn headers_and_credentials_before_the_subcommand_reach_prometheus_unless_replaced_after_it() {
    let server = scalar_server("4");
    let cache = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let token = dir.path().join("token");
    std::fs::write(&token, "before-token\n").unwrap();
    let token = token.to_str().unwrap();
    let before = [
        "--prometheus-header",
        "X-Scope-OrgID: t1",
        "--prometheus-bearer-token-file",
        token,
    ];
    let command = ["query-value", "4", "--prometheus-url", &server.url];
    let replaced = ["--prometheus-header", "X-Scope-OrgID: t2"];
    for args in [
        [&before[..], &command].concat(),
        [&before[..], &command, &replaced].concat(),
    ] {
        let run = chaosprom(cache.path(), &args);
        assert_eq!(
            (run.status, run.stdout.as_str()),
            (0, "4\n"),
            "{}",
            run.stderr
        );
    }
    let received = server.received();
    let headers: Vec<String> = received
        .iter()
        .map(|r| r.headers.to_ascii_lowercase())
        .collect();
    assert_eq!(headers.len(), 2, "{headers:?}");
    for (sent, tenant) in headers.iter().zip(["t1", "t2"]) {
        assert!(
            sent.contains("authorization: bearer before-token"),
            "{sent}"
        );
        assert!(sent.contains(&format!("x-scope-orgid: {tenant}")), "{sent}");
    }
    assert!(!headers[1].contains("x-scope-orgid: t1"), "{}", headers[1]);
}

#[test]
fn a_command_that_takes_no_prometheus_option_refuses_it_before_the_subcommand_too() {
    let cache = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let experiment = dir.path().join("experiment.json");
    std::fs::write(
        &experiment,
        r#"{"title": "t", "description": "d", "method": []}"#,
    )
    .unwrap();
    let experiment = experiment.to_str().unwrap();
    let journal = dir.path().join("journal.json");
    let journal = journal.to_str().unwrap();
    let push = PUSH_RUN;
    let cases: [(&[&str], &[&str], &str); 5] = [
        (
            &["--prometheus-url", "http://127.0.0.1:9090"],
            &push,
            "push-run takes no --prometheus-url",
        ),
        (&["--retries", "2"], &push, "push-run takes no --retries"),
        (
            &["--prometheus-header", "X-Scope-OrgID: t1"],
            &["validate", experiment],
            "validate takes no --prometheus-header",
        ),
        (
            &["--retry-budget", "5s"],
            &["validate", experiment],
            "validate takes no --retry-budget",
        ),
        (
            &["--prometheus-url", "http://127.0.0.1:9090"],
            &["run", experiment, "--journal-path", journal],
            "run takes no --prometheus-url: the experiment names its Prometheus",
        ),
    ];
    for (before, command, message) in cases {
        let args = [before, command].concat();
        let run = chaosprom(cache.path(), &args);
        assert_eq!(run.status, 2, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.starts_with(&format!("error: {message}")),
            "{args:?}: {}",
            run.stderr
        );
    }
    // run takes the retries, wherever they stand.
    for args in [
        [
            "--retries",
            "2",
            "run",
            experiment,
            "--journal-path",
            journal,
        ],
        [
            "run",
            experiment,
            "--journal-path",
            journal,
            "--retries",
            "2",
        ],
    ] {
        let run = chaosprom(cache.path(), &args);
        assert_eq!(run.status, 0, "{args:?}: {}", run.stderr);
    }
}

#[test]
fn the_top_level_help_shows_the_prometheus_options_then_the_global_ones() {
    let cache = tempfile::tempdir().unwrap();
    let run = chaosprom(cache.path(), &["--help"]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    let text = run.stdout;
    let prometheus = at(&text, "\nPrometheus options:\n");
    let global = at(&text, "\nGlobal options:\n");
    assert!(prometheus < global, "{text}");
    for option in PROMETHEUS_ONLY {
        let found = at(&text, option);
        assert!(prometheus < found && found < global, "{option}:\n{text}");
    }
}

#[test]
fn an_unsupported_scheme_says_http_or_https_is_needed() {
    let cache = tempfile::tempdir().unwrap();
    for (args, message) in [
        (
            vec!["query", "up", "--prometheus-url", "ftp://x"],
            "error: invalid --prometheus-url: unsupported scheme 'ftp' in 'ftp://x': use http or https",
        ),
        (
            vec!["query-value", "up", "--prometheus-url", "unix:///x"],
            "error: invalid --prometheus-url: unsupported scheme 'unix' in 'unix:///x': use http or https",
        ),
        (
            [&PUSH_RUN[..], &["--pushgateway-url", "ftp://gateway:21"]].concat(),
            "error: invalid --pushgateway-url: unsupported scheme 'ftp' in 'ftp://gateway:21': use http or https",
        ),
    ] {
        let run = chaosprom(cache.path(), &args);
        assert_eq!(run.status, 2, "{args:?}: {}", run.stderr);
        assert_eq!(run.stderr.trim_end(), message);
    }

    let dir = tempfile::tempdir().unwrap();
    let experiment = dir.path().join("experiment.json");
    std::fs::write(
        &experiment,
        r#"{"title": "t", "description": "d", "configuration": {"prometheus_base_url": "FTP://x"}, "method": []}"#,
    )
    .unwrap();
    let journal = dir.path().join("journal.json");
    let run = chaosprom(
        cache.path(),
        &[
            "run",
            experiment.to_str().unwrap(),
            "--journal-path",
            journal.to_str().unwrap(),
        ],
    );
    assert_eq!(run.status, 1, "{}", run.stderr);
    assert!(
        run.stderr.starts_with(
            "error[invalid-experiment]: prometheus_base_url: unsupported scheme 'FTP' in 'FTP://x': use http or https"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn push_run_takes_the_global_request_timeout() {
    let silent = FakeServer::start(|_| Reply::Silence);
    let cache = tempfile::tempdir().unwrap();
    let run = chaosprom(
        cache.path(),
        &[
            &["--request-timeout", "200ms"][..],
            &PUSH_RUN,
            &["--pushgateway-url", &silent.url, "--strict"],
        ]
        .concat(),
    );
    assert_eq!(run.status, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .starts_with("error[transport/timeout]: before push: ")
            && run.stderr.contains("(200 ms)"),
        "{}",
        run.stderr
    );
}

//! Which options each subcommand offers and where `--help` shows them: its
//! own first, then the Prometheus options where it queries Prometheus, then
//! the global ones; and what a wrong base URL is told.

use harness::fake::{FakeServer, Reply};
use harness::servers::Prometheus;

use crate::cli::chaosprom;

const PROMETHEUS_ONLY: [&str; 6] = [
    "--prometheus-url",
    "--prometheus-bearer-token-file",
    "--prometheus-basic-auth-file",
    "--prometheus-header",
    "--retries",
    "--retry-budget",
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
    let push = ["push-run", "--experiment-ref", "r", "--status", "completed"];
    for extra in [
        ["--prometheus-url", "http://127.0.0.1:9090"],
        ["--retries", "2"],
        ["--prometheus-header", "X-Scope-OrgID: t1"],
    ] {
        let args = [&push[..], &["--duration", "1"], &extra[..]].concat();
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
fn prometheus_options_follow_the_subcommand_and_global_ones_go_anywhere() {
    let prometheus = Prometheus::start();
    let cache = tempfile::tempdir().unwrap();
    let url = prometheus.url.as_str();
    let before = chaosprom(cache.path(), &["--prometheus-url", url, "query", "1"]);
    assert_eq!(before.status, 2);
    assert!(
        before.stderr.contains("'query --prometheus-url' exists"),
        "clap points to where it goes: {}",
        before.stderr
    );
    for args in [
        ["--no-cache", "query-value", "4", "--prometheus-url", url],
        ["query-value", "4", "--no-cache", "--prometheus-url", url],
    ] {
        let run = chaosprom(cache.path(), &args);
        assert_eq!((run.status, run.stdout.as_str()), (0, "4\n"), "{args:?}");
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
            vec![
                "push-run",
                "--experiment-ref",
                "r",
                "--status",
                "completed",
                "--duration",
                "1",
                "--pushgateway-url",
                "ftp://gateway:21",
            ],
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
            "--request-timeout",
            "200ms",
            "push-run",
            "--experiment-ref",
            "r",
            "--status",
            "completed",
            "--duration",
            "1",
            "--pushgateway-url",
            &silent.url,
            "--strict",
        ],
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

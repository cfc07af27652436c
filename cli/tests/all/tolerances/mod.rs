//! The runner's tolerances against chaoslib's own: a generated corpus of
//! tolerances of every kind and outputs of every JSON shape (see
//! `corpus.rs`), checked by the runner and by chaostoolkit-lib 1.44 in the
//! virtualenv `scripts/setup.sh` installs (one Python process, JSON in and
//! out). For each tolerance, `ensure_hypothesis_tolerance_is_valid`'s
//! verdict must be ours; for each (tolerance, output), `within_tolerance`'s
//! verdict (after the substitution `run_steady_state_hypothesis` does)
//! must be ours, and where Python raises we must fail too.

use chaosprometheus_runner::tolerance;
use serde_json::{json, Value};

mod corpus;

/// What Python runs: each tolerance validated, each check's verdict or
/// exception.
const ORACLE: &str = include_str!("oracle.py");

fn ask_python(request: &Value) -> Value {
    harness::oracle::ask(ORACLE, request, None)
}

#[test]
fn tolerances_match_chaoslib_over_a_generated_corpus() {
    let tolerances = corpus::tolerances();
    let outputs = corpus::outputs();
    let names = corpus::names();
    let checks: Vec<(usize, usize)> = (0..tolerances.len())
        .flat_map(|t| (0..outputs.len()).map(move |o| (t, o)))
        .collect();
    let theirs = ask_python(&json!({
        "tolerances": tolerances,
        "outputs": outputs,
        "names": names,
        "checks": checks,
    }));

    let mut differences = Vec::new();
    let mut rejected = 0;
    for (n, tolerance) in tolerances.iter().enumerate() {
        let verdict = &theirs["valid"][n];
        let ours = tolerance::validate(tolerance);
        rejected += usize::from(ours.is_err());
        if ours.is_ok() != verdict.get("valid").is_some() {
            differences.push(format!(
                "validating {tolerance}: ours {ours:?}, chaoslib {verdict}"
            ));
        }
    }
    let names = names.as_object().expect("names").clone();
    let (mut met, mut raised) = (0, 0);
    for (n, &(t, o)) in checks.iter().enumerate() {
        let verdict = &theirs["verdicts"][n];
        let ours = tolerance::within(&tolerances[t], &outputs[o], &names);
        met += usize::from(ours == Ok(true));
        raised += usize::from(ours.is_err());
        let same = match (&ours, verdict.get("met")) {
            (Ok(within), Some(their)) => Value::Bool(*within) == *their,
            (Err(_), None) => true,
            _ => false,
        };
        if !same {
            differences.push(format!(
                "{} on {}: ours {ours:?}, chaoslib {verdict}",
                tolerances[t], outputs[o]
            ));
        }
    }
    eprintln!(
        "{} tolerances ({rejected} invalid) over {} outputs: {} checks, {met} met, {raised} raised",
        tolerances.len(),
        outputs.len(),
        checks.len()
    );
    assert!(
        differences.is_empty(),
        "{} differences from chaoslib:\n{}",
        differences.len(),
        differences.join("\n")
    );
}

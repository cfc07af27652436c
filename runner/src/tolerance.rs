//! Emulates chaostoolkit-lib 1.44's tolerances: `within_tolerance` (whether
//! a probe's output is within what the hypothesis allows, with the string
//! substitution `run_steady_state_hypothesis` does first) and
//! `ensure_hypothesis_tolerance_is_valid`, both in `chaoslib.hypothesis`.
//! Held to chaoslib by the differential test `cli/tests/all/tolerances/`
//! (its `jsonpath` kind also by `cli/tests/all/jsonpath2/`).
//!
//! Python's rules apply: `1 == 1.0 == True`, ints and floats compared
//! exactly, a two-item list is a chained `low <= value <= high` that stops
//! at the first false comparison, a `range` compares `Decimal`s (see
//! [`decimal`]), and a tolerance chaoslib has no rule for (a float, `null`,
//! a mapping of another `type`) is never met. The `probe` kind runs an
//! activity, so the runner handles it; everything else is here.
//!
//! Not emulated: the `regex` kind compiles with Rust's `regex`, not
//! Python's `re`, whose syntaxes differ beyond the common core (lookaround
//! and backreferences are refused, `\p{…}` accepted, a `{` that starts
//! no repetition refused); integers beyond 64 bits are read as floats
//! (`serde_json`), where Python keeps them exact.

mod decimal;

use std::cmp::Ordering;

use chaosprometheus::python::{repr_value, truthy};
use serde_json::{Map, Value};

use self::decimal::{Decimal, DecimalError};
use super::configuration::substitute;
use super::jsonpath2::{self, EvalError, JsonPath, ParseError};

/// What is wrong with a tolerance as written (`validate`), or the exception
/// Python raises while checking one (`within`, where Chaos Toolkit crashes).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ToleranceError {
    #[error(
        "a tolerance must be a boolean, an integer, a string, a list or an object with a `type`"
    )]
    NotATolerance,
    #[error("a tolerance object needs a `type`")]
    NoType,
    #[error("tolerance type {0} is unsupported (range, regex, jsonpath, probe)")]
    UnsupportedType(String),
    /// A `range`, `regex` or `jsonpath` tolerance without its `range`,
    /// `pattern` or `path`.
    #[error("a {kind} tolerance needs a `{key}`")]
    MissingKey {
        kind: &'static str,
        key: &'static str,
    },
    #[error("a tolerance range must be a list")]
    RangeNotList,
    #[error("a tolerance range must be two values")]
    RangeNotTwoValues,
    #[error("a tolerance range's {0} bound must be a number")]
    BoundNotNumber(&'static str),
    #[error("the tolerance pattern {pattern} is invalid: {source}")]
    BadPattern {
        pattern: String,
        source: regex::Error,
    },
    /// A `(?<name>...)` group, which Python's re does not know.
    #[error("the tolerance pattern {0} has a (?<name>...) group, which Python's re refuses; write (?P<name>...)")]
    NotPythonGroup(String),
    #[error("a tolerance JSON path cannot be empty")]
    EmptyPath,
    /// A path outside jsonpath2's grammar, found when validating.
    #[error("the tolerance JSON path {path} is invalid (jsonpath2's grammar): {source}")]
    PathGrammar { path: String, source: ParseError },
    /// A path outside jsonpath2's grammar once its placeholders are resolved.
    #[error("the tolerance JSON path {path} is invalid: {source}")]
    BadPath { path: String, source: ParseError },
    #[error("the tolerance JSON path {path} failed: {source}")]
    PathFailed { path: String, source: EvalError },
    /// A `regex` pattern or `jsonpath` path (after placeholders) that is
    /// not text.
    #[error("a {0} must be text")]
    NotText(&'static str),
    #[error("a probe tolerance is run by the runner")]
    ProbeRunByRunner,
    #[error("the tolerance target {0} needs an object output")]
    TargetNeedsObject(String),
    #[error("the tolerance target {0} cannot name a key (it is unhashable)")]
    TargetUnhashable(String),
    /// `Decimal(output)` raised something other than "not a number".
    #[error("a range tolerance cannot read {0} as a number")]
    RangeCannotRead(String),
    /// `the_range[0]` or `the_range[1]` raised.
    #[error("a range tolerance cannot take item {index} of the range {range}")]
    RangeItem { index: usize, range: String },
    #[error("a range tolerance cannot read the bound {0} as a number")]
    BadBound(String),
    #[error("a range tolerance cannot compare NaN")]
    RangeNaN,
    #[error("a regex tolerance needs a text output, not {0}")]
    RegexNeedsText(String),
    #[error("{0} and {1} cannot be compared")]
    Incomparable(String, String),
}

/// A tolerance as an experiment writes it, classified the way chaoslib's
/// `within_tolerance` dispatches on it.
#[derive(Debug, Clone, PartialEq)]
pub enum Tolerance {
    /// `true` or `false`: the output equals it.
    Bool(bool),
    /// An integer: the output, or its `status` when it has one, equals it.
    Int(Value),
    /// Text: the output equals it; a `${name}` placeholder is resolved
    /// first, and what it resolves to is the tolerance.
    Text(String),
    /// Two items: a range; otherwise a set to be in (a `status` in it).
    List(Vec<Value>),
    /// `{"type": "range", "range": [low, high]}`, optional `target`.
    Range(Map<String, Value>),
    /// `{"type": "regex", "pattern": …}`: searched in the (text) output;
    /// the pattern may hold placeholders; optional `target`.
    Regex(Map<String, Value>),
    /// `{"type": "jsonpath", "path": …}`: a jsonpath2 path; `expect` the
    /// values, else `count` of them, else any match; optional `target`.
    JsonPath(Map<String, Value>),
    /// A probe whose output (given the checked output as `value`) says;
    /// the runner runs it.
    Probe(Value),
    /// What chaoslib has no rule for (a float, `null`, a mapping of another
    /// or no `type`): `within_tolerance` returns `None`, never met.
    Unmet,
}

impl Tolerance {
    /// Reads a tolerance. Nothing is refused here: a tolerance's shape is
    /// [`validate`]d before a run, and what is wrong with one that was not
    /// shows when it is checked, as in chaoslib.
    pub fn parse(tolerance: &Value) -> Tolerance {
        match tolerance {
            Value::Bool(b) => Tolerance::Bool(*b),
            Value::Number(n) if !n.is_f64() => Tolerance::Int(tolerance.clone()),
            Value::String(text) => Tolerance::Text(text.clone()),
            Value::Array(items) => Tolerance::List(items.clone()),
            Value::Object(spec) => match spec.get("type").and_then(Value::as_str) {
                Some("probe") => Tolerance::Probe(tolerance.clone()),
                Some("range") => Tolerance::Range(spec.clone()),
                Some("regex") => Tolerance::Regex(spec.clone()),
                Some("jsonpath") => Tolerance::JsonPath(spec.clone()),
                _ => Tolerance::Unmet,
            },
            Value::Number(_) | Value::Null => Tolerance::Unmet,
        }
    }

    /// Whether `output` is within the tolerance (not a `probe` one, which
    /// the runner runs). `names` are the values placeholders in patterns
    /// and paths may use. An `Err` is the exception Python raises (Chaos
    /// Toolkit crashes).
    pub fn within(
        &self,
        output: &Value,
        names: &Map<String, Value>,
    ) -> Result<bool, ToleranceError> {
        match self {
            Tolerance::Bool(b) => Ok(py_eq(output, &Value::Bool(*b))),
            Tolerance::Int(number) => Ok(match status_of(output) {
                Some(status) => py_eq(status, number),
                None => py_eq(output, number),
            }),
            Tolerance::Text(text) => {
                let resolved = substitute(&Value::String(text.clone()), names);
                if !resolved.is_string() {
                    return within(&resolved, output, names);
                }
                Ok(py_eq(output, &resolved))
            }
            Tolerance::List(items) => {
                if let Some(status) = status_of(output) {
                    return Ok(items.iter().any(|item| py_eq(status, item)));
                }
                if let [low, high] = items.as_slice() {
                    // `low <= output <= high`: the second comparison only
                    // when the first holds.
                    return Ok(py_le(low, output)? && py_le(output, high)?);
                }
                Ok(items.iter().any(|item| py_eq(output, item)))
            }
            Tolerance::Range(spec) => range(spec, targeted(spec, output)?),
            Tolerance::Regex(spec) => regex_search(spec, output, names),
            Tolerance::JsonPath(spec) => jsonpath(spec, output, names),
            Tolerance::Probe(_) => Err(ToleranceError::ProbeRunByRunner),
            Tolerance::Unmet => Ok(false),
        }
    }
}

/// `ensure_hypothesis_tolerance_is_valid`: checks a tolerance's shape
/// before anything runs; the message says what is wrong. A `probe`
/// tolerance's activity is checked with the other activities.
pub fn validate(tolerance: &Value) -> Result<(), ToleranceError> {
    match tolerance {
        Value::Null => Err(ToleranceError::NotATolerance),
        Value::Number(n) if n.is_f64() => Err(ToleranceError::NotATolerance),
        Value::Object(spec) => match spec.get("type") {
            Some(Value::String(kind)) if kind == "probe" => Ok(()),
            Some(Value::String(kind)) if kind == "regex" => check_pattern(spec),
            Some(Value::String(kind)) if kind == "jsonpath" => check_path(spec),
            Some(Value::String(kind)) if kind == "range" => check_range(spec),
            None | Some(Value::Null) => Err(ToleranceError::NoType),
            Some(other) => Err(ToleranceError::UnsupportedType(repr_value(other))),
        },
        _ => Ok(()),
    }
}

/// chaoslib's `check_regex_pattern`.
fn check_pattern(spec: &Map<String, Value>) -> Result<(), ToleranceError> {
    let pattern = spec.get("pattern").ok_or(ToleranceError::MissingKey {
        kind: "regex",
        key: "pattern",
    })?;
    let pattern = pattern
        .as_str()
        .ok_or(ToleranceError::NotText("regex tolerance pattern"))?;
    if pattern.contains('$') {
        // It may hold a placeholder; compiled when it runs.
        return Ok(());
    }
    compile(pattern).map(drop)
}

/// chaoslib's `check_json_path`: the path as written, placeholders and
/// all, after Python's `strip()`.
fn check_path(spec: &Map<String, Value>) -> Result<(), ToleranceError> {
    let path = spec.get("path").ok_or(ToleranceError::MissingKey {
        kind: "jsonpath",
        key: "path",
    })?;
    let path = path
        .as_str()
        .ok_or(ToleranceError::NotText("jsonpath tolerance path"))?
        .trim_matches(python_space);
    if path.is_empty() {
        return Err(ToleranceError::EmptyPath);
    }
    JsonPath::parse(path)
        .map(drop)
        .map_err(|source| ToleranceError::PathGrammar {
            path: path.to_string(),
            source,
        })
}

/// chaoslib's `check_range`: a list of two numbers (a boolean is one, as
/// Python's `numbers.Number` has it).
fn check_range(spec: &Map<String, Value>) -> Result<(), ToleranceError> {
    let range = spec.get("range").ok_or(ToleranceError::MissingKey {
        kind: "range",
        key: "range",
    })?;
    let bounds = range.as_array().ok_or(ToleranceError::RangeNotList)?;
    let [low, high] = bounds.as_slice() else {
        return Err(ToleranceError::RangeNotTwoValues);
    };
    let number = |v: &Value| v.is_number() || v.is_boolean();
    if !number(low) {
        return Err(ToleranceError::BoundNotNumber("lower"));
    }
    if !number(high) {
        return Err(ToleranceError::BoundNotNumber("upper"));
    }
    Ok(())
}

/// What Python's `str.strip()` removes (`str.isspace()`).
fn python_space(c: char) -> bool {
    c.is_whitespace() || ('\x1c'..='\x1f').contains(&c)
}

/// Whether `output` is within `tolerance` (not a `probe` tolerance); see
/// [`Tolerance::within`].
pub fn within(
    tolerance: &Value,
    output: &Value,
    names: &Map<String, Value>,
) -> Result<bool, ToleranceError> {
    Tolerance::parse(tolerance).within(output, names)
}

/// An http or process result's `status`.
fn status_of(output: &Value) -> Option<&Value> {
    output.as_object()?.get("status")
}

/// `if target: value = value.get(target, value)`.
fn targeted<'a>(spec: &Map<String, Value>, output: &'a Value) -> Result<&'a Value, ToleranceError> {
    let Some(target) = spec.get("target").filter(|t| truthy(t)) else {
        return Ok(output);
    };
    let Value::Object(map) = output else {
        return Err(ToleranceError::TargetNeedsObject(repr_value(target)));
    };
    match target {
        Value::String(key) => Ok(map.get(key).unwrap_or(output)),
        Value::Array(_) | Value::Object(_) => {
            Err(ToleranceError::TargetUnhashable(repr_value(target)))
        }
        // A number is no key of a JSON object.
        _ => Ok(output),
    }
}

/// The `range` kind: `Decimal(min) <= Decimal(value) <= Decimal(max)`;
/// an output that is not a number is out of range.
fn range(spec: &Map<String, Value>, value: &Value) -> Result<bool, ToleranceError> {
    let value = match Decimal::of(value) {
        Ok(value) => value,
        Err(DecimalError::Invalid) => return Ok(false),
        Err(_) => return Err(ToleranceError::RangeCannotRead(repr_value(value))),
    };
    let range = spec.get("range").unwrap_or(&Value::Null);
    let (low, high) = (item(range, 0)?, item(range, 1)?);
    let bound = |b: &Value| Decimal::of(b).map_err(|_| ToleranceError::BadBound(repr_value(b)));
    if !bound(&low)?.le(&value).ok_or(ToleranceError::RangeNaN)? {
        return Ok(false);
    }
    value.le(&bound(&high)?).ok_or(ToleranceError::RangeNaN)
}

/// Python's `range[index]`: an item of a list, a character of text.
fn item(range: &Value, index: usize) -> Result<Value, ToleranceError> {
    let found = match range {
        Value::Array(items) => items.get(index).cloned(),
        Value::String(text) => text.chars().nth(index).map(|c| Value::String(c.into())),
        _ => None,
    };
    found.ok_or_else(|| ToleranceError::RangeItem {
        index,
        range: repr_value(range),
    })
}

fn regex_search(
    spec: &Map<String, Value>,
    output: &Value,
    names: &Map<String, Value>,
) -> Result<bool, ToleranceError> {
    let pattern = substitute(spec.get("pattern").unwrap_or(&Value::Null), names);
    let pattern = pattern
        .as_str()
        .ok_or(ToleranceError::NotText("regex tolerance pattern"))?;
    let compiled = compile(pattern)?;
    let value = targeted(spec, output)?;
    let text = value
        .as_str()
        .ok_or_else(|| ToleranceError::RegexNeedsText(repr_value(value)))?;
    Ok(python_search(&compiled, text))
}

/// `re.search`: Python's `$` also matches before a final newline, which a
/// search of the text without it finds (a match there is one in the whole
/// text too, but for what ends at its end).
fn python_search(compiled: &regex::Regex, text: &str) -> bool {
    compiled.is_match(text)
        || text
            .strip_suffix('\n')
            .is_some_and(|shorter| compiled.is_match(shorter))
}

fn compile(pattern: &str) -> Result<regex::Regex, ToleranceError> {
    // The regex crate knows `(?<name>...)`; Python's re (chaos run's) does
    // not, and refuses it.
    let unescaped_groups = pattern.match_indices("(?<").filter(|(at, _)| {
        pattern[..*at]
            .chars()
            .rev()
            .take_while(|c| *c == '\\')
            .count()
            % 2
            == 0
    });
    for (at, _) in unescaped_groups {
        if !matches!(pattern[at + 3..].chars().next(), Some('=' | '!')) {
            return Err(ToleranceError::NotPythonGroup(pattern.to_string()));
        }
    }
    regex::Regex::new(pattern).map_err(|source| ToleranceError::BadPattern {
        pattern: pattern.to_string(),
        source,
    })
}

fn jsonpath(
    spec: &Map<String, Value>,
    output: &Value,
    names: &Map<String, Value>,
) -> Result<bool, ToleranceError> {
    let path = substitute(spec.get("path").unwrap_or(&Value::Null), names);
    let path = path
        .as_str()
        .ok_or(ToleranceError::NotText("jsonpath tolerance path"))?;
    let path = JsonPath::parse(path).map_err(|source| ToleranceError::BadPath {
        path: path.to_string(),
        source,
    })?;
    let value = targeted(spec, output)?;
    // Text that holds JSON is read as JSON first.
    let decoded;
    let document = match value {
        Value::String(text) => match serde_json::from_str::<Value>(text) {
            Ok(parsed) => {
                decoded = parsed;
                &decoded
            }
            Err(_) => value,
        },
        other => other,
    };
    let values = path
        .query(document)
        .map_err(|source| ToleranceError::PathFailed {
            path: path.to_string(),
            source,
        })?;
    if let Some(expect) = spec.get("expect") {
        let expect = substitute(expect, names);
        let expected = match expect {
            Value::Array(items) => items,
            single => vec![single],
        };
        return Ok(values.len() == expected.len()
            && values.iter().zip(&expected).all(|(a, b)| py_eq(a, b)));
    }
    match spec.get("count").filter(|c| !c.is_null()) {
        // Python's `==`: a count of 2.0 (or True for 1) counts too.
        Some(count) => Ok(py_eq(&Value::from(values.len()), count)),
        None => Ok(!values.is_empty()),
    }
}

/// Python's `==` on JSON values: numbers and booleans compare as numbers.
pub fn py_eq(a: &Value, b: &Value) -> bool {
    jsonpath2::py_eq(a, b)
}

/// Python's `a <= b` on JSON values: numbers (booleans among them) exactly,
/// text by code point, lists item by item up to the first unequal pair;
/// anything else raises `TypeError`.
fn py_le(a: &Value, b: &Value) -> Result<bool, ToleranceError> {
    if let Some(order) = jsonpath2::py_number_cmp(a, b) {
        return Ok(order != Ordering::Greater);
    }
    match (a, b) {
        (Value::String(x), Value::String(y)) => Ok(x <= y),
        (Value::Array(x), Value::Array(y)) => match x.iter().zip(y).find(|(p, q)| !py_eq(p, q)) {
            Some((p, q)) => py_le(p, q),
            None => Ok(x.len() <= y.len()),
        },
        _ => Err(ToleranceError::Incomparable(repr_value(a), repr_value(b))),
    }
}

#[cfg(test)]
mod tests;

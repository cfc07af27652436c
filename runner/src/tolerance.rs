//! Chaos Toolkit's tolerances (`chaoslib.hypothesis.within_tolerance`):
//! whether a probe's output is within what the hypothesis allows. Python's
//! comparison rules apply (`1 == 1.0 == True`). The `probe` kind runs an
//! activity, so the runner handles it; everything else is here.

use std::cmp::Ordering;

use serde_json::{Map, Value};

use super::configuration::substitute;
use super::jsonpath2::{self, EvalError, JsonPath, ParseError};

/// What is wrong with a tolerance as written, or a comparison Python would
/// have refused while checking one.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ToleranceError {
    #[error(
        "a tolerance must be a boolean, an integer, a string, a list or an object with a `type`"
    )]
    NotATolerance,
    #[error("a tolerance object needs a `type`")]
    NoType,
    #[error("tolerance type '{0}' is unsupported (range, regex, jsonpath, probe)")]
    UnsupportedType(String),
    #[error("a range tolerance needs a `range` key")]
    NoRange,
    /// A `regex` or `jsonpath` tolerance without its `pattern` or `path`.
    #[error("a {kind} tolerance needs a `{key}`")]
    MissingKey {
        kind: &'static str,
        key: &'static str,
    },
    #[error("a tolerance range must be a list")]
    RangeNotList,
    #[error("a tolerance range must be two numbers")]
    RangeNotTwoNumbers,
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
    /// A placeholder in a `regex` pattern or `jsonpath` path resolved to
    /// something that is not text.
    #[error("a {0} must be text")]
    NotText(&'static str),
    #[error("a probe tolerance is run by the runner")]
    ProbeRunByRunner,
    #[error("the tolerance target '{0}' needs an object output")]
    TargetNeedsObject(String),
    #[error("a range tolerance cannot compare {0}")]
    RangeCannotCompare(Box<Value>),
    #[error("a range tolerance needs numbers")]
    RangeNeedsNumbers,
    #[error("a regex tolerance needs a text output, not {0}")]
    RegexNeedsText(Box<Value>),
    #[error("NaN cannot be compared")]
    NaN,
    #[error("{0} and {1} cannot be compared")]
    Incomparable(Box<Value>, Box<Value>),
}

/// A tolerance as an experiment writes it.
#[derive(Debug, Clone, PartialEq)]
pub enum Tolerance {
    /// `true` or `false`: the output equals it.
    Bool(bool),
    /// A number: the output, or its `status` when it has one, equals it.
    Number(Value),
    /// Text: the output equals it; a `${name}` placeholder is resolved
    /// first, and what it resolves to is the tolerance.
    Text(String),
    /// Two items: a range; otherwise a set to be in (a `status` in it).
    List(Vec<Value>),
    Range {
        low: f64,
        high: f64,
        target: Option<String>,
    },
    /// A pattern searched in the (text) output; may hold placeholders.
    Regex {
        pattern: String,
        target: Option<String>,
    },
    /// A jsonpath2 path; `expect` the values, else `count` of them, else
    /// any match.
    JsonPath {
        path: String,
        expect: Option<Value>,
        count: Option<Value>,
        target: Option<String>,
    },
    /// A probe whose output (given the checked output as `value`) says;
    /// the runner runs it.
    Probe(Value),
}

impl Tolerance {
    /// Reads a tolerance; the message says what is wrong.
    pub fn parse(tolerance: &Value) -> Result<Tolerance, ToleranceError> {
        Ok(match tolerance {
            Value::Bool(b) => Tolerance::Bool(*b),
            Value::Number(_) => Tolerance::Number(tolerance.clone()),
            Value::String(text) => Tolerance::Text(text.clone()),
            Value::Array(items) => Tolerance::List(items.clone()),
            Value::Object(spec) => {
                // Python's `if target:`: an empty target is none.
                let target = spec
                    .get("target")
                    .and_then(Value::as_str)
                    .filter(|t| !t.is_empty())
                    .map(str::to_string);
                match spec.get("type").and_then(Value::as_str) {
                    Some("probe") => Tolerance::Probe(tolerance.clone()),
                    Some("range") => {
                        let range = spec.get("range").ok_or(ToleranceError::NoRange)?;
                        let bounds = range.as_array().ok_or(ToleranceError::RangeNotList)?;
                        // Python's numbers.Number: `true` is 1.
                        let number = |bound: &Value| {
                            bound
                                .as_f64()
                                .or_else(|| bound.as_bool().map(|b| f64::from(u8::from(b))))
                        };
                        match bounds.as_slice() {
                            [low, high] => match (number(low), number(high)) {
                                (Some(low), Some(high)) => Tolerance::Range { low, high, target },
                                _ => return Err(ToleranceError::RangeNotTwoNumbers),
                            },
                            _ => return Err(ToleranceError::RangeNotTwoNumbers),
                        }
                    }
                    Some("regex") => {
                        let pattern = spec.get("pattern").and_then(Value::as_str).ok_or(
                            ToleranceError::MissingKey {
                                kind: "regex",
                                key: "pattern",
                            },
                        )?;
                        Tolerance::Regex {
                            pattern: pattern.to_string(),
                            target,
                        }
                    }
                    Some("jsonpath") => {
                        let path = spec.get("path").and_then(Value::as_str).ok_or(
                            ToleranceError::MissingKey {
                                kind: "jsonpath",
                                key: "path",
                            },
                        )?;
                        Tolerance::JsonPath {
                            path: path.to_string(),
                            expect: spec.get("expect").cloned(),
                            count: spec.get("count").filter(|c| !c.is_null()).cloned(),
                            target,
                        }
                    }
                    Some(other) => return Err(ToleranceError::UnsupportedType(other.to_string())),
                    None => return Err(ToleranceError::NoType),
                }
            }
            Value::Null => return Err(ToleranceError::NotATolerance),
        })
    }

    /// Whether `output` is within the tolerance (not a `probe` one, which
    /// the runner runs). `names` are the values placeholders in patterns
    /// and paths may use. An `Err` is a comparison Python would have
    /// refused (Chaos Toolkit crashes).
    pub fn within(
        &self,
        output: &Value,
        names: &Map<String, Value>,
    ) -> Result<bool, ToleranceError> {
        match self {
            Tolerance::Bool(b) => Ok(py_eq(output, &Value::Bool(*b))),
            Tolerance::Number(number) => Ok(match status_of(output) {
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
                    let above = py_cmp(low, output)? != Ordering::Greater;
                    let below = py_cmp(output, high)? != Ordering::Greater;
                    return Ok(above && below);
                }
                Ok(items.iter().any(|item| py_eq(output, item)))
            }
            Tolerance::Range { low, high, target } => range(*low, *high, targeted(target, output)?),
            Tolerance::Regex { pattern, target } => {
                regex_search(pattern, targeted(target, output)?, names)
            }
            Tolerance::JsonPath {
                path,
                expect,
                count,
                target,
            } => jsonpath(
                path,
                expect.as_ref(),
                count.as_ref(),
                targeted(target, output)?,
                names,
            ),
            Tolerance::Probe(_) => Err(ToleranceError::ProbeRunByRunner),
        }
    }
}

/// Checks a tolerance's shape before anything runs; the message says what
/// is wrong.
pub fn validate(tolerance: &Value) -> Result<(), ToleranceError> {
    match Tolerance::parse(tolerance)? {
        Tolerance::Number(n) if !(n.is_i64() || n.is_u64()) => Err(ToleranceError::NotATolerance),
        Tolerance::Regex { pattern, .. } if !pattern.contains('$') => {
            // One with `$` may hold a placeholder; checked when it runs.
            compile(&pattern).map(drop)
        }
        Tolerance::JsonPath { path, .. } => {
            // Chaos Toolkit checks the path as written, placeholders and
            // all, after Python's `strip()`.
            let path = path.trim_matches(python_space);
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
        _ => Ok(()),
    }
}

/// What Python's `str.strip()` removes.
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
    Tolerance::parse(tolerance)?.within(output, names)
}

/// An http or process result's `status`.
fn status_of(output: &Value) -> Option<&Value> {
    output.as_object()?.get("status")
}

/// `value.get(target, value)`.
fn targeted<'a>(target: &Option<String>, output: &'a Value) -> Result<&'a Value, ToleranceError> {
    match target {
        None => Ok(output),
        Some(target) => match output {
            Value::Object(map) => Ok(map.get(target).unwrap_or(output)),
            _ => Err(ToleranceError::TargetNeedsObject(target.clone())),
        },
    }
}

fn range(low: f64, high: f64, value: &Value) -> Result<bool, ToleranceError> {
    let number = match value {
        Value::Number(n) => n.as_f64(),
        Value::Bool(b) => Some(f64::from(u8::from(*b))),
        // Python's Decimal(text): a number written as text counts; other text is out of range.
        Value::String(text) => match text.trim().parse::<f64>() {
            Ok(n) => Some(n),
            Err(_) => return Ok(false),
        },
        other => return Err(ToleranceError::RangeCannotCompare(Box::new(other.clone()))),
    };
    let Some(n) = number else {
        return Err(ToleranceError::RangeNeedsNumbers);
    };
    Ok(low <= n && n <= high)
}

fn regex_search(
    pattern: &str,
    value: &Value,
    names: &Map<String, Value>,
) -> Result<bool, ToleranceError> {
    let pattern = substitute(&Value::String(pattern.to_string()), names);
    let pattern = pattern
        .as_str()
        .ok_or(ToleranceError::NotText("regex tolerance pattern"))?;
    let text = value
        .as_str()
        .ok_or_else(|| ToleranceError::RegexNeedsText(Box::new(value.clone())))?;
    Ok(compile(pattern)?.is_match(text))
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
    path: &str,
    expect: Option<&Value>,
    count: Option<&Value>,
    value: &Value,
    names: &Map<String, Value>,
) -> Result<bool, ToleranceError> {
    let path = substitute(&Value::String(path.to_string()), names);
    let path = path
        .as_str()
        .ok_or(ToleranceError::NotText("jsonpath tolerance path"))?;
    let path = JsonPath::parse(path).map_err(|source| ToleranceError::BadPath {
        path: path.to_string(),
        source,
    })?;
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
    if let Some(expect) = expect {
        let expect = substitute(expect, names);
        let expected = match expect {
            Value::Array(items) => items,
            single => vec![single],
        };
        return Ok(values.len() == expected.len()
            && values.iter().zip(&expected).all(|(a, b)| py_eq(a, b)));
    }
    if let Some(count) = count {
        // Python's `==`: a count of 2.0 (or True for 1) counts too.
        return Ok(py_eq(&Value::from(values.len()), count));
    }
    Ok(!values.is_empty())
}

/// Python's `==` on JSON values: numbers and booleans compare as numbers.
pub fn py_eq(a: &Value, b: &Value) -> bool {
    jsonpath2::py_eq(a, b)
}

/// Python's ordering for a 2-element range; mixed types are an error.
fn py_cmp(a: &Value, b: &Value) -> Result<Ordering, ToleranceError> {
    match (as_number(a), as_number(b), a, b) {
        (Some(x), Some(y), _, _) => x.partial_cmp(&y).ok_or(ToleranceError::NaN),
        (_, _, Value::String(x), Value::String(y)) => Ok(x.cmp(y)),
        _ => Err(ToleranceError::Incomparable(
            Box::new(a.clone()),
            Box::new(b.clone()),
        )),
    }
}

fn as_number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::Bool(b) => Some(f64::from(u8::from(*b))),
        _ => None,
    }
}

#[cfg(test)]
mod tests;

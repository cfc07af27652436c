//! The value of a JSON document read in full.

use std::fmt;

use crate::order::sorted_positions;

/// A JSON value read in full. Objects keep their entries in document order,
/// duplicates included; [`Value::get`] and [`Value::map_entries`] read them
/// as a map, where the last of duplicate keys wins.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Number(Number),
    String(String),
    Array(Vec<Value>),
    Object(Vec<(String, Value)>),
}

/// A number as the document wrote it. As in serde_json, an integer that
/// fits `u64` or `i64` stays an integer; anything else (a fraction, an
/// exponent, `-0`, a longer integer) is an `f64`.
#[derive(Debug, Clone, PartialEq)]
pub struct Number(String);

impl Number {
    pub(super) fn read(text: &str) -> Number {
        Number(text.to_string())
    }

    /// The number as the document wrote it.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The integer as the document wrote it, if the number is one.
    pub fn integer(&self) -> Option<&str> {
        let text = self.0.as_str();
        let fits = text.parse::<u64>().is_ok() || (text != "-0" && text.parse::<i64>().is_ok());
        fits.then_some(text)
    }

    pub fn as_f64(&self) -> f64 {
        crate::float::parse_f64(&self.0).unwrap_or(f64::NAN)
    }
}

impl Value {
    /// The value of `key` in an object; the last one if the key repeats.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Object(entries) => entries.iter().rev().find(|(k, _)| k == key).map(|e| &e.1),
            _ => None,
        }
    }
}

/// An object's entries as a map: sorted by key, the last of duplicate keys
/// kept (what serde_json's sorted map and Python's dict hold).
pub fn map_entries(entries: &[(String, Value)]) -> Vec<(&String, &Value)> {
    let by_key = sorted_positions(entries.len(), &|a, b| entries[a].0.cmp(&entries[b].0));
    let mut map: Vec<(&String, &Value)> = Vec::with_capacity(by_key.len());
    for i in by_key {
        let (key, value) = &entries[i];
        // The sort keeps a repeated key's entries in document order, so
        // the later one replaces the earlier.
        match map.last_mut() {
            Some(last) if last.0 == key => last.1 = value,
            _ => map.push((key, value)),
        }
    }
    map
}

impl fmt::Display for Value {
    /// Compact JSON, objects as maps (see [`map_entries`]), as serde_json
    /// wrote them; a fraction keeps the document's digits.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("null"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Number(n) => f.write_str(&n.0),
            Value::String(s) => write_compact_string(f, s),
            Value::Array(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
            Value::Object(entries) => {
                f.write_str("{")?;
                for (i, (key, item)) in map_entries(entries).into_iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write_compact_string(f, key)?;
                    write!(f, ":{item}")?;
                }
                f.write_str("}")
            }
        }
    }
}

fn write_compact_string(f: &mut fmt::Formatter<'_>, text: &str) -> fmt::Result {
    f.write_str("\"")?;
    for c in text.chars() {
        match c {
            '"' => f.write_str("\\\"")?,
            '\\' => f.write_str("\\\\")?,
            '\n' => f.write_str("\\n")?,
            '\r' => f.write_str("\\r")?,
            '\t' => f.write_str("\\t")?,
            '\u{08}' => f.write_str("\\b")?,
            '\u{0c}' => f.write_str("\\f")?,
            c if (c as u32) < 0x20 => write!(f, "\\u{:04x}", c as u32)?,
            c => write!(f, "{c}")?,
        }
    }
    f.write_str("\"")
}

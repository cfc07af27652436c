//! A strict JSON reader (RFC 8259) that reads a document as it goes, the way
//! serde_json's derived readers did before it, so answers are accepted and
//! refused exactly as before:
//! - a value read in full ([`Reader::value`], a string, a number) is decoded
//!   and checked: an unpaired surrogate escape, a number beyond `f64`, or
//!   containers nested past 127 levels are errors;
//! - a value passed over ([`Reader::skip`], [`Reader::raw`]) is only checked
//!   to be well-formed, at any depth, without building anything;
//! - an object read as a record ([`Reader::record`]) refuses a field given
//!   twice and, as serde's derive did, also takes its fields in order from
//!   an array.
//!
//! Prometheus's answers are read without a copy or a tree; the experiment
//! and configuration documents become a [`Value`].

use std::fmt;

mod value;

pub use value::{map_entries, Number, Value};

/// serde_json's nesting limit for the containers of a value read in full.
const MAX_DEPTH: usize = 127;

/// Why a document was refused, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    message: String,
    line: usize,
    column: usize,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} at line {} column {}",
            self.message, self.line, self.column
        )
    }
}

/// A whole document read in full, as [`Reader::value`] reads it.
pub fn parse(text: &str) -> Result<Value, Error> {
    let mut reader = Reader::new(text);
    let value = reader.value()?;
    reader.finish()?;
    Ok(value)
}

/// Reads one document from its start; every reading method first passes
/// over whitespace.
pub struct Reader<'a> {
    text: &'a str,
    pos: usize,
    depth: usize,
}

impl<'a> Reader<'a> {
    pub fn new(text: &'a str) -> Reader<'a> {
        Reader {
            text,
            pos: 0,
            depth: 0,
        }
    }

    /// An error at the current position.
    pub fn error(&self, message: impl Into<String>) -> Error {
        let before = &self.text.as_bytes()[..self.pos.min(self.text.len())];
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        Error {
            message: message.into(),
            line: before.iter().filter(|&&b| b == b'\n').count() + 1,
            column: self.pos - line_start + 1,
        }
    }

    /// Nothing but whitespace follows the value read.
    pub fn finish(&mut self) -> Result<(), Error> {
        match self.peek() {
            None => Ok(()),
            Some(_) => Err(self.error("trailing characters")),
        }
    }

    /// The whole text is one well-formed JSON document.
    pub fn is_document(text: &str) -> bool {
        let mut reader = Reader::new(text);
        reader.skip().and_then(|()| reader.finish()).is_ok()
    }

    /// The next byte after whitespace, not consumed.
    fn peek(&mut self) -> Option<u8> {
        let bytes = self.text.as_bytes();
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = bytes.get(self.pos) {
            self.pos += 1;
        }
        bytes.get(self.pos).copied()
    }

    fn invalid_type(&mut self, expected: &str) -> Error {
        let found = match self.peek() {
            None => return self.error("EOF while parsing a value"),
            Some(b'n') => "null",
            Some(b't' | b'f') => "boolean",
            Some(b'"') => "string",
            Some(b'[') => "sequence",
            Some(b'{') => "map",
            Some(b'-' | b'0'..=b'9') => "number",
            Some(_) => return self.error("expected value"),
        };
        self.error(format!("invalid type: {found}, expected {expected}"))
    }

    /// Consumes `null` if it comes next: an absent optional value.
    pub fn null(&mut self) -> Result<bool, Error> {
        if self.peek() != Some(b'n') {
            return Ok(false);
        }
        self.literal("null")?;
        Ok(true)
    }

    /// A string value, decoded.
    pub fn string(&mut self) -> Result<String, Error> {
        if self.peek() != Some(b'"') {
            return Err(self.invalid_type("a string"));
        }
        let raw = self.scan_string()?;
        self.decode(raw)
    }

    /// A number value; one beyond `f64`'s range is an error.
    pub fn number(&mut self) -> Result<f64, Error> {
        if !matches!(self.peek(), Some(b'-' | b'0'..=b'9')) {
            return Err(self.invalid_type("f64"));
        }
        let text = self.scan_number()?;
        self.in_range(text)
    }

    /// The position of the next value, to come back to it with [`Reader::at`].
    pub fn position(&mut self) -> usize {
        self.peek();
        self.pos
    }

    /// A reader of the same document at a position from [`Reader::position`].
    pub fn at(&self, pos: usize) -> Reader<'a> {
        Reader {
            text: self.text,
            pos,
            depth: self.depth,
        }
    }

    /// Passes over the next value, checking only that it is well formed.
    pub fn skip(&mut self) -> Result<(), Error> {
        let mut open: Vec<u8> = Vec::new();
        loop {
            match self.peek() {
                Some(b'[') => {
                    self.pos += 1;
                    if self.peek() == Some(b']') {
                        self.pos += 1;
                    } else {
                        open.push(b']');
                        continue;
                    }
                }
                Some(b'{') => {
                    self.pos += 1;
                    if self.peek() == Some(b'}') {
                        self.pos += 1;
                    } else {
                        open.push(b'}');
                        self.key()?;
                        continue;
                    }
                }
                _ => self.scalar()?,
            }
            loop {
                let Some(&close) = open.last() else {
                    return Ok(());
                };
                match self.peek() {
                    Some(b',') => {
                        self.pos += 1;
                        if close == b'}' {
                            self.key()?;
                        }
                        break;
                    }
                    Some(b) if b == close => {
                        self.pos += 1;
                        open.pop();
                    }
                    next => return Err(self.after_item(next, close)),
                }
            }
        }
    }

    /// The text of the next value, passed over as by [`Reader::skip`].
    pub fn raw(&mut self) -> Result<&'a str, Error> {
        let start = self.position();
        self.skip()?;
        Ok(&self.text[start..self.pos])
    }

    /// The next value in full.
    pub fn value(&mut self) -> Result<Value, Error> {
        self.any(true)
    }

    /// Reads the next value as [`Reader::value`] does, checking it the same
    /// way, but keeps nothing: `Null` stands for it.
    pub fn check(&mut self) -> Result<(), Error> {
        self.any(false).map(drop)
    }

    fn any(&mut self, keep: bool) -> Result<Value, Error> {
        let value = match self.peek() {
            Some(b'{') => {
                let mut entries = Vec::new();
                self.object(&mut |reader, key| {
                    let value = reader.any(keep)?;
                    if keep {
                        entries.push((key, value));
                    }
                    Ok(())
                })?;
                Value::Object(entries)
            }
            Some(b'[') => {
                let mut items = Vec::new();
                self.array(&mut |reader| {
                    let value = reader.any(keep)?;
                    if keep {
                        items.push(value);
                    }
                    Ok(())
                })?;
                Value::Array(items)
            }
            Some(b'"') => Value::String(self.string()?),
            Some(b'-' | b'0'..=b'9') => {
                let text = self.scan_number()?;
                self.in_range(text)?;
                Value::Number(Number::read(text))
            }
            Some(b't') => {
                self.literal("true")?;
                Value::Bool(true)
            }
            Some(b'f') => {
                self.literal("false")?;
                Value::Bool(false)
            }
            Some(b'n') => {
                self.literal("null")?;
                Value::Null
            }
            None => return Err(self.error("EOF while parsing a value")),
            Some(_) => return Err(self.error("expected value")),
        };
        Ok(if keep { value } else { Value::Null })
    }

    /// An object: `each` reads the value of every key (decoded) in order.
    pub fn object(
        &mut self,
        each: &mut dyn FnMut(&mut Reader<'a>, String) -> Result<(), Error>,
    ) -> Result<(), Error> {
        if self.peek() != Some(b'{') {
            return Err(self.invalid_type("a map"));
        }
        self.enter()?;
        if self.peek() != Some(b'}') {
            loop {
                if self.peek() != Some(b'"') {
                    return Err(self.error("key must be a string"));
                }
                let raw = self.scan_string()?;
                let key = self.decode(raw)?;
                self.colon()?;
                each(self, key)?;
                match self.peek() {
                    Some(b',') => self.pos += 1,
                    Some(b'}') => break,
                    next => return Err(self.after_item(next, b'}')),
                }
            }
        }
        self.pos += 1;
        self.depth -= 1;
        Ok(())
    }

    /// An array: `each` reads every item in order.
    pub fn array(
        &mut self,
        each: &mut dyn FnMut(&mut Reader<'a>) -> Result<(), Error>,
    ) -> Result<(), Error> {
        if self.peek() != Some(b'[') {
            return Err(self.invalid_type("a sequence"));
        }
        self.enter()?;
        if self.peek() != Some(b']') {
            loop {
                each(self)?;
                match self.peek() {
                    Some(b',') => self.pos += 1,
                    Some(b']') => break,
                    next => return Err(self.after_item(next, b']')),
                }
            }
        }
        self.pos += 1;
        self.depth -= 1;
        Ok(())
    }

    /// A record with these fields, as serde's derive read one: from an
    /// object (other keys passed over, a field given twice an error) or from
    /// an array holding the fields in order. `each` gets the field's index.
    /// Which fields must be present is the caller's check.
    pub fn record(
        &mut self,
        fields: &[&str],
        each: &mut dyn FnMut(&mut Reader<'a>, usize) -> Result<(), Error>,
    ) -> Result<(), Error> {
        if self.peek() == Some(b'[') {
            let mut index = 0;
            return self.array(&mut |reader| {
                if index == fields.len() {
                    return Err(reader.error(format!(
                        "invalid length, expected {} elements",
                        fields.len()
                    )));
                }
                index += 1;
                each(reader, index - 1)
            });
        }
        if self.peek() != Some(b'{') {
            return Err(self.invalid_type("a record"));
        }
        let mut seen = vec![false; fields.len()];
        self.object(
            &mut |reader, key| match fields.iter().position(|f| *f == key) {
                Some(index) if seen[index] => Err(reader.error(format!("duplicate field `{key}`"))),
                Some(index) => {
                    seen[index] = true;
                    each(reader, index)
                }
                None => reader.skip(),
            },
        )
    }

    /// A field's value, present or not, once a record has been read.
    pub fn required<T>(&self, field: Option<T>, name: &str) -> Result<T, Error> {
        match field {
            Some(value) => Ok(value),
            None => Err(self.missing(name)),
        }
    }

    /// The error of [`Reader::required`], out of the generic function so
    /// that each field type does not carry its own copy of the formatting.
    fn missing(&self, name: &str) -> Error {
        self.error(format!("missing field `{name}`"))
    }

    fn enter(&mut self) -> Result<(), Error> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error("recursion limit exceeded"));
        }
        self.pos += 1;
        Ok(())
    }

    fn after_item(&self, next: Option<u8>, close: u8) -> Error {
        let what = if close == b']' { "list" } else { "object" };
        match next {
            None => self.error(format!("EOF while parsing a {what}")),
            Some(_) => self.error(format!("expected `,` or `{}`", close as char)),
        }
    }

    fn key(&mut self) -> Result<(), Error> {
        if self.peek() != Some(b'"') {
            return Err(self.error("key must be a string"));
        }
        self.scan_string()?;
        self.colon()
    }

    fn colon(&mut self) -> Result<(), Error> {
        match self.peek() {
            Some(b':') => {
                self.pos += 1;
                Ok(())
            }
            None => Err(self.error("EOF while parsing an object")),
            Some(_) => Err(self.error("expected `:`")),
        }
    }

    fn scalar(&mut self) -> Result<(), Error> {
        match self.peek() {
            Some(b'"') => self.scan_string().map(drop),
            Some(b'-' | b'0'..=b'9') => self.scan_number().map(drop),
            Some(b't') => self.literal("true"),
            Some(b'f') => self.literal("false"),
            Some(b'n') => self.literal("null"),
            None => Err(self.error("EOF while parsing a value")),
            Some(_) => Err(self.error("expected value")),
        }
    }

    fn literal(&mut self, word: &str) -> Result<(), Error> {
        for expected in word.bytes() {
            match self.text.as_bytes().get(self.pos) {
                Some(&b) if b == expected => self.pos += 1,
                None => return Err(self.error("EOF while parsing a value")),
                Some(_) => return Err(self.error("expected ident")),
            }
        }
        Ok(())
    }

    /// Passes over a well-formed string; its text between the quotes.
    fn scan_string(&mut self) -> Result<&'a str, Error> {
        let bytes = self.text.as_bytes();
        let start = self.pos + 1;
        self.pos = start;
        loop {
            match bytes.get(self.pos) {
                None => return Err(self.error("EOF while parsing a string")),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(&self.text[start..self.pos - 1]);
                }
                Some(b'\\') => {
                    self.pos += 1;
                    match bytes.get(self.pos) {
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {
                            self.pos += 1
                        }
                        Some(b'u') => {
                            self.pos += 1;
                            self.hex4()?;
                        }
                        None => return Err(self.error("EOF while parsing a string")),
                        Some(_) => return Err(self.error("invalid escape")),
                    }
                }
                Some(&b) if b < 0x20 => {
                    return Err(self
                        .error("control character (\\u0000-\\u001F) found while parsing a string"))
                }
                Some(_) => self.pos += 1,
            }
        }
    }

    /// Four hex digits of a `\u` escape.
    fn hex4(&mut self) -> Result<u32, Error> {
        let mut n = 0;
        for _ in 0..4 {
            let digit = match self.text.as_bytes().get(self.pos) {
                None => return Err(self.error("EOF while parsing a string")),
                Some(&b) => (b as char).to_digit(16),
            };
            let Some(digit) = digit else {
                return Err(self.error("invalid escape"));
            };
            n = n * 16 + digit;
            self.pos += 1;
        }
        Ok(n)
    }

    /// The text of a well-formed string decoded; a `\u` escape of a
    /// surrogate must be a high one followed by a low one.
    fn decode(&self, raw: &'a str) -> Result<String, Error> {
        if !raw.contains('\\') {
            return Ok(raw.to_string());
        }
        let mut out = String::with_capacity(raw.len());
        let mut escapes = Reader::new(raw);
        let lone = || self.error("lone leading surrogate in hex escape");
        while let Some(backslash) = raw[escapes.pos..].find('\\') {
            out.push_str(&raw[escapes.pos..escapes.pos + backslash]);
            escapes.pos += backslash + 2;
            let c = match raw.as_bytes()[escapes.pos - 1] {
                b'b' => '\u{08}',
                b'f' => '\u{0c}',
                b'n' => '\n',
                b'r' => '\r',
                b't' => '\t',
                b'u' => {
                    let high = escapes.hex4().map_err(|_| lone())?;
                    let code = if (0xD800..0xDC00).contains(&high) {
                        if !raw[escapes.pos..].starts_with("\\u") {
                            return Err(lone());
                        }
                        escapes.pos += 2;
                        let low = escapes.hex4().map_err(|_| lone())?;
                        if !(0xDC00..0xE000).contains(&low) {
                            return Err(lone());
                        }
                        0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
                    } else {
                        high
                    };
                    char::from_u32(code).ok_or_else(lone)?
                }
                other => other as char,
            };
            out.push(c);
        }
        out.push_str(&raw[escapes.pos..]);
        Ok(out)
    }

    /// Passes over a well-formed number; its text.
    fn scan_number(&mut self) -> Result<&'a str, Error> {
        let bytes = self.text.as_bytes();
        let start = self.pos;
        let digits = |pos: &mut usize| {
            let from = *pos;
            while bytes.get(*pos).is_some_and(u8::is_ascii_digit) {
                *pos += 1;
            }
            *pos > from
        };
        let mut pos = self.pos;
        if bytes.get(pos) == Some(&b'-') {
            pos += 1;
        }
        let well_formed = match bytes.get(pos) {
            Some(b'0') => {
                pos += 1;
                !bytes.get(pos).is_some_and(u8::is_ascii_digit)
            }
            Some(b'1'..=b'9') => digits(&mut pos),
            _ => false,
        } && (bytes.get(pos) != Some(&b'.') || {
            pos += 1;
            digits(&mut pos)
        }) && (!matches!(bytes.get(pos), Some(b'e' | b'E')) || {
            pos += 1;
            if let Some(b'+' | b'-') = bytes.get(pos) {
                pos += 1;
            }
            digits(&mut pos)
        });
        self.pos = pos;
        if !well_formed {
            return Err(self.error("invalid number"));
        }
        Ok(&self.text[start..pos])
    }

    fn in_range(&self, number: &str) -> Result<f64, Error> {
        match crate::float::parse_f64(number) {
            Some(value) if value.is_finite() => Ok(value),
            _ => Err(self.error("number out of range")),
        }
    }
}

#[cfg(test)]
mod tests;

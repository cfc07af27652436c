//! Escapes: a `\` before a literal, a Perl class, an assertion or a
//! code point.

use super::super::class;
use super::{Error, Item, Look, Parser};

impl Parser<'_> {
    /// After a `\`.
    pub(super) fn parse_escape(&mut self) -> Result<Item, Error> {
        let Some(c) = self.current() else {
            return Err(Error("the pattern ends inside an escape"));
        };
        match c {
            '0'..='9' => return Err(Error("backreferences are not supported")),
            'p' | 'P' => return Err(Error("Unicode classes (\\p, \\P) are not supported")),
            'x' | 'u' | 'U' => return self.parse_hex(),
            'd' | 's' | 'w' | 'D' | 'S' | 'W' => {
                self.bump();
                let name = match c.to_ascii_lowercase() {
                    'd' => "digit",
                    's' => "space",
                    _ => "word",
                };
                let mut ranges = class::posix(name).unwrap_or_default();
                if c.is_ascii_uppercase() {
                    class::negate(&mut ranges);
                }
                return Ok(Item::Class(ranges));
            }
            _ => {}
        }
        self.bump();
        if is_escapable(c) {
            return Ok(self.literal(c));
        }
        Ok(match c {
            'a' => self.literal('\x07'),
            'f' => self.literal('\x0C'),
            't' => self.literal('\t'),
            'n' => self.literal('\n'),
            'r' => self.literal('\r'),
            'v' => self.literal('\x0B'),
            'A' => Item::Look(Look::Start),
            'z' => Item::Look(Look::End),
            'b' if self.is('{') => Item::Look(self.parse_word_boundary()?.unwrap_or(Look::Word)),
            'b' => Item::Look(Look::Word),
            'B' => Item::Look(Look::WordNegate),
            '<' => Item::Look(Look::WordStart),
            '>' => Item::Look(Look::WordEnd),
            _ => return Err(Error("unrecognized escape sequence")),
        })
    }

    /// `\b{start}`, `\b{end}`, `\b{start-half}`, `\b{end-half}`; `None`
    /// (with nothing read) when the brace starts a count, as in `\b{2}`.
    pub(super) fn parse_word_boundary(&mut self) -> Result<Option<Look>, Error> {
        let start = self.pos;
        let word = |c: char| c.is_ascii_alphabetic() || c == '-';
        if !self.bump_and_bump_space() {
            return Err(Error("the pattern ends inside '\\b{'"));
        }
        if !self.current().is_some_and(word) {
            self.pos = start;
            return Ok(None);
        }
        let mut name = String::new();
        while let Some(c) = self.current().filter(|&c| word(c)) {
            name.push(c);
            self.bump_and_bump_space();
        }
        if !self.is('}') {
            return Err(Error("a special word boundary is not closed with '}'"));
        }
        self.bump();
        Ok(Some(match name.as_str() {
            "start" => Look::WordStart,
            "end" => Look::WordEnd,
            "start-half" => Look::WordStartHalf,
            "end-half" => Look::WordEndHalf,
            _ => return Err(Error("unrecognized special word boundary")),
        }))
    }

    /// `\xNN`, `\uNNNN`, `\UNNNNNNNN` or any of them with `{hex}`.
    pub(super) fn parse_hex(&mut self) -> Result<Item, Error> {
        let digits = match self.current() {
            Some('x') => 2,
            Some('u') => 4,
            _ => 8,
        };
        if !self.bump_and_bump_space() {
            return Err(Error("the pattern ends inside a hexadecimal escape"));
        }
        let mut value = Some(0u32);
        let mut add = |c: char| {
            let digit = c
                .to_digit(16)
                .ok_or(Error("a hexadecimal escape has a non-hex digit"))?;
            value = value.and_then(|v| v.checked_mul(16)?.checked_add(digit));
            Ok(())
        };
        if self.is('{') {
            let mut any = false;
            while self.bump_and_bump_space() && !self.is('}') {
                add(self.current().unwrap_or_default())?;
                any = true;
            }
            if self.is_done() {
                return Err(Error("a hexadecimal escape is not closed with '}'"));
            }
            self.bump_and_bump_space();
            if !any {
                return Err(Error("a hexadecimal escape has no digits"));
            }
        } else {
            for i in 0..digits {
                if i > 0 && !self.bump_and_bump_space() {
                    return Err(Error("the pattern ends inside a hexadecimal escape"));
                }
                add(self.current().unwrap_or_default())?;
            }
            self.bump_and_bump_space();
        }
        match value.and_then(char::from_u32) {
            Some(c) => Ok(self.literal(c)),
            None => Err(Error("a hexadecimal escape is not a Unicode scalar value")),
        }
    }
}

/// A punctuation character that `\` makes literal: regex-lite's meta
/// characters, and any other ASCII but letters, digits, `<` and `>`.
fn is_escapable(c: char) -> bool {
    c.is_ascii() && !c.is_ascii_alphanumeric() && c != '<' && c != '>'
}

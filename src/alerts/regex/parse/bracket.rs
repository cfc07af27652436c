//! Bracketed classes: `[...]`, `[^...]`, ranges, and `[:name:]` inside.

use super::super::class::{self, Ranges};
use super::{Error, Item, Parser};

impl Parser<'_> {
    /// A bracketed class, from its `[` to over its `]`.
    pub(super) fn parse_class(&mut self) -> Result<Ranges, Error> {
        let unclosed = Error("a character class is not closed with ']'");
        let mut union = Vec::new();
        if !self.bump_and_bump_space() {
            return Err(unclosed);
        }
        let negated = self.is('^');
        if negated && !self.bump_and_bump_space() {
            return Err(unclosed);
        }
        while self.is('-') {
            union.push(('-', '-'));
            if !self.bump_and_bump_space() {
                return Err(unclosed);
            }
        }
        if union.is_empty() && self.is(']') {
            union.push((']', ']'));
            if !self.bump_and_bump_space() {
                return Err(unclosed);
            }
        }
        loop {
            self.bump_space();
            let Some(c) = self.current() else {
                return Err(unclosed);
            };
            let doubled = self.peek() == Some(c);
            match c {
                '[' => match self.parse_posix_class() {
                    Some(ranges) => union.extend(ranges),
                    None => return Err(Error("nested character classes are not supported")),
                },
                ']' => {
                    self.bump();
                    class::canonicalize(&mut union);
                    // Fold before negating, so `(?i)[^x]` leaves out `X`.
                    if self.flags.case_insensitive {
                        class::ascii_case_fold(&mut union);
                    }
                    if negated {
                        class::negate(&mut union);
                    }
                    return Ok(union);
                }
                '&' | '-' | '~' if doubled => {
                    return Err(Error("class set operations (&&, --, ~~) are not supported"))
                }
                _ => self.parse_class_range(&mut union)?,
            }
        }
    }

    /// One item of a class: a character, a range, or an escaped class.
    pub(super) fn parse_class_range(&mut self, union: &mut Ranges) -> Result<(), Error> {
        let first = self.parse_class_item()?;
        self.bump_space();
        if self.is_done() {
            return Err(Error("a character class is not closed with ']'"));
        }
        if !self.is('-') || matches!(self.peek_space(), Some(']' | '-')) {
            match first {
                Item::Char(c) => union.push((c, c)),
                Item::Class(ranges) => union.extend(ranges),
                Item::Look(_) => {
                    return Err(Error(
                        "an escape in a character class is not a character or class",
                    ))
                }
            }
            return Ok(());
        }
        if !self.bump_and_bump_space() {
            return Err(Error("a character class is not closed with ']'"));
        }
        let last = self.parse_class_item()?;
        let (Item::Char(start), Item::Char(end)) = (first, last) else {
            return Err(Error(
                "a range in a character class is not between two characters",
            ));
        };
        if start > end {
            return Err(Error("a range in a character class ends before it starts"));
        }
        union.push((start, end));
        Ok(())
    }

    pub(super) fn parse_class_item(&mut self) -> Result<Item, Error> {
        let c = self.current().unwrap_or_default();
        self.bump();
        if c == '\\' {
            self.parse_escape()
        } else {
            Ok(Item::Char(c))
        }
    }

    /// `[:name:]` or `[:^name:]` inside a class; `None`, with nothing read,
    /// when it is not one.
    pub(super) fn parse_posix_class(&mut self) -> Option<Ranges> {
        let start = self.pos;
        let ranges = self.read_posix_class();
        if ranges.is_none() {
            self.pos = start;
        }
        ranges
    }

    pub(super) fn read_posix_class(&mut self) -> Option<Ranges> {
        if !self.bump() || !self.is(':') || !self.bump() {
            return None;
        }
        let negated = self.is('^');
        if negated && !self.bump() {
            return None;
        }
        let name_start = self.pos;
        while !self.is(':') && self.bump() {}
        if self.is_done() {
            return None;
        }
        let name = &self.pattern[name_start..self.pos];
        if !self.bump_if(":]") {
            return None;
        }
        let mut ranges = class::posix(name)?;
        if negated {
            class::negate(&mut ranges);
        }
        Some(ranges)
    }
}

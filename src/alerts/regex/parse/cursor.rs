//! Moving through the pattern, and over what `x` lets it skip.

use super::Parser;

impl Parser<'_> {
    pub(super) fn current(&self) -> Option<char> {
        self.pattern[self.pos..].chars().next()
    }

    pub(super) fn is(&self, c: char) -> bool {
        self.current() == Some(c)
    }

    pub(super) fn is_done(&self) -> bool {
        self.pos == self.pattern.len()
    }

    /// Steps over one character; false when that reaches the end.
    pub(super) fn bump(&mut self) -> bool {
        if let Some(c) = self.current() {
            self.pos += c.len_utf8();
        }
        !self.is_done()
    }

    pub(super) fn bump_if(&mut self, prefix: &str) -> bool {
        let found = self.pattern[self.pos..].starts_with(prefix);
        if found {
            self.pos += prefix.len();
        }
        found
    }

    pub(super) fn bump_and_bump_space(&mut self) -> bool {
        if !self.bump() {
            return false;
        }
        self.bump_space();
        !self.is_done()
    }

    /// Under `x`, skips whitespace and `#` comments.
    pub(super) fn bump_space(&mut self) {
        if !self.flags.ignore_whitespace {
            return;
        }
        while let Some(c) = self.current() {
            if c.is_whitespace() {
                self.bump();
            } else if c == '#' {
                self.bump();
                while let Some(c) = self.current() {
                    self.bump();
                    if c == '\n' {
                        break;
                    }
                }
            } else {
                break;
            }
        }
    }

    pub(super) fn peek(&self) -> Option<char> {
        let mut rest = self.pattern[self.pos..].chars();
        rest.next()?;
        rest.next()
    }

    /// The next character under `x`, as regex-lite finds it (a comment ends
    /// at its first non-space character, as there).
    pub(super) fn peek_space(&self) -> Option<char> {
        if !self.flags.ignore_whitespace {
            return self.peek();
        }
        let mut start = self.pos + self.current()?.len_utf8();
        let mut in_comment = false;
        for (i, c) in self.pattern[start..].char_indices() {
            if c.is_whitespace() {
                continue;
            } else if !in_comment && c == '#' {
                in_comment = true;
            } else if in_comment && c == '\n' {
                in_comment = false;
            } else {
                start += i;
                break;
            }
        }
        self.pattern[start..].chars().next()
    }
}

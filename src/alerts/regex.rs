//! The regular expressions of label matchers (`=~`, `!~`). They keep the
//! syntax, limits and answers of regex-lite 0.1 (the tests' oracle), so a
//! matcher means what it always meant, in far less code and without the
//! hash seed import regex-lite brought. A pattern is parsed to a tree,
//! compiled to a Thompson automaton, and run over the haystack's characters
//! with a set of live states, so matching takes time linear in the haystack
//! whatever the pattern, and memory bounded by the (size-limited) automaton.

mod class;
mod compile;
mod parse;
#[cfg(test)]
mod tests;

use std::fmt;

use compile::{Program, State, StateId};
use parse::Look;

/// Why a pattern does not compile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(&'static str);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// A compiled pattern.
pub struct Regex {
    program: Program,
}

impl Regex {
    /// Rejects what regex-lite rejects: unsupported syntax (look-around,
    /// backreferences, Unicode classes), nesting deeper than 50, or an
    /// automaton over its 10 MiB limit.
    pub fn new(pattern: &str) -> Result<Regex, Error> {
        let tree = parse::parse(pattern)?;
        let program = compile::compile(&tree)?;
        Ok(Regex { program })
    }

    /// Whether the pattern matches anywhere in `haystack`.
    pub fn is_match(&self, haystack: &str) -> bool {
        let mut run = Run {
            states: &self.program.states,
            seen: vec![0; self.program.states.len()],
            stack: Vec::new(),
        };
        let (mut current, mut next) = (Vec::new(), Vec::new());
        let mut chars = haystack.chars();
        let mut at = Position {
            before: None,
            after: chars.next(),
        };
        // Each position has its own mark in `seen`, so a state joins the
        // set of a position once.
        let mut mark = 1;
        loop {
            if run.close(self.program.start, mark, at, &mut current) {
                return true;
            }
            let Some(c) = at.after else { return false };
            let following = Position {
                before: Some(c),
                after: chars.next(),
            };
            for &id in &current {
                let target = match &run.states[id as usize] {
                    State::Char(want, target) if *want == c => *target,
                    State::Ranges(ranges, target)
                        if ranges.iter().any(|&(start, end)| start <= c && c <= end) =>
                    {
                        *target
                    }
                    _ => continue,
                };
                if run.close(target, mark + 1, following, &mut next) {
                    return true;
                }
            }
            std::mem::swap(&mut current, &mut next);
            next.clear();
            mark += 1;
            at = following;
        }
    }
}

/// The characters either side of a position in the haystack.
#[derive(Clone, Copy)]
struct Position {
    before: Option<char>,
    after: Option<char>,
}

impl Position {
    fn holds(self, look: Look) -> bool {
        let (before, after) = (self.before, self.after);
        let word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
        let (word_before, word_after) = (word(before), word(after));
        let line_start = matches!(before, None | Some('\n'));
        match look {
            Look::Start => before.is_none(),
            Look::End => after.is_none(),
            Look::StartLF => line_start,
            Look::EndLF => matches!(after, None | Some('\n')),
            Look::StartCRLF => line_start || (before == Some('\r') && after != Some('\n')),
            Look::EndCRLF => {
                matches!(after, None | Some('\r')) || (after == Some('\n') && before != Some('\r'))
            }
            Look::Word => word_before != word_after,
            Look::WordNegate => word_before == word_after,
            Look::WordStart => !word_before && word_after,
            Look::WordEnd => word_before && !word_after,
            Look::WordStartHalf => !word_before,
            Look::WordEndHalf => !word_after,
        }
    }
}

/// The scratch space of one search.
struct Run<'p> {
    states: &'p [State],
    /// The mark of the last position each state joined.
    seen: Vec<usize>,
    stack: Vec<StateId>,
}

impl Run<'_> {
    /// Adds to `live` the states that read a character and that `id`
    /// reaches without reading one at `at`; true if that reaches the match.
    fn close(&mut self, id: StateId, mark: usize, at: Position, live: &mut Vec<StateId>) -> bool {
        self.stack.clear();
        self.stack.push(id);
        while let Some(id) = self.stack.pop() {
            if std::mem::replace(&mut self.seen[id as usize], mark) == mark {
                continue;
            }
            match &self.states[id as usize] {
                State::Char(..) | State::Ranges(..) => live.push(id),
                State::Splits(targets) => self.stack.extend(targets),
                State::Goto(target) => self.stack.push(*target),
                State::Look(look, target) if at.holds(*look) => self.stack.push(*target),
                State::Look(..) | State::Fail => {}
                State::Match => return true,
            }
        }
        false
    }
}

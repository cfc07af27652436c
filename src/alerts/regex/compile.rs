//! The tree as a Thompson automaton, built state for state as regex-lite
//! builds it, so that its size limit (10 MiB as it counts memory) rejects
//! exactly the patterns regex-lite rejects, and compiling stops there.

use std::mem::size_of;

use super::class::Ranges;
use super::parse::{Hir, Look, Tree};
use super::Error;

/// regex-lite's default limit on the compiled automaton.
const SIZE_LIMIT: usize = 10 << 20;
/// What regex-lite counts for each of its states: its state enum is three
/// words and eight bytes (32 bytes on 64-bit targets, 20 on wasm32).
const STATE_BYTES: usize = 3 * size_of::<usize>() + 8;
/// What it counts for each capture group: an `Option<Arc<str>>`.
const GROUP_BYTES: usize = 2 * size_of::<usize>();

pub(super) type StateId = u32;

/// A state; targets are indexes into the program.
pub(super) enum State {
    Char(char, StateId),
    Ranges(Ranges, StateId),
    Splits(Vec<StateId>),
    /// An empty step: regex-lite's empty `Goto` and capture states.
    Goto(StateId),
    Look(Look, StateId),
    Fail,
    Match,
}

pub(super) struct Program {
    pub states: Vec<State>,
    pub start: StateId,
}

/// A fragment: where it starts, and the state whose exit is still open.
#[derive(Clone, Copy)]
struct Fragment {
    start: StateId,
    end: StateId,
}

struct Compiler<'t> {
    tree: &'t Tree,
    states: Vec<State>,
    /// Capture groups compiled so far (regex-lite's names table).
    groups: usize,
    /// Bytes regex-lite counts beyond its states and groups.
    extra: usize,
}

pub(super) fn compile(tree: &Tree) -> Result<Program, Error> {
    let mut compiler = Compiler {
        tree,
        states: Vec::new(),
        groups: 0,
        extra: 0,
    };
    let whole = compiler.capture(0, 0, tree.root)?;
    let matched = compiler.add(State::Match)?;
    compiler.patch(whole.end, matched)?;
    Ok(Program {
        states: compiler.states,
        start: whole.start,
    })
}

impl Compiler<'_> {
    fn node(&mut self, node: usize) -> Result<Fragment, Error> {
        let tree = self.tree;
        match &tree.nodes[node].hir {
            Hir::Empty => self.single(State::Goto(0)),
            Hir::Char(c) => self.single(State::Char(*c, 0)),
            Hir::Class(ranges) if ranges.is_empty() => self.single(State::Fail),
            Hir::Class(ranges) => self.single(State::Ranges(ranges.clone(), 0)),
            Hir::Look(look) => self.single(State::Look(*look, 0)),
            &Hir::Repeat { min, max, sub } => match max {
                Some(1) if min == 0 => self.zero_or_one(sub),
                None => self.at_least(sub, min),
                Some(max) if max == min => self.exactly(sub, min),
                Some(max) => self.bounded(sub, min, max),
            },
            &Hir::Capture {
                index,
                name_len,
                sub,
            } => self.capture(index, name_len, sub),
            Hir::Concat(subs) => self.chain(subs.len(), |c, i| c.node(subs[i])),
            Hir::Alternation(subs) => {
                let splits = self.add(State::Splits(Vec::new()))?;
                let end = self.add(State::Goto(0))?;
                for &sub in subs {
                    let branch = self.node(sub)?;
                    self.patch(splits, branch.start)?;
                    self.patch(branch.end, end)?;
                }
                Ok(Fragment { start: splits, end })
            }
        }
    }

    /// A fragment of one state.
    fn single(&mut self, state: State) -> Result<Fragment, Error> {
        let id = self.add(state)?;
        Ok(Fragment { start: id, end: id })
    }

    /// `count` fragments in a row, the `i`th compiled by `part`; an empty
    /// step for none.
    fn chain(
        &mut self,
        count: usize,
        part: impl Fn(&mut Self, usize) -> Result<Fragment, Error>,
    ) -> Result<Fragment, Error> {
        if count == 0 {
            return self.single(State::Goto(0));
        }
        let first = part(self, 0)?;
        let mut end = first.end;
        for i in 1..count {
            let next = part(self, i)?;
            self.patch(end, next.start)?;
            end = next.end;
        }
        Ok(Fragment {
            start: first.start,
            end,
        })
    }

    fn exactly(&mut self, sub: usize, count: u32) -> Result<Fragment, Error> {
        self.chain(count as usize, |c, _| c.node(sub))
    }

    fn zero_or_one(&mut self, sub: usize) -> Result<Fragment, Error> {
        let splits = self.add(State::Splits(Vec::new()))?;
        let once = self.node(sub)?;
        let end = self.add(State::Goto(0))?;
        self.patch(splits, once.start)?;
        self.patch(splits, end)?;
        self.patch(once.end, end)?;
        Ok(Fragment { start: splits, end })
    }

    /// `{min,max}`: `min` copies, then `max - min` optional ones that each
    /// may skip to the end.
    fn bounded(&mut self, sub: usize, min: u32, max: u32) -> Result<Fragment, Error> {
        let prefix = self.exactly(sub, min)?;
        let end = self.add(State::Goto(0))?;
        let mut last = prefix.end;
        for _ in min..max {
            let splits = self.add(State::Splits(Vec::new()))?;
            let copy = self.node(sub)?;
            self.patch(last, splits)?;
            self.patch(splits, copy.start)?;
            self.patch(splits, end)?;
            last = copy.end;
        }
        self.patch(last, end)?;
        Ok(Fragment {
            start: prefix.start,
            end,
        })
    }

    /// `{min,}`, in the three shapes regex-lite gives it (`x*` of an `x`
    /// that can match empty is `(x+)?`).
    fn at_least(&mut self, sub: usize, min: u32) -> Result<Fragment, Error> {
        if min == 0 && !self.tree.nodes[sub].matches_empty {
            let splits = self.add(State::Splits(Vec::new()))?;
            let once = self.node(sub)?;
            self.patch(splits, once.start)?;
            self.patch(once.end, splits)?;
            return Ok(Fragment {
                start: splits,
                end: splits,
            });
        }
        if min == 0 {
            let once = self.node(sub)?;
            let plus = self.add(State::Splits(Vec::new()))?;
            self.patch(once.end, plus)?;
            self.patch(plus, once.start)?;
            let question = self.add(State::Splits(Vec::new()))?;
            let end = self.add(State::Goto(0))?;
            self.patch(question, once.start)?;
            self.patch(question, end)?;
            self.patch(plus, end)?;
            return Ok(Fragment {
                start: question,
                end,
            });
        }
        let prefix = match min {
            1 => None,
            _ => Some(self.exactly(sub, min - 1)?),
        };
        let last = self.node(sub)?;
        let splits = self.add(State::Splits(Vec::new()))?;
        if let Some(prefix) = prefix {
            self.patch(prefix.end, last.start)?;
        }
        self.patch(last.end, splits)?;
        self.patch(splits, last.start)?;
        Ok(Fragment {
            start: prefix.map_or(last.start, |prefix| prefix.start),
            end: splits,
        })
    }

    fn capture(&mut self, index: u32, name_len: usize, sub: usize) -> Result<Fragment, Error> {
        let index = index as usize;
        if index >= self.groups {
            self.groups = index + 1;
            if name_len > 0 {
                self.extra += name_len + size_of::<u32>();
            }
        }
        let start = self.add(State::Goto(0))?;
        let inner = self.node(sub)?;
        let end = self.add(State::Goto(0))?;
        self.patch(start, inner.start)?;
        self.patch(inner.end, end)?;
        Ok(Fragment { start, end })
    }

    fn add(&mut self, state: State) -> Result<StateId, Error> {
        if let State::Ranges(ranges, _) = &state {
            self.extra += ranges.len() * size_of::<(char, char)>();
        }
        self.states.push(state);
        self.check_size()?;
        Ok(self.states.len() as StateId - 1)
    }

    /// Points the open exit of `from` at `to` (a split gains one more way).
    fn patch(&mut self, from: StateId, to: StateId) -> Result<(), Error> {
        match &mut self.states[from as usize] {
            State::Char(_, target)
            | State::Ranges(_, target)
            | State::Goto(target)
            | State::Look(_, target) => *target = to,
            State::Splits(targets) => {
                targets.push(to);
                self.extra += size_of::<StateId>();
                self.check_size()?;
            }
            State::Fail | State::Match => {}
        }
        Ok(())
    }

    fn check_size(&self) -> Result<(), Error> {
        let bytes = self.states.len() * STATE_BYTES + self.groups * GROUP_BYTES + self.extra;
        if bytes > SIZE_LIMIT {
            return Err(Error(
                "the compiled pattern is over the 10 MiB size limit (a large count {n} or a long pattern)",
            ));
        }
        Ok(())
    }
}

//! The pattern's syntax, read as regex-lite 0.1 reads it: the same
//! constructs, the same flags, the same rejections, the same simplified tree
//! (its shape decides the nesting and size limits). Nodes live in one arena,
//! so even a tree too deep to accept is dropped without recursion.

mod bracket;
mod cursor;
mod escape;

use super::class::{self, Ranges};
use super::Error;

/// regex-lite's nesting limit, for both the parser's calls and the tree.
const NEST_LIMIT: u32 = 50;

/// A zero-width assertion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Look {
    Start,
    End,
    StartLF,
    EndLF,
    StartCRLF,
    EndCRLF,
    Word,
    WordNegate,
    WordStart,
    WordEnd,
    WordStartHalf,
    WordEndHalf,
}

/// A node of the tree; sub-expressions are arena indexes.
pub(super) enum Hir {
    Empty,
    Char(char),
    Class(Ranges),
    Look(Look),
    Repeat {
        min: u32,
        max: Option<u32>,
        sub: usize,
    },
    /// `name_len` is 0 for an unnamed group (names are never empty).
    Capture {
        index: u32,
        name_len: usize,
        sub: usize,
    },
    Concat(Vec<usize>),
    Alternation(Vec<usize>),
}

pub(super) struct Node {
    pub hir: Hir,
    /// Whether it can match the empty string (it decides how `x*` compiles).
    pub matches_empty: bool,
}

/// A parsed pattern: its arena and the index of the root.
pub(super) struct Tree {
    pub nodes: Vec<Node>,
    pub root: usize,
}

/// What an escape or a single character stands for, before it becomes a
/// node (a class range needs to tell a character from a class).
enum Item {
    Char(char),
    Class(Ranges),
    Look(Look),
}

#[derive(Clone, Copy, Default)]
struct Flags {
    case_insensitive: bool,
    multi_line: bool,
    dot_matches_new_line: bool,
    crlf: bool,
    ignore_whitespace: bool,
}

pub(super) fn parse(pattern: &str) -> Result<Tree, Error> {
    let mut parser = Parser {
        pattern,
        pos: 0,
        depth: 0,
        captures: 0,
        flags: Flags::default(),
        names: Vec::new(),
        nodes: Vec::new(),
    };
    let root = parser.parse_inner()?;
    let tree = Tree {
        nodes: parser.nodes,
        root,
    };
    check_nesting(&tree, root, 0)?;
    Ok(tree)
}

/// The tree's own depth, which repetitions can grow without any parser call.
fn check_nesting(tree: &Tree, node: usize, depth: u32) -> Result<(), Error> {
    if depth > NEST_LIMIT {
        return Err(Error("the pattern nests too deeply (more than 50 levels)"));
    }
    match &tree.nodes[node].hir {
        Hir::Repeat { sub, .. } | Hir::Capture { sub, .. } => check_nesting(tree, *sub, depth + 1),
        Hir::Concat(subs) | Hir::Alternation(subs) => subs
            .iter()
            .try_for_each(|&sub| check_nesting(tree, sub, depth + 1)),
        _ => Ok(()),
    }
}

struct Parser<'a> {
    pattern: &'a str,
    pos: usize,
    depth: u32,
    captures: u32,
    flags: Flags,
    names: Vec<&'a str>,
    nodes: Vec<Node>,
}

/// Building nodes, simplified as regex-lite's constructors simplify them.
impl Parser<'_> {
    fn node(&mut self, hir: Hir, matches_empty: bool) -> usize {
        self.nodes.push(Node { hir, matches_empty });
        self.nodes.len() - 1
    }

    fn empty(&mut self) -> usize {
        self.node(Hir::Empty, true)
    }

    fn item(&mut self, item: Item) -> usize {
        match item {
            Item::Char(c) => self.node(Hir::Char(c), false),
            Item::Class(ranges) => self.node(Hir::Class(ranges), false),
            Item::Look(look) => self.node(Hir::Look(look), true),
        }
    }

    fn repeat(&mut self, min: u32, max: Option<u32>, sub: usize) -> usize {
        match (min, max) {
            (0, Some(0)) => self.empty(),
            (1, Some(1)) => sub,
            _ => {
                let matches_empty = min == 0 || self.nodes[sub].matches_empty;
                self.node(Hir::Repeat { min, max, sub }, matches_empty)
            }
        }
    }

    fn concat(&mut self, mut subs: Vec<usize>) -> usize {
        match subs.len() {
            0 => self.empty(),
            1 => subs.pop().unwrap_or_default(),
            _ => {
                let matches_empty = subs.iter().all(|&s| self.nodes[s].matches_empty);
                self.node(Hir::Concat(subs), matches_empty)
            }
        }
    }

    fn alternation(&mut self, mut subs: Vec<usize>) -> usize {
        match subs.len() {
            0 => self.node(Hir::Class(Vec::new()), false),
            1 => subs.pop().unwrap_or_default(),
            _ => {
                let matches_empty = subs.iter().any(|&s| self.nodes[s].matches_empty);
                self.node(Hir::Alternation(subs), matches_empty)
            }
        }
    }

    fn capture(&mut self, index: u32, name_len: usize, sub: usize) -> usize {
        let matches_empty = self.nodes[sub].matches_empty;
        self.node(
            Hir::Capture {
                index,
                name_len,
                sub,
            },
            matches_empty,
        )
    }

    /// A literal, or under `i` a class of both its ASCII cases.
    fn literal(&self, c: char) -> Item {
        match class::fold_range((c, c)) {
            Some(folded) if self.flags.case_insensitive => {
                let mut ranges = vec![(c, c), folded];
                class::canonicalize(&mut ranges);
                Item::Class(ranges)
            }
            _ => Item::Char(c),
        }
    }
}

/// The grammar.
impl<'a> Parser<'a> {
    fn parse_inner(&mut self) -> Result<usize, Error> {
        let depth = self.depth;
        if depth > NEST_LIMIT {
            return Err(Error("the pattern nests too deeply (more than 50 levels)"));
        }
        self.depth += 1;
        let (mut alternates, mut concat) = (Vec::new(), Vec::new());
        loop {
            self.bump_space();
            let Some(c) = self.current() else { break };
            match c {
                '(' => {
                    let outer = self.flags;
                    if let Some(sub) = self.parse_group()? {
                        concat.push(sub);
                        self.flags = outer;
                    }
                    if !self.is(')') {
                        return Err(Error("a group is not closed with ')'"));
                    }
                    self.bump();
                }
                ')' if depth == 0 => return Err(Error("a ')' closes no group")),
                ')' => break,
                '|' => {
                    let branch = self.concat(std::mem::take(&mut concat));
                    alternates.push(branch);
                    self.bump();
                }
                '[' => {
                    let ranges = self.parse_class()?;
                    concat.push(self.node(Hir::Class(ranges), false));
                }
                '?' | '*' | '+' => {
                    let sub = concat
                        .pop()
                        .ok_or(Error("a repetition operator follows nothing"))?;
                    let (min, max) = match c {
                        '?' => (0, Some(1)),
                        '*' => (0, None),
                        _ => (1, None),
                    };
                    // Greed does not change whether there is a match.
                    if self.bump() && self.is('?') {
                        self.bump();
                    }
                    concat.push(self.repeat(min, max, sub));
                }
                '{' => {
                    let sub = concat
                        .pop()
                        .ok_or(Error("a repetition operator follows nothing"))?;
                    let (min, max) = self.parse_counts()?;
                    concat.push(self.repeat(min, max, sub));
                }
                _ => {
                    let item = self.parse_primitive()?;
                    concat.push(self.item(item));
                }
            }
        }
        self.depth -= 1;
        let last = self.concat(concat);
        alternates.push(last);
        Ok(self.alternation(alternates))
    }

    fn parse_primitive(&mut self) -> Result<Item, Error> {
        let c = self.current().unwrap_or_default();
        self.bump();
        let flags = self.flags;
        Ok(match c {
            '\\' => return self.parse_escape(),
            '.' if flags.dot_matches_new_line => Item::Class(vec![('\0', char::MAX)]),
            '.' if flags.crlf => {
                Item::Class(vec![('\0', '\t'), ('\x0B', '\x0C'), ('\x0E', char::MAX)])
            }
            '.' => Item::Class(vec![('\0', '\t'), ('\x0B', char::MAX)]),
            '^' => Item::Look(match (flags.multi_line, flags.crlf) {
                (false, _) => Look::Start,
                (true, false) => Look::StartLF,
                (true, true) => Look::StartCRLF,
            }),
            '$' => Item::Look(match (flags.multi_line, flags.crlf) {
                (false, _) => Look::End,
                (true, false) => Look::EndLF,
                (true, true) => Look::EndCRLF,
            }),
            c => self.literal(c),
        })
    }

    fn parse_counts(&mut self) -> Result<(u32, Option<u32>), Error> {
        let unclosed = Error("a counted repetition is not closed with '}'");
        if !self.bump_and_bump_space() {
            return Err(unclosed);
        }
        let min = self.parse_decimal()?;
        let mut max = Some(min);
        if self.is(',') {
            if !self.bump_and_bump_space() {
                return Err(unclosed);
            }
            max = if self.is('}') {
                None
            } else {
                Some(self.parse_decimal()?)
            };
        }
        if !self.is('}') {
            return Err(unclosed);
        }
        if self.bump_and_bump_space() && self.is('?') {
            self.bump();
        }
        if max.is_some_and(|max| min > max) {
            return Err(Error("a counted repetition's minimum is above its maximum"));
        }
        Ok((min, max))
    }

    fn parse_decimal(&mut self) -> Result<u32, Error> {
        while self.current().is_some_and(char::is_whitespace) {
            self.bump();
        }
        let mut value = None::<Option<u32>>;
        while let Some(digit) = self.current().and_then(|c| c.to_digit(10)) {
            let before = value.unwrap_or(Some(0));
            value = Some(before.and_then(|v| v.checked_mul(10)?.checked_add(digit)));
            self.bump_and_bump_space();
        }
        while self.current().is_some_and(char::is_whitespace) {
            self.bump_and_bump_space();
        }
        value
            .ok_or(Error("a counted repetition has no number"))?
            .ok_or(Error("a counted repetition's number is too big"))
    }

    /// After `(`: a group, or `None` for flags that apply to the rest of
    /// the enclosing group.
    fn parse_group(&mut self) -> Result<Option<usize>, Error> {
        self.bump_and_bump_space();
        if ["?=", "?!", "?<=", "?<!"].iter().any(|p| self.bump_if(p)) {
            return Err(Error("look-around is not supported"));
        }
        if self.bump_if("?P<") || self.bump_if("?<") {
            let index = self.next_capture_index()?;
            let name_len = self.parse_capture_name()?;
            let sub = self.parse_inner()?;
            return Ok(Some(self.capture(index, name_len, sub)));
        }
        if self.bump_if("?") {
            if self.is_done() {
                return Err(Error("a group is not closed with ')'"));
            }
            let start = self.pos;
            self.flags = self.parse_flags()?;
            if self.is(')') {
                if self.pos == start {
                    return Err(Error("empty flags '(?)' are not allowed"));
                }
                return Ok(None);
            }
            self.bump();
            return self.parse_inner().map(Some);
        }
        let index = self.next_capture_index()?;
        let sub = self.parse_inner()?;
        Ok(Some(self.capture(index, 0, sub)))
    }

    fn next_capture_index(&mut self) -> Result<u32, Error> {
        self.captures = self
            .captures
            .checked_add(1)
            .ok_or(Error("too many capture groups"))?;
        Ok(self.captures)
    }

    /// After `(?P<` or `(?<`; the name's length in bytes.
    fn parse_capture_name(&mut self) -> Result<usize, Error> {
        let invalid =
            Error("a group name is not a letter or '_' then letters, digits, '_', '.', '[' or ']'");
        let start = self.pos;
        while let Some(c) = self.current().filter(|&c| c != '>') {
            let first = self.pos == start;
            let valid = c == '_'
                || if first {
                    c.is_alphabetic()
                } else {
                    matches!(c, '.' | '[' | ']') || c.is_alphanumeric()
                };
            if !valid {
                return Err(invalid);
            }
            self.bump();
        }
        let name = &self.pattern[start..self.pos];
        if self.is_done() {
            return Err(Error("a group name is not closed with '>'"));
        }
        self.bump();
        if name.is_empty() {
            return Err(Error("a group name is empty"));
        }
        match self.names.binary_search(&name) {
            Ok(_) => Err(Error("two groups have the same name")),
            Err(at) => {
                self.names.insert(at, name);
                Ok(name.len())
            }
        }
    }

    /// The flags after `(?`, up to (not over) the `:` or `)`.
    fn parse_flags(&mut self) -> Result<Flags, Error> {
        let mut flags = self.flags;
        let (mut negate, mut last_was_negation) = (false, false);
        let mut seen = [false; 128];
        while let Some(c) = self.current().filter(|&c| c != ':' && c != ')') {
            if c == '-' {
                if negate {
                    return Err(Error("a flag group has two '-'"));
                }
                (negate, last_was_negation) = (true, true);
            } else {
                last_was_negation = false;
                let on = !negate;
                match c {
                    'i' => flags.case_insensitive = on,
                    'm' => flags.multi_line = on,
                    's' => flags.dot_matches_new_line = on,
                    'R' => flags.crlf = on,
                    'x' => flags.ignore_whitespace = on,
                    // Greed does not change whether there is a match; `u`
                    // is accepted and ignored, as regex-lite does.
                    'U' | 'u' => {}
                    _ => return Err(Error("unrecognized flag (i, m, s, R, U, u and x are)")),
                }
                if std::mem::replace(&mut seen[c as usize], true) {
                    return Err(Error("a flag is repeated"));
                }
            }
            if !self.bump() {
                return Err(Error("flags are not closed with ':' or ')'"));
            }
        }
        if last_was_negation {
            return Err(Error("flags end with '-'"));
        }
        Ok(flags)
    }
}

//! jsonpath2's ANTLR grammar (`jsonpath2/parser/JSONPath.g4`, 0.4.5) in
//! winnow: a lexer with ANTLR's rules (longest token wins, keywords before
//! identifiers, whitespace skipped), then the grammar over the tokens, then
//! what jsonpath2's tree listener adds (unknown functions fail, `and`/`or`
//! chains flatten, `not not x` is `x`).

use serde_json::{Map, Number, Value};
use winnow::combinator::{alt, delimited, eof, opt, preceded, repeat, separated, terminated};
use winnow::error::ContextError;
use winnow::prelude::*;
use winnow::stream::TokenSlice;
use winnow::token::{any, one_of, take_while};

use super::{
    CompareOp, Expr, Function, JsonPath, Operand, ParseError, RelPath, Selector, Step, MAX_NESTING,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    At,
    DotDot,
    Dollar,
    Dot,
    Star,
    And,
    Eq,
    Ge,
    Gt,
    Le,
    Lt,
    Ne,
    Not,
    Or,
    True,
    False,
    Null,
    BraceLeft,
    BraceRight,
    BracketLeft,
    BracketRight,
    Colon,
    Comma,
    ParenLeft,
    ParenRight,
    Question,
    Id,
    Str,
    Number,
    Eof,
}

#[derive(Clone, Debug, PartialEq)]
struct Token<'s> {
    kind: Kind,
    text: &'s str,
    /// Offset in characters, for messages.
    at: usize,
}

type Tokens<'i> = TokenSlice<'i, Token<'i>>;

impl<'i> Parser<Tokens<'i>, &'i Token<'i>, ContextError> for Kind {
    fn parse_next(&mut self, input: &mut Tokens<'i>) -> winnow::Result<&'i Token<'i>> {
        let kind = *self;
        any.verify(|token: &&Token<'_>| token.kind == kind)
            .parse_next(input)
    }
}

/// Parses a whole path, or says why not.
pub(super) fn parse(text: &str) -> Result<JsonPath, ParseError> {
    let tokens = lex(text)?;
    let mut depth = 0usize;
    for token in &tokens {
        match token.kind {
            Kind::BracketLeft | Kind::BraceLeft | Kind::ParenLeft => depth += 1,
            Kind::BracketRight | Kind::BraceRight | Kind::ParenRight => {
                depth = depth.saturating_sub(1)
            }
            _ => {}
        }
        if depth > MAX_NESTING {
            return Err(ParseError::TooDeep);
        }
    }
    // jsonpath2's tree listener rejects an unknown function only once the
    // grammar has matched: parse as if it were known, then say so.
    let unknown = tokens
        .windows(2)
        .find(|pair| {
            pair[0].kind == Kind::Id
                && pair[1].kind == Kind::ParenLeft
                && Function::named(pair[0].text).is_none()
        })
        .map(|pair| pair[0].text);
    let known: Vec<Token<'_>> = tokens
        .iter()
        .zip(
            tokens
                .iter()
                .skip(1)
                .map(|next| next.kind)
                .chain([Kind::Eof]),
        )
        .map(|(token, next)| match (token.kind, next) {
            (Kind::Id, Kind::ParenLeft) if Function::named(token.text).is_none() => Token {
                text: "length",
                ..token.clone()
            },
            _ => token.clone(),
        })
        .collect();
    match (jsonpath.parse(Tokens::new(&known)), unknown) {
        (Ok(_), Some(name)) => Err(ParseError::UnknownFunction(name.to_string())),
        (Ok(path), None) => Ok(path),
        (Err(error), _) => {
            let token = &known[error.offset().min(known.len() - 1)];
            Err(match token.kind {
                Kind::Eof => ParseError::EndsEarly,
                _ => ParseError::Unexpected {
                    token: token.text.to_string(),
                    at: token.at + 1,
                },
            })
        }
    }
}

// The lexer.

fn lex(text: &str) -> Result<Vec<Token<'_>>, ParseError> {
    let mut rest = text;
    let mut tokens = Vec::new();
    loop {
        rest = rest.trim_start_matches([' ', '\t', '\n', '\r']);
        let at = text[..text.len() - rest.len()].chars().count();
        if rest.is_empty() {
            tokens.push(Token {
                kind: Kind::Eof,
                text: "",
                at,
            });
            return Ok(tokens);
        }
        let (kind, taken) =
            token
                .with_taken()
                .parse_next(&mut rest)
                .map_err(|_: ContextError| ParseError::UnknownToken {
                    at: at + 1,
                    found: rest.chars().take(1).collect(),
                })?;
        tokens.push(Token {
            kind,
            text: taken,
            at,
        });
    }
}

fn token(input: &mut &str) -> winnow::Result<Kind> {
    alt((
        punctuation,
        word,
        string.value(Kind::Str),
        number.value(Kind::Number),
    ))
    .parse_next(input)
}

/// Two-character tokens before their one-character prefixes.
fn punctuation(input: &mut &str) -> winnow::Result<Kind> {
    alt(("..", ">=", "<=", "!=", any.take()))
        .verify_map(|text: &str| {
            Some(match text {
                ".." => Kind::DotDot,
                ">=" => Kind::Ge,
                "<=" => Kind::Le,
                "!=" => Kind::Ne,
                "@" => Kind::At,
                "$" => Kind::Dollar,
                "." => Kind::Dot,
                "*" => Kind::Star,
                "=" => Kind::Eq,
                ">" => Kind::Gt,
                "<" => Kind::Lt,
                "{" => Kind::BraceLeft,
                "}" => Kind::BraceRight,
                "[" => Kind::BracketLeft,
                "]" => Kind::BracketRight,
                ":" => Kind::Colon,
                "," => Kind::Comma,
                "(" => Kind::ParenLeft,
                ")" => Kind::ParenRight,
                "?" => Kind::Question,
                _ => return None,
            })
        })
        .parse_next(input)
}

/// `[_A-Za-z][_A-Za-z0-9]*`; a keyword when it is exactly one.
fn word(input: &mut &str) -> winnow::Result<Kind> {
    (
        one_of(|c: char| c == '_' || c.is_ascii_alphabetic()),
        take_while(0.., |c: char| c == '_' || c.is_ascii_alphanumeric()),
    )
        .take()
        .map(|text: &str| match text {
            "and" => Kind::And,
            "not" => Kind::Not,
            "or" => Kind::Or,
            "true" => Kind::True,
            "false" => Kind::False,
            "null" => Kind::Null,
            _ => Kind::Id,
        })
        .parse_next(input)
}

/// `"` then escapes (`\` and one of `"\/bfnrt`, or `u` and four hex
/// digits) or any character but `"`, `\` and controls, then `"`.
fn string<'s>(input: &mut &'s str) -> winnow::Result<&'s str> {
    let escape = preceded(
        '\\',
        alt((
            one_of(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']).void(),
            ('u', take_while(4, |c: char| c.is_ascii_hexdigit())).void(),
        )),
    );
    let plain = one_of(|c: char| c != '"' && c != '\\' && c >= '\u{20}').void();
    delimited(
        '"',
        repeat::<_, _, (), _, _>(0.., alt((escape, plain))),
        '"',
    )
    .take()
    .parse_next(input)
}

/// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([Ee] [+-]? INT)?`, each optional part
/// taken only when whole (ANTLR backs off to the longest full token).
fn number<'s>(input: &mut &'s str) -> winnow::Result<&'s str> {
    fn int<'s>(input: &mut &'s str) -> winnow::Result<&'s str> {
        alt((
            "0",
            (
                one_of('1'..='9'),
                take_while(0.., |c: char| c.is_ascii_digit()),
            )
                .take(),
        ))
        .parse_next(input)
    }
    (
        opt('-'),
        int,
        opt(('.', take_while(1.., |c: char| c.is_ascii_digit()))),
        opt((one_of(['e', 'E']), opt(one_of(['+', '-'])), int)),
    )
        .take()
        .parse_next(input)
}

// The grammar over tokens.

fn jsonpath(input: &mut Tokens<'_>) -> winnow::Result<JsonPath> {
    delimited(Kind::Dollar, steps, (Kind::Eof, eof))
        .map(|steps| JsonPath { steps })
        .parse_next(input)
}

fn steps(input: &mut Tokens<'_>) -> winnow::Result<Vec<Step>> {
    repeat(0.., step).parse_next(input)
}

fn step(input: &mut Tokens<'_>) -> winnow::Result<Step> {
    alt((
        preceded(
            Kind::DotDot,
            alt((bareword.map(|s| vec![s]), subscriptables)),
        )
        .map(Step::Descend),
        preceded(Kind::Dot, bareword).map(|s| Step::Child(vec![s])),
        subscriptables.map(Step::Child),
    ))
    .parse_next(input)
}

fn subscriptables(input: &mut Tokens<'_>) -> winnow::Result<Vec<Selector>> {
    delimited(
        Kind::BracketLeft,
        separated(1.., subscriptable, Kind::Comma),
        Kind::BracketRight,
    )
    .parse_next(input)
}

fn bareword(input: &mut Tokens<'_>) -> winnow::Result<Selector> {
    alt((
        (Kind::Id, opt(arguments)).verify_map(|(name, args)| match args {
            None => Some(Selector::Key(name.text.to_string())),
            Some(args) => call(name, args),
        }),
        Kind::Star.value(Selector::Wildcard),
    ))
    .parse_next(input)
}

/// Every name is known here (see [`parse`]).
fn call(name: &Token<'_>, args: Vec<Operand>) -> Option<Selector> {
    Some(Selector::Call(Function::named(name.text)?, args))
}

fn arguments(input: &mut Tokens<'_>) -> winnow::Result<Vec<Operand>> {
    delimited(
        Kind::ParenLeft,
        separated(0.., operand, Kind::Comma),
        Kind::ParenRight,
    )
    .parse_next(input)
}

fn subscriptable(input: &mut Tokens<'_>) -> winnow::Result<Selector> {
    alt((
        Kind::Str.map(|t: &Token<'_>| Selector::Key(raw_string(t.text))),
        (index, opt(sliceable)).map(|(start, slice)| match slice {
            None => Selector::Index(start),
            Some((end, step)) => Selector::Slice {
                start: Some(start),
                end,
                step,
            },
        }),
        sliceable.map(|(end, step)| Selector::Slice {
            start: None,
            end,
            step,
        }),
        Kind::Star.value(Selector::Wildcard),
        delimited(
            (Kind::Question, Kind::ParenLeft),
            expression,
            Kind::ParenRight,
        )
        .map(Selector::Filter),
        relative_path.map(Selector::Path),
        (Kind::Id, arguments).verify_map(|(name, args)| call(name, args)),
    ))
    .parse_next(input)
}

type Slice = (Option<i128>, Option<i128>);

fn sliceable(input: &mut Tokens<'_>) -> winnow::Result<Slice> {
    preceded(
        Kind::Colon,
        (opt(index), opt(preceded(Kind::Colon, opt(index)))),
    )
    .map(|(end, step)| (end, step.flatten()))
    .parse_next(input)
}

/// A NUMBER that Python's `int()` reads (no fraction, no exponent); far
/// beyond any array length it is held at ±2^100, which selects the same.
fn index(input: &mut Tokens<'_>) -> winnow::Result<i128> {
    Kind::Number
        .verify_map(|t: &Token<'_>| {
            if t.text.contains(['.', 'e', 'E']) {
                return None;
            }
            let limit = 1i128 << 100;
            Some(t.text.parse::<i128>().map_or(
                if t.text.starts_with('-') {
                    -limit
                } else {
                    limit
                },
                |n| n.clamp(-limit, limit),
            ))
        })
        .parse_next(input)
}

fn relative_path(input: &mut Tokens<'_>) -> winnow::Result<RelPath> {
    (
        alt((Kind::Dollar.value(true), Kind::At.value(false))),
        steps,
    )
        .map(|(from_root, steps)| RelPath { from_root, steps })
        .parse_next(input)
}

fn operand(input: &mut Tokens<'_>) -> winnow::Result<Operand> {
    alt((relative_path.map(Operand::Path), value.map(Operand::Value))).parse_next(input)
}

fn expression(input: &mut Tokens<'_>) -> winnow::Result<Expr> {
    and_expression.parse_next(input)
}

/// `orExpression (and andExpression)?`: `or` binds tighter than `and`.
fn and_expression(input: &mut Tokens<'_>) -> winnow::Result<Expr> {
    separated(1.., or_expression, Kind::And)
        .map(|items: Vec<Expr>| flatten(items, Expr::And))
        .parse_next(input)
}

fn or_expression(input: &mut Tokens<'_>) -> winnow::Result<Expr> {
    separated(1.., not_expression, Kind::Or)
        .map(|items: Vec<Expr>| flatten(items, Expr::Or))
        .parse_next(input)
}

/// One item stays itself; nested chains of the same operator merge.
fn flatten(items: Vec<Expr>, make: fn(Vec<Expr>) -> Expr) -> Expr {
    let mut merged = Vec::new();
    for item in items {
        match (make(Vec::new()), item) {
            (Expr::And(_), Expr::And(inner)) | (Expr::Or(_), Expr::Or(inner)) => {
                merged.extend(inner)
            }
            (_, item) => merged.push(item),
        }
    }
    if merged.len() == 1 {
        merged.pop().expect("one item")
    } else {
        make(merged)
    }
}

fn not_expression(input: &mut Tokens<'_>) -> winnow::Result<Expr> {
    alt((
        preceded(Kind::Not, not_expression).map(|inner| match inner {
            Expr::Not(inner) => *inner,
            other => Expr::Not(Box::new(other)),
        }),
        delimited(Kind::ParenLeft, expression, Kind::ParenRight),
        (operand, opt((compare_op, operand))).map(|(left, rest)| match rest {
            None => Expr::Exists(left),
            Some((op, right)) => Expr::Compare(left, op, right),
        }),
    ))
    .parse_next(input)
}

fn compare_op(input: &mut Tokens<'_>) -> winnow::Result<CompareOp> {
    alt((
        Kind::Eq.value(CompareOp::Eq),
        Kind::Ne.value(CompareOp::Ne),
        Kind::Lt.value(CompareOp::Lt),
        Kind::Le.value(CompareOp::Le),
        Kind::Gt.value(CompareOp::Gt),
        Kind::Ge.value(CompareOp::Ge),
    ))
    .parse_next(input)
}

/// A JSON value with jsonpath2's readings: strings raw, a number with `.`,
/// `e` or `E` a float, any other an integer.
fn value(input: &mut Tokens<'_>) -> winnow::Result<Value> {
    alt((
        Kind::Str.map(|t: &Token<'_>| Value::String(raw_string(t.text))),
        Kind::Number.map(|t: &Token<'_>| number_value(t.text)),
        delimited(
            Kind::BraceLeft,
            separated(0.., pair, Kind::Comma),
            Kind::BraceRight,
        )
        .map(|pairs: Vec<(String, Value)>| {
            let mut map = Map::new();
            for (key, item) in pairs {
                map.insert(key, item);
            }
            Value::Object(map)
        }),
        delimited(
            Kind::BracketLeft,
            separated(0.., value, Kind::Comma),
            Kind::BracketRight,
        )
        .map(Value::Array),
        Kind::True.value(Value::Bool(true)),
        Kind::False.value(Value::Bool(false)),
        Kind::Null.value(Value::Null),
    ))
    .parse_next(input)
}

fn pair(input: &mut Tokens<'_>) -> winnow::Result<(String, Value)> {
    (terminated(Kind::Str, Kind::Colon), value)
        .map(|(key, item)| (raw_string(key.text), item))
        .parse_next(input)
}

/// jsonpath2 keeps what is between the quotes, escapes and all.
fn raw_string(text: &str) -> String {
    text[1..text.len() - 1].to_string()
}

fn number_value(text: &str) -> Value {
    let float = |text: &str| {
        let x: f64 = text.parse().unwrap_or(f64::MAX);
        let x = if x.is_finite() {
            x
        } else {
            f64::MAX.copysign(x)
        };
        Value::Number(Number::from_f64(x).expect("finite"))
    };
    if text.contains(['.', 'e', 'E']) {
        return float(text);
    }
    if let Ok(n) = text.parse::<i64>() {
        return Value::from(n);
    }
    if let Ok(n) = text.parse::<u64>() {
        return Value::from(n);
    }
    float(text)
}

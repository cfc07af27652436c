//! JSONPath as the Python library `jsonpath2` 0.4.5 reads and evaluates it,
//! because that is what `chaos run` uses for a `jsonpath` tolerance
//! (chaostoolkit-lib's `jsonpath` extra), not RFC 9535. What differs from
//! RFC 9535, each reproduced here:
//!
//! - a filter `[?(…)]` tests the node it follows, not that node's children
//!   (`$.a[*][?(@.b)]` keeps the elements of `a` that have `b`);
//! - `=` (not `==`), `!=`, `<`, `<=`, `>`, `>=`, `and`, `or`, `not`, with
//!   `or` binding tighter than `and`; a comparison holds when some value on
//!   the left and some on the right compare true, so a missing path is never
//!   equal nor unequal to anything; when both sides are paths only the first
//!   value on the left is compared (Python's right-hand generator is spent);
//!   Python's `==` (`1 == 1.0 == true`), and `<` only between numbers
//!   (booleans are numbers);
//! - strings only in double quotes, their escapes kept as written (`"a\"b"`
//!   names the key `a\"b`); keys after `.` are identifiers, and `true`,
//!   `false`, `null`, `and`, `or`, `not` there are syntax errors;
//! - `[$.path]` and `[@.path]` index by the values the inner path finds;
//!   functions `length()`, `keys()`, `values()`, `entries()`, `charAt(i)`,
//!   `substring(i[, j])`; Python's slices and negative indexes; a zero slice
//!   step on an array is an error when evaluated (Python's `range()`).
//!
//! Deliberate approximations: an integer literal beyond 64 bits and a float
//! literal beyond f64 become the nearest f64; paths nested more than
//! [`MAX_NESTING`] deep are rejected (Python would exhaust its recursion).

mod eval;
mod parser;

use std::fmt;

use serde_json::Value;

pub use eval::{py_eq, py_number_cmp, EvalError};

/// How deep brackets, braces and parentheses may nest in a path.
pub const MAX_NESTING: usize = 64;

/// A parsed path: `$` then its steps.
#[derive(Clone, Debug, PartialEq)]
pub struct JsonPath {
    steps: Vec<Step>,
}

/// Why a path is not in jsonpath2's grammar. Positions count characters
/// from 1, as jsonpath2's ANTLR errors do.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("token recognition error at character {at}: '{found}'")]
    UnknownToken { at: usize, found: String },
    #[error("it nests deeper than {} levels", MAX_NESTING)]
    TooDeep,
    #[error("callable subscript '{0}' not found")]
    UnknownFunction(String),
    #[error("it ends too early")]
    EndsEarly,
    #[error("unexpected '{token}' at character {at}")]
    Unexpected { token: String, at: usize },
}

impl JsonPath {
    /// Parses `text` as `jsonpath2.path.Path.parse_str` does (whitespace
    /// between tokens is skipped; anything else outside the grammar fails).
    pub fn parse(text: &str) -> Result<JsonPath, ParseError> {
        parser::parse(text)
    }

    /// The values `Path.match(document)` yields, in its order. An `Err` is
    /// an exception Python would raise while matching.
    pub fn query(&self, document: &Value) -> Result<Vec<Value>, EvalError> {
        eval::query(self, document)
    }
}

/// One `.x`, `[…]`, `..x` or `..[…]`.
#[derive(Clone, Debug, PartialEq)]
enum Step {
    /// Each selector applied to the current value, in order.
    Child(Vec<Selector>),
    /// The selectors applied to the current value and every descendant,
    /// depth first.
    Descend(Vec<Selector>),
}

#[derive(Clone, Debug, PartialEq)]
enum Selector {
    /// An object key, as written between the quotes (escapes kept).
    Key(String),
    Index(i128),
    Slice {
        start: Option<i128>,
        end: Option<i128>,
        step: Option<i128>,
    },
    Wildcard,
    /// Keeps the current value when the expression holds.
    Filter(Expr),
    /// Indexes by each integer or string the inner path finds.
    Path(RelPath),
    Call(Function, Vec<Operand>),
}

/// `$…` or `@…` inside a filter, an argument list or brackets.
#[derive(Clone, Debug, PartialEq)]
struct RelPath {
    from_root: bool,
    steps: Vec<Step>,
}

#[derive(Clone, Debug, PartialEq)]
enum Operand {
    Path(RelPath),
    Value(Value),
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum CompareOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Clone, Debug, PartialEq)]
enum Expr {
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    Compare(Operand, CompareOp, Operand),
    /// A lone path (does it match anything?) or value (is it truthy?).
    Exists(Operand),
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Function {
    CharAt,
    Entries,
    Keys,
    Length,
    Substring,
    Values,
}

impl Function {
    const ALL: [Function; 6] = [
        Function::CharAt,
        Function::Entries,
        Function::Keys,
        Function::Length,
        Function::Substring,
        Function::Values,
    ];

    fn name(self) -> &'static str {
        match self {
            Function::CharAt => "charAt",
            Function::Entries => "entries",
            Function::Keys => "keys",
            Function::Length => "length",
            Function::Substring => "substring",
            Function::Values => "values",
        }
    }

    fn named(name: &str) -> Option<Function> {
        Function::ALL.into_iter().find(|f| f.name() == name)
    }
}

// Printing: a form that parses back to the same path (bracketed steps,
// strings as written).

impl fmt::Display for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("$")?;
        self.steps.iter().try_for_each(|step| write!(f, "{step}"))
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let selectors = match self {
            Step::Child(selectors) => selectors,
            Step::Descend(selectors) => {
                f.write_str("..")?;
                selectors
            }
        };
        f.write_str("[")?;
        for (n, selector) in selectors.iter().enumerate() {
            if n > 0 {
                f.write_str(",")?;
            }
            write!(f, "{selector}")?;
        }
        f.write_str("]")
    }
}

impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Selector::Key(raw) => write!(f, "\"{raw}\""),
            Selector::Index(n) => write!(f, "{n}"),
            Selector::Slice { start, end, step } => {
                let part = |n: &Option<i128>| n.map(|n| n.to_string()).unwrap_or_default();
                write!(f, "{}:{}", part(start), part(end))?;
                match step {
                    Some(step) => write!(f, ":{step}"),
                    None => Ok(()),
                }
            }
            Selector::Wildcard => f.write_str("*"),
            Selector::Filter(expr) => write!(f, "?({expr})"),
            Selector::Path(path) => write!(f, "{path}"),
            Selector::Call(function, args) => {
                write!(f, "{}(", function.name())?;
                for (n, arg) in args.iter().enumerate() {
                    if n > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{arg}")?;
                }
                f.write_str(")")
            }
        }
    }
}

impl fmt::Display for RelPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.from_root { "$" } else { "@" })?;
        self.steps.iter().try_for_each(|step| write!(f, "{step}"))
    }
}

impl fmt::Display for Operand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Operand::Path(path) => write!(f, "{path}"),
            Operand::Value(value) => write_literal(f, value),
        }
    }
}

/// A literal as the lexer reads it back: strings raw, floats with a point
/// or an exponent so they stay floats.
fn write_literal(f: &mut fmt::Formatter<'_>, value: &Value) -> fmt::Result {
    match value {
        Value::String(raw) => write!(f, "\"{raw}\""),
        Value::Number(n) => match n.as_f64() {
            Some(x) if n.is_f64() => write!(f, "{x:?}"),
            _ => write!(f, "{n}"),
        },
        Value::Array(items) => {
            f.write_str("[")?;
            for (n, item) in items.iter().enumerate() {
                if n > 0 {
                    f.write_str(",")?;
                }
                write_literal(f, item)?;
            }
            f.write_str("]")
        }
        Value::Object(map) => {
            f.write_str("{")?;
            for (n, (key, item)) in map.iter().enumerate() {
                if n > 0 {
                    f.write_str(",")?;
                }
                write!(f, "\"{key}\":")?;
                write_literal(f, item)?;
            }
            f.write_str("}")
        }
        other => write!(f, "{other}"),
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let joined = |f: &mut fmt::Formatter<'_>, items: &[Expr], word: &str| {
            for (n, item) in items.iter().enumerate() {
                if n > 0 {
                    write!(f, " {word} ")?;
                }
                match item {
                    Expr::And(_) | Expr::Or(_) => write!(f, "({item})")?,
                    _ => write!(f, "{item}")?,
                }
            }
            Ok(())
        };
        match self {
            Expr::And(items) => joined(f, items, "and"),
            Expr::Or(items) => joined(f, items, "or"),
            Expr::Not(inner) => write!(f, "not ({inner})"),
            Expr::Compare(left, op, right) => {
                let op = match op {
                    CompareOp::Eq => "=",
                    CompareOp::Ne => "!=",
                    CompareOp::Lt => "<",
                    CompareOp::Le => "<=",
                    CompareOp::Gt => ">",
                    CompareOp::Ge => ">=",
                };
                write!(f, "{left} {op} {right}")
            }
            Expr::Exists(operand) => write!(f, "{operand}"),
        }
    }
}

#[cfg(test)]
mod tests;

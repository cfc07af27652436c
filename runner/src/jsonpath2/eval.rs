//! Matching as jsonpath2 does it: depth first, one value at a time, so
//! `and`, `or`, a lone path in a filter and a comparison stop at the first
//! value that decides them, and an error (a zero slice step) surfaces only
//! where Python's lazy generators would reach it.

use std::cmp::Ordering;
use std::fmt;
use std::ops::ControlFlow;

use chaosprometheus::python::truthy;
use serde_json::Value;

use super::{CompareOp, Expr, Function, JsonPath, Operand, RelPath, Selector, Step};

/// An exception Python raises while matching.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EvalError {
    message: &'static str,
}

impl fmt::Display for EvalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message)
    }
}

impl std::error::Error for EvalError {}

const ZERO_STEP: EvalError = EvalError {
    message: "ValueError: range() arg 3 must not be zero",
};

/// Go on, or stop: the consumer has what it needs.
type Flow = ControlFlow<()>;
type Emit<'e> = dyn FnMut(&Value) -> Result<Flow, EvalError> + 'e;

pub(super) fn query(path: &JsonPath, document: &Value) -> Result<Vec<Value>, EvalError> {
    let matcher = Matcher { root: document };
    let mut found = Vec::new();
    let _complete = matcher.steps(&path.steps, document, &mut |value| {
        found.push(value.clone());
        Ok(Flow::Continue(()))
    })?;
    Ok(found)
}

struct Matcher<'r> {
    root: &'r Value,
}

impl Matcher<'_> {
    fn steps(&self, steps: &[Step], current: &Value, emit: &mut Emit) -> Result<Flow, EvalError> {
        let Some((first, rest)) = steps.split_first() else {
            return emit(current);
        };
        match first {
            Step::Child(selectors) => {
                for selector in selectors {
                    let flow = self.select(selector, current, &mut |value| {
                        self.steps(rest, value, emit)
                    })?;
                    if flow.is_break() {
                        return Ok(flow);
                    }
                }
                Ok(Flow::Continue(()))
            }
            Step::Descend(selectors) => self.descend(selectors, rest, current, emit),
        }
    }

    /// The selectors here, then in each child, recursively (jsonpath2's
    /// `RecursiveDescentNode`).
    fn descend(
        &self,
        selectors: &[Selector],
        rest: &[Step],
        current: &Value,
        emit: &mut Emit,
    ) -> Result<Flow, EvalError> {
        for selector in selectors {
            let flow = self.select(selector, current, &mut |value| {
                self.steps(rest, value, emit)
            })?;
            if flow.is_break() {
                return Ok(flow);
            }
        }
        for child in children(current) {
            let flow = self.descend(selectors, rest, child, emit)?;
            if flow.is_break() {
                return Ok(flow);
            }
        }
        Ok(Flow::Continue(()))
    }

    fn path(&self, path: &RelPath, current: &Value, emit: &mut Emit) -> Result<Flow, EvalError> {
        let start = if path.from_root { self.root } else { current };
        self.steps(&path.steps, start, emit)
    }

    /// [`Self::path`] where only what `emit` gathers counts.
    fn visit(&self, path: &RelPath, current: &Value, emit: &mut Emit) -> Result<(), EvalError> {
        self.path(path, current, emit).map(drop)
    }

    fn select(
        &self,
        selector: &Selector,
        current: &Value,
        emit: &mut Emit,
    ) -> Result<Flow, EvalError> {
        let go = Ok(Flow::Continue(()));
        match selector {
            Selector::Key(key) => match current {
                Value::Object(map) => match map.get(key) {
                    Some(value) => emit(value),
                    None => go,
                },
                _ => go,
            },
            Selector::Index(n) => match index(current, *n) {
                Some(value) => emit(value),
                None => go,
            },
            Selector::Slice { start, end, step } => {
                let Value::Array(items) = current else {
                    return go;
                };
                for n in slice_indexes(items.len(), *start, *end, *step)? {
                    if let Some(value) = index(current, n) {
                        if emit(value)?.is_break() {
                            return Ok(Flow::Break(()));
                        }
                    }
                }
                go
            }
            Selector::Wildcard => {
                for child in children(current) {
                    if emit(child)?.is_break() {
                        return Ok(Flow::Break(()));
                    }
                }
                go
            }
            Selector::Filter(expr) => {
                if self.test(expr, current)? {
                    emit(current)
                } else {
                    go
                }
            }
            Selector::Path(path) => self.path(path, current, &mut |key| {
                let found = match key {
                    Value::String(key) => current.as_object().and_then(|map| map.get(key)),
                    other => py_int(other).and_then(|n| index(current, n)),
                };
                match found {
                    Some(value) => emit(value),
                    None => Ok(Flow::Continue(())),
                }
            }),
            Selector::Call(function, args) => {
                // itertools.product: every argument whole, first argument slowest.
                let mut values: Vec<Vec<Value>> = Vec::with_capacity(args.len());
                for arg in args {
                    values.push(match arg {
                        Operand::Value(value) => vec![value.clone()],
                        Operand::Path(path) => {
                            let mut found = Vec::new();
                            self.visit(path, current, &mut |value| {
                                found.push(value.clone());
                                Ok(Flow::Continue(()))
                            })?;
                            found
                        }
                    });
                }
                let mut picks = vec![0usize; values.len()];
                if values.iter().any(Vec::is_empty) {
                    return go;
                }
                loop {
                    let chosen: Vec<&Value> = picks
                        .iter()
                        .zip(&values)
                        .map(|(&n, list)| &list[n])
                        .collect();
                    if let Some(value) = call(*function, current, &chosen) {
                        if emit(&value)?.is_break() {
                            return Ok(Flow::Break(()));
                        }
                    }
                    // Next combination, the last argument fastest.
                    let mut position = picks.len();
                    loop {
                        if position == 0 {
                            return go;
                        }
                        position -= 1;
                        picks[position] += 1;
                        if picks[position] < values[position].len() {
                            break;
                        }
                        picks[position] = 0;
                    }
                }
            }
        }
    }

    fn test(&self, expr: &Expr, current: &Value) -> Result<bool, EvalError> {
        match expr {
            Expr::And(items) => {
                for item in items {
                    if !self.test(item, current)? {
                        return Ok(false);
                    }
                }
                Ok(true)
            }
            Expr::Or(items) => {
                for item in items {
                    if self.test(item, current)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            Expr::Not(inner) => Ok(!self.test(inner, current)?),
            Expr::Exists(Operand::Value(value)) => Ok(truthy(value)),
            Expr::Exists(Operand::Path(path)) => {
                let mut found = false;
                self.visit(path, current, &mut |_| {
                    found = true;
                    Ok(Flow::Break(()))
                })?;
                Ok(found)
            }
            Expr::Compare(left, op, right) => self.compare(left, *op, right, current),
        }
    }

    /// `any(op(l, r) for l in lefts for r in rights)` where `rights`, when a
    /// path, is one generator: spent by the first left value.
    fn compare(
        &self,
        left: &Operand,
        op: CompareOp,
        right: &Operand,
        current: &Value,
    ) -> Result<bool, EvalError> {
        let mut hit = false;
        match (left, right) {
            (Operand::Value(l), Operand::Value(r)) => hit = holds(op, l, r),
            (Operand::Path(l), Operand::Value(r)) => {
                self.visit(l, current, &mut |value| {
                    hit = holds(op, value, r);
                    Ok(if hit {
                        Flow::Break(())
                    } else {
                        Flow::Continue(())
                    })
                })?;
            }
            (Operand::Value(l), Operand::Path(r)) => {
                self.visit(r, current, &mut |value| {
                    hit = holds(op, l, value);
                    Ok(if hit {
                        Flow::Break(())
                    } else {
                        Flow::Continue(())
                    })
                })?;
            }
            (Operand::Path(l), Operand::Path(r)) => {
                let mut first = true;
                self.visit(l, current, &mut |left_value| {
                    if !first {
                        return Ok(Flow::Continue(()));
                    }
                    first = false;
                    self.visit(r, current, &mut |value| {
                        hit = holds(op, left_value, value);
                        Ok(if hit {
                            Flow::Break(())
                        } else {
                            Flow::Continue(())
                        })
                    })?;
                    Ok(if hit {
                        Flow::Break(())
                    } else {
                        Flow::Continue(())
                    })
                })?;
            }
        }
        Ok(hit)
    }
}

/// What `*` yields: an object's values or an array's items, in order.
fn children(value: &Value) -> Box<dyn Iterator<Item = &Value> + '_> {
    match value {
        Value::Object(map) => Box::new(map.values()),
        Value::Array(items) => Box::new(items.iter()),
        _ => Box::new(std::iter::empty()),
    }
}

/// `ArrayIndexSubscript`: a negative index counts from the end.
fn index(value: &Value, n: i128) -> Option<&Value> {
    let Value::Array(items) = value else {
        return None;
    };
    let len = items.len() as i128;
    let n = if n < 0 { n + len } else { n };
    if (0..len).contains(&n) {
        items.get(n as usize)
    } else {
        None
    }
}

/// `ArraySliceSubscript`: the indexes of Python's `range(start, end, step)`
/// after jsonpath2's adjustments, less those no array index could select
/// (so a huge range costs nothing).
fn slice_indexes(
    len: usize,
    start: Option<i128>,
    end: Option<i128>,
    step: Option<i128>,
) -> Result<Vec<i128>, EvalError> {
    let len = len as i128;
    let start = match start {
        Some(s) if s < 0 => s + if s.abs() < len { len } else { s.abs() },
        Some(s) => s,
        None => 0,
    };
    let end = match end {
        Some(e) if e < 0 => e + len,
        Some(e) => e,
        None => len,
    };
    let step = step.unwrap_or(1);
    if step == 0 {
        return Err(ZERO_STEP);
    }
    // Indexes in [-len, len) select something.
    let (low, high) = (-len, len);
    let mut out = Vec::new();
    if step > 0 {
        let mut i = start;
        if i < low {
            i += (low - i + step - 1) / step * step;
        }
        while i < end && i < high {
            out.push(i);
            i += step;
        }
    } else {
        let mut i = start;
        if i >= high {
            i += (i - high + 1 - step - 1) / -step * step;
        }
        while i > end && i >= low {
            out.push(i);
            i += step;
        }
    }
    Ok(out)
}

/// The callable subscripts; `None` where jsonpath2 yields nothing.
fn call(function: Function, current: &Value, args: &[&Value]) -> Option<Value> {
    match (function, current, args) {
        (Function::Length, Value::Array(items), []) => Some(Value::from(items.len())),
        (Function::Length, Value::String(text), []) => Some(Value::from(text.chars().count())),
        (Function::Keys, Value::Object(map), []) => {
            Some(map.keys().map(|k| Value::String(k.clone())).collect())
        }
        (Function::Keys, Value::Array(items), []) => Some((0..items.len()).collect()),
        (Function::Values, Value::Object(map), []) => Some(map.values().cloned().collect()),
        (Function::Values, Value::Array(_), []) => Some(current.clone()),
        (Function::Entries, Value::Object(map), []) => Some(
            map.iter()
                .map(|(k, v)| Value::Array(vec![Value::String(k.clone()), v.clone()]))
                .collect(),
        ),
        (Function::Entries, Value::Array(items), []) => Some(
            items
                .iter()
                .enumerate()
                .map(|(n, v)| Value::Array(vec![Value::from(n), v.clone()]))
                .collect(),
        ),
        (Function::CharAt, Value::String(text), [at]) => {
            let chars: Vec<char> = text.chars().collect();
            let len = chars.len() as i128;
            let at = py_int(at)?;
            let at = if at < 0 { at + len } else { at };
            (0..len)
                .contains(&at)
                .then(|| Value::String(chars[at as usize].to_string()))
        }
        (Function::Substring, Value::String(text), [from]) => {
            Some(Value::String(py_slice(text, py_int(from)?, None)))
        }
        (Function::Substring, Value::String(text), [from, to]) => Some(Value::String(py_slice(
            text,
            py_int(from)?,
            Some(py_int(to)?),
        ))),
        _ => None,
    }
}

/// Python's `text[from:to]`, by characters.
fn py_slice(text: &str, from: i128, to: Option<i128>) -> String {
    let chars: Vec<char> = text.chars().collect();
    let len = chars.len() as i128;
    let clamp = |n: i128| (if n < 0 { n + len } else { n }).clamp(0, len) as usize;
    let (from, to) = (clamp(from), clamp(to.unwrap_or(len)));
    if from >= to {
        String::new()
    } else {
        chars[from..to].iter().collect()
    }
}

/// `isinstance(value, int)`: integers and booleans.
fn py_int(value: &Value) -> Option<i128> {
    match value {
        Value::Bool(b) => Some(i128::from(*b)),
        Value::Number(n) => n
            .as_i64()
            .map(i128::from)
            .or_else(|| n.as_u64().map(i128::from)),
        _ => None,
    }
}

fn holds(op: CompareOp, left: &Value, right: &Value) -> bool {
    let order = || py_number_cmp(left, right);
    match op {
        CompareOp::Eq => py_eq(left, right),
        CompareOp::Ne => !py_eq(left, right),
        CompareOp::Lt => order() == Some(Ordering::Less),
        CompareOp::Le => matches!(order(), Some(Ordering::Less | Ordering::Equal)),
        CompareOp::Gt => order() == Some(Ordering::Greater),
        CompareOp::Ge => matches!(order(), Some(Ordering::Greater | Ordering::Equal)),
    }
}

/// A Python int (booleans included) or float.
#[derive(Clone, Copy)]
enum Number {
    Int(i128),
    Float(f64),
}

fn py_number(value: &Value) -> Option<Number> {
    match value {
        Value::Number(n) if n.is_f64() => n.as_f64().map(Number::Float),
        other => py_int(other).map(Number::Int),
    }
}

/// Python's exact ordering of ints and floats; `None` for NaN or a
/// non-number.
pub fn py_number_cmp(a: &Value, b: &Value) -> Option<Ordering> {
    fn int_float(i: i128, f: f64) -> Option<Ordering> {
        if f.is_nan() {
            return None;
        }
        let bound = 2f64.powi(126);
        if f >= bound {
            return Some(Ordering::Less);
        }
        if f <= -bound {
            return Some(Ordering::Greater);
        }
        let whole = f.trunc();
        Some(i.cmp(&(whole as i128)).then_with(|| {
            let fraction = f - whole;
            0f64.partial_cmp(&fraction).unwrap_or(Ordering::Equal)
        }))
    }
    match (py_number(a)?, py_number(b)?) {
        (Number::Int(x), Number::Int(y)) => Some(x.cmp(&y)),
        (Number::Float(x), Number::Float(y)) => x.partial_cmp(&y),
        (Number::Int(x), Number::Float(y)) => int_float(x, y),
        (Number::Float(x), Number::Int(y)) => int_float(y, x).map(Ordering::reverse),
    }
}

/// Python's `==` on JSON values: `1 == 1.0 == True`, lists item by item,
/// dicts key by key whatever their order.
pub fn py_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| py_eq(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| py_eq(v, w)))
        }
        (Value::String(x), Value::String(y)) => x == y,
        (Value::Null, Value::Null) => true,
        _ => py_number_cmp(a, b) == Some(Ordering::Equal),
    }
}

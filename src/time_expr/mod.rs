//! Time expressions for `when`, `start` and `end`: what the Python
//! extension's date parser (dateparser 1.5, English) reads, read to the same
//! instant, except that a time without a zone is UTC on every machine.
//! Printed as RFC 3339 UTC with milliseconds.
//!
//! Like dateparser: an epoch of 10, 13 or 16 digits is seconds, milliseconds
//! or microseconds; otherwise the words are translated to English pieces
//! (`words`), read as a relative phrase (`relative`) or else as a date and
//! time (`absolute`).

mod absolute;
mod clock;
mod relative;
mod vocabulary;
mod words;

use jiff::tz::Offset;
pub use jiff::Timestamp;
use jiff::Unit;

use crate::error::ProbeError;
use absolute::{parse_absolute, DateOrder};
use relative::parse_relative;
use words::{sanitize, translate, Piece};

/// Reads a time expression relative to `now`. Anything it cannot read fails
/// with upstream's exact message, `failed to parse '<input>'`.
pub fn parse_time_expr(input: &str, now: Timestamp) -> Result<Timestamp, ProbeError> {
    read(input, now).ok_or_else(|| ProbeError::unparsable(input))
}

/// RFC 3339 in UTC with millisecond precision, the form Prometheus is sent:
/// `2026-11-22T08:29:32.400Z`.
/// Rounded half away from the epoch; the last instant of jiff's range, which
/// cannot round up, is printed truncated.
pub fn format_rfc3339(at: Timestamp) -> String {
    format!("{:.3}", at.round(Unit::Millisecond).unwrap_or(at))
}

fn read(input: &str, now: Timestamp) -> Option<Timestamp> {
    // Nothing we read is longer; dateparser's inputs are short phrases too.
    if input.len() > 200 {
        return None;
    }
    let text = sanitize(input);
    if text.is_empty() {
        return None;
    }
    let pieces = translate(&text)?;
    if let Some(at) = parse_epoch(&text) {
        return Some(at);
    }
    let (zone, pieces) = pop_zone(pieces)?;
    let offset = Offset::from_seconds(zone.unwrap_or(0)).ok()?;
    let local_now = offset.to_datetime(now);
    let civil = parse_relative(&pieces, local_now).or_else(|| {
        let utc_now = Offset::UTC.to_datetime(now);
        // A string without letters is tried in the date orders of the other
        // locales too, as dateparser tries one locale per date order.
        // Any letter is ASCII: `translate` refused the others.
        let orders: &[DateOrder] = if text.bytes().any(|b| b.is_ascii_alphabetic()) {
            &[DateOrder::Mdy]
        } else {
            &[DateOrder::Mdy, DateOrder::Dmy, DateOrder::Ymd]
        };
        orders
            .iter()
            .find_map(|&order| parse_absolute(&pieces, utc_now, order))
    })?;
    offset.to_timestamp(civil).ok()
}

/// `^(\d{10})(\d{3})?(\d{3})?` then the end or a period: seconds, and
/// optionally milliseconds and microseconds since the Unix epoch. What
/// follows the period is ignored, as dateparser ignores it.
fn parse_epoch(text: &str) -> Option<Timestamp> {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let rest = &text[digits..];
    if !(rest.is_empty() || rest.starts_with('.')) {
        return None;
    }
    let micros = match digits {
        10 => 0,
        13 => i64::try_from(decimal(&text[10..13])?).ok()? * 1000,
        16 => i64::try_from(decimal(&text[10..16])?).ok()?,
        _ => return None,
    };
    let seconds = i64::try_from(decimal(&text[..10])?).ok()?;
    Timestamp::new(seconds, (micros * 1000) as i32).ok()
}

/// Takes the time zone out: a name (`UTC`, `EST`, `Z`), or an offset after
/// a time or a zone name (`+02:00`, `-0500`, `UTC+2`). `None` when there
/// are two zones.
fn pop_zone(mut pieces: Vec<Piece>) -> Option<(Option<i32>, Vec<Piece>)> {
    let mut zone = None;
    if let Some(at) = pieces.iter().position(|p| matches!(p, Piece::Zone(_))) {
        if let Piece::Zone(seconds) = pieces[at] {
            zone = Some(seconds);
        }
        // `drain` as below: one instantiation less than `remove`.
        pieces.drain(at..at + 1);
        if pieces.iter().any(|p| matches!(p, Piece::Zone(_))) {
            return None;
        }
        // `UTC+2`, `GMT-05:00`
        if let Some((offset, len)) = offset_at(&pieces, at, true) {
            pieces.drain(at..at + len);
            zone = Some(zone.unwrap_or(0) + offset);
        }
        return Some((zone, pieces));
    }
    // An offset after a time: `10:00 +0200`, `08:30:00+02:00`, or alone.
    let mut end = pieces.len();
    while end > 0 && pieces[end - 1] == Piece::Space {
        end -= 1;
    }
    for start in (0..end).rev() {
        if let Some((offset, len)) = offset_at(&pieces, start, false) {
            if start + len != end {
                continue;
            }
            let before = start.checked_sub(1).map(|b| &pieces[b]);
            let after_time = match before {
                None | Some(Piece::Space) => true,
                Some(Piece::Digits(_)) => start >= 2 && pieces[start - 2] == Piece::Punct(':'),
                _ => false,
            };
            let alone = pieces[..start].iter().all(|p| *p == Piece::Space);
            if after_time && !alone {
                pieces.drain(start..start + len);
                return Some((Some(offset), pieces));
            }
        }
    }
    Some((None, pieces))
}

/// `+hh:mm`, `+hhmm`, `+hh` (the last only after a zone name) at `at`:
/// seconds east of UTC and how many pieces it takes.
fn offset_at(pieces: &[Piece], at: usize, after_name: bool) -> Option<(i32, usize)> {
    let sign = match pieces.get(at)? {
        Piece::Punct('+') => 1,
        Piece::Punct('-') => -1,
        _ => return None,
    };
    let Piece::Digits(first) = pieces.get(at + 1)? else {
        return None;
    };
    let number = |s: &str| decimal(s).and_then(|v| i32::try_from(v).ok());
    let (hours, minutes, len) = match (first.len(), pieces.get(at + 2), pieces.get(at + 3)) {
        (2, Some(Piece::Punct(':')), Some(Piece::Digits(m))) if m.len() == 2 => {
            (number(first)?, number(m)?, 4)
        }
        (4, _, _) => (number(&first[..2])?, number(&first[2..])?, 2),
        (1 | 2, _, _) if after_name => (number(first)?, 0, 2),
        _ => return None,
    };
    (hours <= 23 && minutes <= 59).then_some((sign * (hours * 3600 + minutes * 60), len))
}

/// A run of ASCII digits as `str::parse` reads it into any unsigned type
/// wide enough, `None` when it is empty, holds anything else or overflows:
/// one function for the integers of every width read here.
#[inline(never)]
fn decimal(digits: &str) -> Option<u64> {
    if digits.is_empty() {
        return None;
    }
    let mut value: u64 = 0;
    for b in digits.bytes() {
        if !b.is_ascii_digit() {
            return None;
        }
        value = value.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
    }
    Some(value)
}

#[cfg(test)]
mod tests;

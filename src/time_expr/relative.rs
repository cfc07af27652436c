//! Relative phrases, as dateparser's freshness parser reads them: amounts of
//! units (`1 hour 30 minutes ago`, `in 2 days`, `-5m`, `3 days later`), all
//! into the past unless `in` (or `from now`, `later`, `after`) sends them into
//! the future or a sign says otherwise, and an optional time of day
//! (`yesterday at 10am` is `1 day ago 10 am`).

use jiff::civil::{Date, DateTime, Time};
use jiff::Span;

use super::clock::{read_clock, Clock};
use super::decimal;
use super::words::{Piece, Unit};

/// `now` is the wall clock where the expression is read (UTC, or the zone it
/// names). `None` when `pieces` are not a relative phrase.
pub(super) fn parse_relative(pieces: &[Piece], now: DateTime) -> Option<DateTime> {
    let words_are_units = pieces.iter().enumerate().all(|(i, p)| match p {
        Piece::Digits(_)
        | Piece::Punct(_)
        | Piece::Space
        | Piece::Unit(_)
        | Piece::Ago
        | Piece::In
        | Piece::Meridian { .. }
        | Piece::Zone(_)
        | Piece::PartOfDay(_) => true,
        Piece::Later => previous_word(pieces, i).is_some_and(|p| matches!(p, Piece::Unit(_))),
        _ => false,
    });
    if !words_are_units {
        return None;
    }
    // By unit, in `Unit`'s order: the last amount of a unit counts.
    let mut amounts = [None::<(f64, bool)>; Unit::ALL.len()];
    let mut used = vec![false; pieces.len()];
    for (at, piece) in pieces.iter().enumerate() {
        let Piece::Unit(unit) = piece else { continue };
        if let Some((start, value, signed)) = amount_before(pieces, at) {
            amounts[*unit as usize] = Some((value, signed));
            used[start..=at].iter_mut().for_each(|u| *u = true);
        }
    }
    if amounts.iter().all(Option::is_none) {
        return None;
    }
    let forward = pieces.iter().any(|p| matches!(p, Piece::In | Piece::Later));
    // What is left is a time of day, or a part of the day (which sets the
    // time only when no time is written).
    let mut rest: Vec<Piece> = Vec::new();
    let mut part_of_day = None;
    for (piece, used) in pieces.iter().zip(&used) {
        match piece {
            _ if *used => {}
            Piece::Space | Piece::Ago | Piece::In | Piece::Later | Piece::Zone(_) => {}
            Piece::PartOfDay(hour) => part_of_day = part_of_day.or(Some(*hour)),
            _ => rest.push(*piece),
        }
    }
    let time = read_clock(&rest).or_else(|| part_of_day.map(Clock::hour));

    // `the 1st of last month`: a day of the month before an amount of months.
    let day_of_month = day_of_month(pieces);
    if pieces
        .iter()
        .filter(|p| matches!(p, Piece::PartOfDay(_)))
        .count()
        > 1
    {
        return None;
    }
    let mut years = 0f64;
    let mut months = 0f64;
    let mut micros = 0f64;
    let mut weeks = 0f64;
    for (unit, amount) in Unit::ALL.into_iter().zip(amounts) {
        let Some((value, signed)) = amount else {
            continue;
        };
        let value = if signed || forward { value } else { -value };
        match unit {
            Unit::Century => years += value * 100.0,
            Unit::Decade => years += value * 10.0,
            Unit::Year => years += value,
            Unit::Month => months += value,
            Unit::Fortnight => weeks += 2.0 * value,
            Unit::Week => weeks += value,
            Unit::Day => micros += value * 86_400e6,
            Unit::Hour => micros += value * 3_600e6,
            Unit::Minute => micros += value * 60e6,
            Unit::Second => micros += value * 1e6,
        }
    }
    micros += weeks * 7.0 * 86_400e6;
    // relativedelta takes whole years and whole months only.
    if years.fract() != 0.0 {
        return None;
    }
    let mut shifted = add_calendar(now, years * 12.0 + months, micros)?;
    if let Some(day) = day_of_month {
        let has = |unit: Unit| amounts[unit as usize].is_some();
        let only_months =
            has(Unit::Month) && !(has(Unit::Day) || has(Unit::Week) || has(Unit::Fortnight));
        if !only_months {
            return None;
        }
        shifted = shifted.with().day(day).build().ok()?;
    }
    Some(match time {
        Some(clock) => shifted.date().to_datetime(clock.to_time()?),
        None => shifted,
    })
}

/// dateparser's relativedelta: whole years and months on the calendar (the
/// day clipped to the month), then the rest as an exact duration.
fn add_calendar(now: DateTime, months: f64, micros: f64) -> Option<DateTime> {
    if months.fract() != 0.0 || !months.is_finite() || months.abs() > 200_000.0 {
        return None;
    }
    if !micros.is_finite() || micros.abs() > 4e17 {
        return None;
    }
    // Exact: both are whole and small (checked above).
    let today = now.date();
    let total = i64::from(today.year()) * 12 + i64::from(today.month() - 1) + months as i64;
    let year = i16::try_from(total.div_euclid(12)).ok()?;
    let month = (total.rem_euclid(12) + 1) as i8;
    if !(1..=9999).contains(&year) {
        return None;
    }
    let first = Date::new(year, month, 1).ok()?;
    let day = today.day().min(first.days_in_month());
    let moved = Date::new(year, month, day).ok()?.to_datetime(now.time());
    let result = add_micros(moved, micros.round_ties_even() as i64)?;
    (1..=9999).contains(&result.date().year()).then_some(result)
}

/// `micros` later (earlier when negative), exactly: whole days on the
/// calendar, then the rest of a day (of the same sign, as a span's units
/// must be). jiff refuses one duration longer than
/// its instants reach from the epoch (2,932,896 days forward), which
/// Python's datetime, and so dateparser, adds from an early enough start.
fn add_micros(at: DateTime, micros: i64) -> Option<DateTime> {
    const MICROS_PER_DAY: i64 = 86_400_000_000;
    let span = Span::new()
        .try_days(micros / MICROS_PER_DAY)
        .ok()?
        .try_microseconds(micros % MICROS_PER_DAY)
        .ok()?;
    at.checked_add(span).ok()
}

/// dateparser's `^\s*(\d{1,2})\s+(?=(?:in\s+)?\d+\s+month\b)`.
fn day_of_month(pieces: &[Piece]) -> Option<i8> {
    let mut it = pieces.iter().skip_while(|p| **p == Piece::Space);
    let Some(Piece::Digits(day)) = it.next() else {
        return None;
    };
    if day.len() > 2 || it.next() != Some(&Piece::Space) {
        return None;
    }
    let mut words = it.filter(|p| **p != Piece::Space);
    let mut first = words.next();
    if first == Some(&Piece::In) {
        first = words.next();
    }
    match (first, words.next()) {
        (Some(Piece::Digits(_)), Some(Piece::Unit(Unit::Month))) => {
            decimal(day).and_then(|d| i8::try_from(d).ok())
        }
        _ => None,
    }
}

fn previous_word<'a>(pieces: &'a [Piece<'a>], at: usize) -> Option<&'a Piece<'a>> {
    pieces[..at].iter().rev().find(|p| **p != Piece::Space)
}

/// The amount written before the unit at `unit_at`, as dateparser's pattern
/// `(?<![\d/.:])((?:[+-]\s*)?\d+[.,]?\d*)\s*unit` reads it: where it starts,
/// its value, and whether it carries a sign.
fn amount_before(pieces: &[Piece], unit_at: usize) -> Option<(usize, f64, bool)> {
    let mut at = unit_at;
    if at > 0 && pieces[at - 1] == Piece::Space {
        at -= 1;
    }
    let mut text = String::new();
    // `\d+[.,]?\d*`, read backwards.
    let last = at.checked_sub(1)?;
    match &pieces[last] {
        Piece::Digits(d) => {
            at = last;
            if at >= 2 {
                if let (Piece::Punct(sep @ ('.' | ',')), Piece::Digits(whole)) =
                    (&pieces[at - 1], &pieces[at - 2])
                {
                    let _ = sep;
                    text = format!("{whole}.{d}");
                    at -= 2;
                }
            }
            if text.is_empty() {
                text = d.to_string();
            }
        }
        Piece::Punct('.' | ',') if last >= 1 => match &pieces[last - 1] {
            Piece::Digits(whole) => {
                text = whole.to_string();
                at = last - 1;
            }
            _ => return None,
        },
        _ => return None,
    }
    let mut start = at;
    let mut sign = None;
    let mut before = start.checked_sub(1);
    if let Some(b) = before {
        let sign_at = if pieces[b] == Piece::Space && b > 0 {
            b - 1
        } else {
            b
        };
        if let Piece::Punct(s @ ('+' | '-')) = pieces[sign_at] {
            let outside = sign_at.checked_sub(1).map(|o| &pieces[o]);
            if outside.is_none_or(|p| !blocks_amount(p)) {
                sign = Some(s);
                start = sign_at;
                before = sign_at.checked_sub(1);
            }
        }
    }
    if sign.is_none() {
        if let Some(b) = before {
            if blocks_amount(&pieces[b]) {
                return None;
            }
        }
    }
    // dateparser reads the amount with float().
    let value = crate::python::float(&text)?;
    let value = if sign == Some('-') { -value } else { value };
    Some((start, value, sign.is_some()))
}

/// A number right after a digit, `/`, `.` or `:` continues a date or a time.
fn blocks_amount(piece: &Piece) -> bool {
    matches!(piece, Piece::Digits(_) | Piece::Punct('/' | '.' | ':'))
}

impl Clock {
    fn to_time(self) -> Option<Time> {
        Time::new(self.hour, self.minute, self.second, self.nanos).ok()
    }
}

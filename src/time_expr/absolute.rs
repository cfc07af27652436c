//! Dates and times, as dateparser's absolute parser reads them: numbers in
//! the date order (month, day, year; a four-digit year first means year,
//! month, day), month and weekday names, one time of day; the parts not
//! written come from now (the current day of the current month of the
//! current year, midnight), a lone weekday is the latest one (`last`: the
//! one before, `next`/`this`: the coming one).

use super::clock::Clock;
use super::decimal;
use super::words::{Modifier, Piece, Unit};
use jiff::civil::{Date, DateTime, Time};
use jiff::Span;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum DateOrder {
    Mdy,
    Dmy,
    Ymd,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Part {
    Day,
    Month,
    Year,
}

/// A token of dateparser's tokenizer: digits (with `:`), a word, or anything else.
#[derive(Debug)]
enum Token<'a> {
    Number(String),
    Word(&'a Piece<'a>),
    Other(char),
}

#[derive(Default)]
/// What is read so far; the tokens are those of the expression.
struct Reading<'a> {
    day: Option<(i8, &'a str, bool)>,
    month: Option<(i8, &'a str, bool)>,
    year: Option<(i16, &'a str, bool)>,
    weekday: Option<i8>,
    modifier: Option<Modifier>,
    time: Option<Clock>,
    unset: Vec<&'a str>,
    skip_year: bool,
}

fn tokens<'a>(pieces: &'a [Piece<'a>]) -> Vec<Token<'a>> {
    let mut out: Vec<Token> = Vec::new();
    for piece in pieces {
        let digit_like = match piece {
            Piece::Digits(d) => Some(*d),
            Piece::Punct(':') => Some(":"),
            _ => None,
        };
        match (digit_like, out.last_mut()) {
            (Some(text), Some(Token::Number(n))) => n.push_str(text),
            (Some(text), _) => out.push(Token::Number(text.to_string())),
            (None, _) => match piece {
                Piece::Punct(c) => out.push(Token::Other(*c)),
                Piece::Space => out.push(Token::Other(' ')),
                word => out.push(Token::Word(word)),
            },
        }
    }
    out
}

/// `strptime` with `%m`, `%d`, `%y` or `%Y` on the whole token.
fn read_number(token: &str, part: Part, two_digit_year: bool) -> Option<i16> {
    if token.is_empty() || !token.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let value = i16::try_from(decimal(token)?).ok()?;
    match part {
        Part::Month => (token.len() <= 2 && (1..=12).contains(&value)).then_some(value),
        Part::Day => (token.len() <= 2 && (1..=31).contains(&value)).then_some(value),
        // `then`, not `then_some`: the sum is only taken for two digits.
        Part::Year if two_digit_year => (token.len() == 2).then(|| {
            if value < 69 {
                2000 + value
            } else {
                1900 + value
            }
        }),
        Part::Year => (token.len() == 4 && value >= 1).then_some(value),
    }
}

impl<'a> Reading<'a> {
    fn part(&self, part: Part) -> Option<(i16, &'a str, bool)> {
        match part {
            Part::Day => self.day.map(|(v, t, a)| (i16::from(v), t, a)),
            Part::Month => self.month.map(|(v, t, a)| (i16::from(v), t, a)),
            Part::Year => self.year,
        }
    }

    fn set(&mut self, part: Part, value: i16, token: &'a str, alpha: bool) {
        match part {
            // In range: the readers above checked it.
            Part::Day => self.day = Some((value as i8, token, alpha)),
            Part::Month => self.month = Some((value as i8, token, alpha)),
            Part::Year => self.year = Some((value, token, alpha)),
        }
    }

    fn number(&mut self, token: &'a str, order: &[Part; 3]) -> Option<()> {
        let order = if self.skip_year && self.day.is_none() && self.month.is_none() {
            &[Part::Month, Part::Day, Part::Year]
        } else {
            order
        };
        for &part in order {
            if part == Part::Year && self.skip_year {
                continue;
            }
            let directives: &[bool] = if part == Part::Year {
                &[true, false]
            } else {
                &[false]
            };
            for &two_digit in directives {
                let Some(value) = read_number(token, part, two_digit) else {
                    continue;
                };
                match self.part(part) {
                    None => {
                        self.set(part, value, token, false);
                        if token.len() == 4 && part == Part::Year {
                            self.skip_year = true;
                        }
                        return Some(());
                    }
                    Some((_, previous, false)) => {
                        if read_number(previous, part, two_digit).is_none() {
                            self.unset.push(previous);
                            self.set(part, value, token, false);
                            if token.len() == 4 && part == Part::Year {
                                self.skip_year = true;
                            }
                            return Some(());
                        }
                    }
                    Some(_) => {}
                }
            }
        }
        None
    }

    fn word(&mut self, piece: &Piece) -> Option<()> {
        match piece {
            Piece::Weekday(day) if self.weekday.is_none() => self.weekday = Some(*day),
            Piece::Month(month) => match (&self.month, &self.day) {
                (None, _) => self.month = Some((*month, "", true)),
                (Some((previous, token, false)), None) => {
                    // The number read as the month was the day (`3 march`).
                    self.day = Some((*previous, token, false));
                    self.month = Some((*month, "", true));
                }
                _ => return None,
            },
            _ => return None,
        }
        Some(())
    }
}

/// Reads `pieces` as an absolute date and time, the missing parts from
/// `now` (a UTC wall clock); `None` when they are not one.
pub(super) fn parse_absolute(
    pieces: &[Piece],
    now: DateTime,
    order: DateOrder,
) -> Option<DateTime> {
    let part_of_day = pieces.iter().find_map(|p| match p {
        Piece::PartOfDay(hour) => Some(*hour),
        _ => None,
    });
    // Loops, not iterator chains: each chain collected is code of its own.
    let mut kept: Vec<Piece> = Vec::new();
    for piece in pieces {
        if !matches!(piece, Piece::PartOfDay(_) | Piece::Zone(_)) {
            kept.push(*piece);
        }
    }
    let all = tokens(&kept);
    let mut filtered: Vec<usize> = Vec::new();
    let mut numbers: Vec<&str> = Vec::new();
    for (i, token) in all.iter().enumerate() {
        match token {
            Token::Other(_) => continue,
            Token::Number(n) if n.bytes().all(|b| b.is_ascii_digit()) => numbers.push(n),
            _ => {}
        }
        filtered.push(i);
    }
    let has_words = filtered.iter().any(|&i| matches!(all[i], Token::Word(_)));
    // Two numbers, the shorter of one or two digits and the longer of four.
    let short_and_year = match numbers.as_slice() {
        [a, b] => {
            let (short, long) = (a.len().min(b.len()), a.len().max(b.len()));
            short <= 2 && long == 4
        }
        _ => false,
    };
    let order = if !has_words && short_and_year {
        [Part::Month, Part::Day, Part::Year]
    } else {
        match order {
            DateOrder::Mdy => [Part::Month, Part::Day, Part::Year],
            DateOrder::Dmy => [Part::Day, Part::Month, Part::Year],
            DateOrder::Ymd => [Part::Year, Part::Month, Part::Day],
        }
    };

    let mut reading = Reading::default();
    let mut skip: Vec<usize> = Vec::new();
    let mut nothing_to_parse = true;
    let is_other = |i: usize, c: char| matches!(all.get(i), Some(Token::Other(o)) if *o == c);
    for (index, &at) in filtered.iter().enumerate() {
        if skip.contains(&index) {
            continue;
        }
        let token = &all[at];
        if matches!(
            token,
            Token::Word(Piece::T | Piece::Unit(Unit::Year | Unit::Hour | Unit::Minute))
        ) {
            continue;
        }
        nothing_to_parse = false;
        if let Token::Word(Piece::Modifier(m)) = token {
            if reading.modifier.is_some() {
                return None;
            }
            reading.modifier = Some(*m);
            continue;
        }
        if reading.time.is_none() {
            let mut text = match token {
                Token::Number(n) => n.clone(),
                _ => String::new(),
            };
            let mut meridian_index = index + 1;
            // `13.20`: hours and minutes around a period.
            if is_other(at + 1, '.') && !(at > 0 && is_other(at - 1, '.')) {
                if let Some(Token::Number(next)) = filtered.get(index + 1).map(|&n| &all[n]) {
                    let next_is_last = index + 1 == filtered.len() - 1;
                    if next_is_last || !is_other(filtered[index + 1] + 1, '.') {
                        let joined = format!("{text}:{next}");
                        if is_hour_minute(&joined) {
                            text = joined;
                            skip.push(index + 1);
                            meridian_index += 1;
                        }
                    }
                }
            }
            let joined = skip.contains(&(index + 1));
            let micro = match filtered.get(index + 1).map(|&n| &all[n]) {
                Some(Token::Number(next))
                    if !joined
                        && text.contains(':')
                        && is_other(at + 1, '.')
                        && next.starts_with(|c: char| c.is_ascii_digit()) =>
                {
                    let digits = next.bytes().take_while(u8::is_ascii_digit).count();
                    Some(&next[..digits.min(6)])
                }
                _ => None,
            };
            if micro.is_some() {
                meridian_index += 1;
            }
            let meridian = filtered.get(meridian_index).and_then(|&n| match all[n] {
                Token::Word(Piece::Meridian { pm }) => Some(*pm),
                _ => None,
            });
            if text.contains(':') || meridian.is_some() || micro.is_some() {
                if micro.is_some() {
                    skip.push(index + 1);
                }
                if meridian.is_some() {
                    skip.push(meridian_index);
                }
                reading.time = Some(clock(&text, micro, meridian)?);
                continue;
            }
        }
        match token {
            Token::Number(n) => reading.number(n, &order)?,
            Token::Word(word) => reading.word(word)?,
            Token::Other(_) => {}
        }
    }
    if nothing_to_parse {
        return None;
    }
    let unknown = [
        reading.day.is_none(),
        reading.month.is_none(),
        reading.year.is_none(),
    ];
    let unknown_count = unknown.iter().filter(|u| **u).count();
    if reading.unset.len() > unknown_count {
        return None;
    }
    let mut day = reading.day.as_ref().map(|d| i16::from(d.0));
    let mut month = reading.month.as_ref().map(|m| i16::from(m.0));
    let mut year = reading.year.as_ref().map(|y| y.0);
    if let Some(last) = reading.unset.last() {
        let value = i16::try_from(decimal(last)?).ok()?;
        day = day.or(Some(value));
        month = month.or(Some(value));
        year = year.or(Some(value));
    }
    let has_day = day.is_some();
    let has_year = year.is_some();
    let has_month = month.is_some();
    let time = match reading.time.or(part_of_day.map(Clock::hour)) {
        Some(c) => Time::new(c.hour, c.minute, c.second, c.nanos).ok()?,
        None => Time::midnight(),
    };
    let today = now.date();
    let mut y = year.unwrap_or(today.year());
    let m = i8::try_from(month.unwrap_or(i16::from(today.month()))).ok()?;
    let d = i8::try_from(day.unwrap_or(i16::from(today.day()))).ok()?;
    if !(1..=9999).contains(&y) || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let mut date = match Date::new(y, m, d).ok() {
        Some(date) => date,
        None if !has_day && reading.weekday.is_none() => Date::new(y, m, 1).ok()?.last_of_month(),
        None if !has_year && m == 2 && d == 29 => {
            y = closer_leap_year(y);
            Date::new(y, m, d).ok()?
        }
        None => return None,
    };
    let mut month_written = has_month;
    if let (Some(target), false) = (reading.weekday, has_day || has_month || has_year) {
        let current = date.weekday().to_monday_zero_offset();
        let forward = i64::from((target - current).rem_euclid(7));
        let back = i64::from((current - target).rem_euclid(7));
        let steps = match reading.modifier {
            Some(Modifier::Next) => {
                if forward == 0 {
                    7
                } else {
                    forward
                }
            }
            Some(Modifier::This) => forward,
            Some(Modifier::Last) => -(if back == 0 { 7 } else { back }),
            None => -back,
        };
        date = date.checked_add(Span::new().days(steps)).ok()?;
        month_written = true;
    } else if reading.modifier.is_some() && !(reading.weekday.is_some() && has_day) {
        return None;
    }
    if !month_written {
        let with_month = |month| date.with().month(month).build().ok();
        date = with_month(today.month()).or_else(|| with_month(12))?;
    }
    if !has_day && reading.weekday.is_none() && reading.time.is_none() {
        date = date
            .with()
            .day(today.day())
            .build()
            .unwrap_or_else(|_| date.last_of_month());
    }
    (1..=9999)
        .contains(&date.year())
        .then(|| date.to_datetime(time))
}

fn closer_leap_year(year: i16) -> i16 {
    let leap = |y: i16| Date::new(y, 2, 29).is_ok();
    let next = (year + 1..).find(|&y| leap(y)).unwrap_or(year);
    let previous = (1..year).rev().find(|&y| leap(y)).unwrap_or(year);
    if next - year < year - previous {
        next
    } else {
        previous
    }
}

/// `^([0-9]|0[0-9]|1[0-9]|2[0-3]):[0-5][0-9]$`
fn is_hour_minute(text: &str) -> bool {
    let Some((h, m)) = text.split_once(':') else {
        return false;
    };
    let h_ok = !h.is_empty() && h.len() <= 2 && decimal(h).is_some_and(|v| v <= 23);
    let m_ok = m.len() == 2 && decimal(m).is_some_and(|v| v <= 59);
    h_ok && m_ok && h.bytes().all(|b| b.is_ascii_digit()) && m.bytes().all(|b| b.is_ascii_digit())
}

fn clock(text: &str, micro: Option<&str>, pm: Option<bool>) -> Option<Clock> {
    let mut fields = text.split(':');
    let hour = fields.next()?;
    let minute = fields.next();
    let second = fields.next();
    if fields.next().is_some() {
        return None;
    }
    Clock::from_fields(hour, minute, second, micro, pm)
}

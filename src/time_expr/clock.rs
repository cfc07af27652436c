//! Times of day, in the formats dateparser's time parser tries:
//! `%H:%M:%S`, `%I:%M:%S %p`, `%H:%M`, `%I:%M %p`, `%I %p`, `%H:%M:%S.%f`,
//! `%I:%M:%S.%f %p`, `%H:%M %p` (the meridian then ignored).

use super::decimal;
use super::words::Piece;

#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Clock {
    pub hour: i8,
    pub minute: i8,
    pub second: i8,
    pub nanos: i32,
}

impl Clock {
    pub(super) fn hour(hour: i8) -> Clock {
        Clock {
            hour,
            minute: 0,
            second: 0,
            nanos: 0,
        }
    }

    /// The fields as written; `None` when no format takes them.
    pub(super) fn from_fields(
        hour: &str,
        minute: Option<&str>,
        second: Option<&str>,
        fraction: Option<&str>,
        pm: Option<bool>,
    ) -> Option<Clock> {
        let minute_value = match minute {
            Some(m) => Some(field(m, 59)?),
            None => None,
        };
        let second_value = match second {
            Some(s) => Some(field(s, 59)?),
            None => None,
        };
        let nanos = match fraction {
            Some(f) if !f.is_empty() && f.len() <= 6 && f.bytes().all(|b| b.is_ascii_digit()) => {
                // Nanoseconds: the digits padded to nine with zeros.
                i32::try_from(decimal(f)?).ok()? * 10i32.pow(9 - f.len() as u32)
            }
            Some(_) => return None,
            None => 0,
        };
        if fraction.is_some() && second.is_none() {
            return None;
        }
        let hour_value = match pm {
            None => {
                minute?; // a bare number is no time
                field(hour, 23)?
            }
            Some(pm) => match field(hour, 12).filter(|&h| h >= 1) {
                Some(h) => (h % 12) + if pm { 12 } else { 0 },
                // `%H:%M %p`: only hours and minutes, the meridian ignored.
                None if minute.is_some() && second.is_none() => field(hour, 23)?,
                None => return None,
            },
        };
        Some(Clock {
            hour: hour_value,
            minute: minute_value.unwrap_or(0),
            second: second_value.unwrap_or(0),
            nanos,
        })
    }
}

/// One or two digits up to `max`, as `strptime` reads `%H`, `%I`, `%M`, `%S`.
fn field(text: &str, max: i8) -> Option<i8> {
    if text.is_empty() || text.len() > 2 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let value = i8::try_from(decimal(text)?).ok()?;
    (value <= max).then_some(value)
}

/// The whole of `pieces` (spaces aside) as one time of day, or `None`.
pub(super) fn read_clock(pieces: &[Piece]) -> Option<Clock> {
    let mut words: Vec<Piece> = Vec::new();
    for piece in pieces {
        if *piece != Piece::Space {
            words.push(*piece);
        }
    }
    let pieces = words;
    let (body, pm) = match pieces.split_last() {
        Some((Piece::Meridian { pm }, body)) => (body, Some(*pm)),
        _ => (pieces.as_slice(), None),
    };
    fn digits<'a>(p: &Piece<'a>) -> Option<&'a str> {
        match p {
            Piece::Digits(d) => Some(*d),
            _ => None,
        }
    }
    let colon = |p: &Piece| matches!(p, Piece::Punct(':'));
    match body {
        [h] => Clock::from_fields(digits(h)?, None, None, None, pm),
        [h, c, m] if colon(c) => Clock::from_fields(digits(h)?, Some(digits(m)?), None, None, pm),
        [h, c1, m, c2, s] if colon(c1) && colon(c2) => {
            Clock::from_fields(digits(h)?, Some(digits(m)?), Some(digits(s)?), None, pm)
        }
        [h, c1, m, c2, s, Piece::Punct('.'), f] if colon(c1) && colon(c2) => Clock::from_fields(
            digits(h)?,
            Some(digits(m)?),
            Some(digits(s)?),
            Some(digits(f)?),
            pm,
        ),
        _ => None,
    }
}

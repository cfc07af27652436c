//! The civil time the time expressions need, and no more: instants since the
//! Unix epoch, dates of the proleptic Gregorian calendar, times of day, fixed
//! UTC offsets, and RFC 3339 with milliseconds. It replaced jiff in the
//! component (jiff took about 190 KB of it for these few functions) and
//! keeps jiff's ranges and results, which the tests check against jiff
//! itself: years -9999 to 9999, and instants whose date is in that range at
//! every offset.
//!
//! Days and dates convert with Howard Hinnant's algorithms
//! (<https://howardhinnant.github.io/date_algorithms.html>).

use std::fmt;

const NANOS_PER_SECOND: i32 = 1_000_000_000;
const NANOS_PER_MILLISECOND: i32 = 1_000_000;
const SECONDS_PER_DAY: i64 = 86_400;
/// 0000-03-01 to 1970-01-01.
const DAYS_FROM_MARCH_ZERO_TO_EPOCH: i64 = 719_468;
const DAYS_PER_400_YEARS: i64 = 146_097;

/// An instant: whole seconds since 1970-01-01T00:00:00Z and the nanoseconds
/// after them (0 to 999,999,999, before the epoch too).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    second: i64,
    nanosecond: i32,
}

impl Timestamp {
    pub const UNIX_EPOCH: Timestamp = Timestamp {
        second: 0,
        nanosecond: 0,
    };
    /// -009999-01-02T01:59:59Z: -9999-01-01T00:00:00 at -25:59:59.
    const MIN_SECOND: i64 = -377_705_023_201;
    /// 9999-12-30T22:00:00Z: 9999-12-31T23:59:59 at +25:59:59.
    const MAX_SECOND: i64 = 253_402_207_200;

    /// `None` outside the range, or when `nanosecond` is not 0 to 999,999,999.
    pub fn new(second: i64, nanosecond: i32) -> Option<Timestamp> {
        let valid = (Self::MIN_SECOND..=Self::MAX_SECOND).contains(&second)
            && (0..NANOS_PER_SECOND).contains(&nanosecond);
        valid.then_some(Timestamp { second, nanosecond })
    }

    /// Whole seconds since the epoch, rounded down.
    pub fn as_second(self) -> i64 {
        self.second
    }

    /// The nanoseconds after [`Timestamp::as_second`].
    pub fn subsec_nanosecond(self) -> i32 {
        self.nanosecond
    }

    /// Whole microseconds since the epoch, rounded toward it (as jiff does).
    pub fn as_microsecond(self) -> i64 {
        let micros = self.second * 1_000_000 + i64::from(self.nanosecond / 1000);
        // Before the epoch the seconds are rounded down; a part of a
        // microsecond brings the count back toward the epoch.
        micros + i64::from(self.second < 0 && self.nanosecond % 1000 != 0)
    }

    /// `seconds` earlier (later when negative), the seconds rounded to the
    /// nanosecond; `None` when they are not finite or the result is out of range.
    pub fn checked_sub_seconds(self, seconds: f64) -> Option<Timestamp> {
        // jiff's SignedDuration::try_from_secs_f64: whole seconds, and the
        // fraction rounded to the nanosecond.
        if !seconds.is_finite() || !(i64::MIN as f64..=i64::MAX as f64).contains(&seconds) {
            return None;
        }
        let whole = seconds.trunc() as i64;
        let nanos = (seconds.fract() * f64::from(NANOS_PER_SECOND)).round() as i32;
        let (second, nanosecond) = carry(self.second.checked_sub(whole)?, self.nanosecond - nanos)?;
        Timestamp::new(second, nanosecond)
    }

    /// The seconds from `earlier` to `self`, negative when `earlier` is later.
    pub fn seconds_since(self, earlier: Timestamp) -> f64 {
        let mut seconds = self.second - earlier.second;
        let mut nanos = self.nanosecond - earlier.nanosecond;
        // Both parts of one sign, as jiff's SignedDuration::as_secs_f64 adds them.
        if seconds > 0 && nanos < 0 {
            seconds -= 1;
            nanos += NANOS_PER_SECOND;
        } else if seconds < 0 && nanos > 0 {
            seconds += 1;
            nanos -= NANOS_PER_SECOND;
        }
        seconds as f64 + f64::from(nanos) / f64::from(NANOS_PER_SECOND)
    }

    /// The wall clock at `offset`.
    pub(super) fn to_datetime(self, offset: Offset) -> Option<DateTime> {
        DateTime::from_local_seconds(self.second + i64::from(offset.seconds), self.nanosecond)
    }

    /// To the nearest millisecond, half away from the epoch (jiff's
    /// `HalfExpand`); `None` when that is past the range.
    fn round_to_millisecond(self) -> Option<Timestamp> {
        let below = self.nanosecond % NANOS_PER_MILLISECOND;
        let down = self.nanosecond - below;
        // Before the epoch the seconds are rounded down, so away from the
        // epoch is down.
        let up = below > NANOS_PER_MILLISECOND / 2
            || (below == NANOS_PER_MILLISECOND / 2 && self.second >= 0);
        let nanos = if up {
            down + NANOS_PER_MILLISECOND
        } else {
            down
        };
        let (second, nanosecond) = carry(self.second, nanos)?;
        Timestamp::new(second, nanosecond)
    }

    /// RFC 3339 in UTC with exactly three decimals of the second, rounded:
    /// `2026-11-22T08:29:32.400Z`. jiff's `{:.3}` form: a year before 0 is
    /// `-00yyyy`, the last instant of the range is truncated.
    pub(super) fn to_rfc3339_millis(self) -> String {
        let at = self.round_to_millisecond().unwrap_or(self);
        at.to_rfc3339(&format!(".{:03}", at.nanosecond / NANOS_PER_MILLISECOND))
    }

    /// RFC 3339 in UTC with `fraction` after the seconds.
    fn to_rfc3339(self, fraction: &str) -> String {
        let Some(DateTime { date, time }) = self.to_datetime(Offset::UTC) else {
            // Unreachable: every instant in the range has a UTC date.
            return format!(
                "{}.{:09} seconds since the epoch",
                self.second, self.nanosecond
            );
        };
        let sign = if date.year < 0 { "-00" } else { "" };
        format!(
            "{sign}{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{fraction}Z",
            date.year.unsigned_abs(),
            date.month,
            date.day,
            time.hour,
            time.minute,
            time.second,
        )
    }
}

/// RFC 3339 in UTC with as many decimals as the instant needs (jiff's
/// `Display`): what failing tests print.
impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let fraction = if self.nanosecond == 0 {
            String::new()
        } else {
            format!(".{:09}", self.nanosecond)
                .trim_end_matches('0')
                .to_string()
        };
        f.write_str(&self.to_rfc3339(&fraction))
    }
}

/// Seconds and nanoseconds with the nanoseconds brought into 0 to 999,999,999.
fn carry(second: i64, nanos: i32) -> Option<(i64, i32)> {
    let extra = nanos.div_euclid(NANOS_PER_SECOND);
    Some((
        second.checked_add(i64::from(extra))?,
        nanos.rem_euclid(NANOS_PER_SECOND),
    ))
}

/// A fixed offset from UTC, at most 25:59:59 either way (jiff's range).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Offset {
    seconds: i32,
}

impl Offset {
    pub(super) const UTC: Offset = Offset { seconds: 0 };

    /// Seconds east of UTC.
    pub(super) fn from_seconds(seconds: i32) -> Option<Offset> {
        (seconds.unsigned_abs() <= 93_599).then_some(Offset { seconds })
    }
}

/// A day of the proleptic Gregorian calendar, years -9999 to 9999.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Date {
    year: i16,
    month: i8,
    day: i8,
}

impl Date {
    /// `None` unless the day exists.
    pub(super) fn new(year: i16, month: i8, day: i8) -> Option<Date> {
        let valid = (-9999..=9999).contains(&year)
            && (1..=12).contains(&month)
            && day >= 1
            && day <= days_in_month(year, month);
        valid.then_some(Date { year, month, day })
    }

    pub(super) fn year(self) -> i16 {
        self.year
    }

    pub(super) fn month(self) -> i8 {
        self.month
    }

    pub(super) fn day(self) -> i8 {
        self.day
    }

    pub(super) fn days_in_month(self) -> i8 {
        days_in_month(self.year, self.month)
    }

    pub(super) fn last_of_month(self) -> Date {
        Date {
            day: self.days_in_month(),
            ..self
        }
    }

    /// The same day of `month`; `None` when that month is shorter.
    pub(super) fn with_month(self, month: i8) -> Option<Date> {
        Date::new(self.year, month, self.day)
    }

    /// `day` of the same month; `None` when the month is shorter.
    pub(super) fn with_day(self, day: i8) -> Option<Date> {
        Date::new(self.year, self.month, day)
    }

    /// 0 (Monday) to 6 (Sunday).
    pub(super) fn weekday(self) -> i8 {
        // 1970-01-01 was a Thursday.
        (self.to_days() + 3).rem_euclid(7) as i8
    }

    /// `days` later (earlier when negative); `None` out of range.
    pub(super) fn checked_add_days(self, days: i64) -> Option<Date> {
        Date::from_days(self.to_days().checked_add(days)?)
    }

    /// Days since 1970-01-01 (Hinnant's `days_from_civil`).
    fn to_days(self) -> i64 {
        let (month, day) = (i64::from(self.month), i64::from(self.day));
        // Years from March, so that February's leap day ends the year.
        let year = i64::from(self.year) - i64::from(month <= 2);
        let era = year.div_euclid(400);
        let year_of_era = year - era * 400;
        let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
        let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
        era * DAYS_PER_400_YEARS + day_of_era - DAYS_FROM_MARCH_ZERO_TO_EPOCH
    }

    /// The date `days` after 1970-01-01 (Hinnant's `civil_from_days`);
    /// `None` out of range.
    fn from_days(days: i64) -> Option<Date> {
        let days = days.checked_add(DAYS_FROM_MARCH_ZERO_TO_EPOCH)?;
        let era = days.div_euclid(DAYS_PER_400_YEARS);
        let day_of_era = days - era * DAYS_PER_400_YEARS;
        let year_of_era =
            (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
        let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
        let month_from_march = (5 * day_of_year + 2) / 153;
        let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
        let month = if month_from_march < 10 {
            month_from_march + 3
        } else {
            month_from_march - 9
        };
        let year = era.checked_mul(400)? + year_of_era + i64::from(month <= 2);
        Date::new(i16::try_from(year).ok()?, month as i8, day as i8)
    }
}

fn is_leap_year(year: i16) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i16, month: i8) -> i8 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// A time of day, to the nanosecond.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Time {
    hour: i8,
    minute: i8,
    second: i8,
    nanosecond: i32,
}

impl Time {
    pub(super) const MIDNIGHT: Time = Time {
        hour: 0,
        minute: 0,
        second: 0,
        nanosecond: 0,
    };

    /// `None` unless each field is in its range (no leap second).
    pub(super) fn new(hour: i8, minute: i8, second: i8, nanosecond: i32) -> Option<Time> {
        let valid = (0..=23).contains(&hour)
            && (0..=59).contains(&minute)
            && (0..=59).contains(&second)
            && (0..NANOS_PER_SECOND).contains(&nanosecond);
        valid.then_some(Time {
            hour,
            minute,
            second,
            nanosecond,
        })
    }

    fn seconds_of_day(self) -> i64 {
        i64::from(self.hour) * 3600 + i64::from(self.minute) * 60 + i64::from(self.second)
    }
}

/// A date and a time of day, in no particular zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct DateTime {
    date: Date,
    time: Time,
}

impl DateTime {
    pub(super) fn new(date: Date, time: Time) -> DateTime {
        DateTime { date, time }
    }

    pub(super) fn date(self) -> Date {
        self.date
    }

    pub(super) fn time(self) -> Time {
        self.time
    }

    /// `micros` microseconds later (earlier when negative), exactly;
    /// `None` out of range. (jiff also refused more than 2,932,896 days
    /// forward or 4,371,587 back whatever the start; Python's datetime and
    /// this do not.)
    pub(super) fn checked_add_micros(self, micros: i64) -> Option<DateTime> {
        let seconds = self
            .seconds_since_epoch()
            .checked_add(micros.div_euclid(1_000_000))?;
        let nanos = self.time.nanosecond + (micros.rem_euclid(1_000_000) as i32) * 1000;
        let (seconds, nanosecond) = carry(seconds, nanos)?;
        DateTime::from_local_seconds(seconds, nanosecond)
    }

    /// The wall clock `seconds` after 1970-01-01T00:00:00 (and
    /// `nanosecond`); `None` out of range.
    fn from_local_seconds(seconds: i64, nanosecond: i32) -> Option<DateTime> {
        let date = Date::from_days(seconds.div_euclid(SECONDS_PER_DAY))?;
        let of_day = seconds.rem_euclid(SECONDS_PER_DAY) as i32;
        let time = Time::new(
            (of_day / 3600) as i8,
            (of_day / 60 % 60) as i8,
            (of_day % 60) as i8,
            nanosecond,
        )?;
        Some(DateTime::new(date, time))
    }

    /// The instant this wall clock shows at `offset`; `None` out of range.
    pub(super) fn to_timestamp(self, offset: Offset) -> Option<Timestamp> {
        let second = self.seconds_since_epoch() - i64::from(offset.seconds);
        Timestamp::new(second, self.time.nanosecond)
    }

    /// Seconds from 1970-01-01T00:00:00 on the same wall clock.
    fn seconds_since_epoch(self) -> i64 {
        self.date.to_days() * SECONDS_PER_DAY + self.time.seconds_of_day()
    }
}

#[cfg(test)]
mod tests;

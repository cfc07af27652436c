//! The civil arithmetic at its edges, and against jiff (the crate it
//! replaced) over generated dates, instants and offsets.

use proptest::prelude::*;

use super::*;

fn date(year: i16, month: i8, day: i8) -> Date {
    Date::new(year, month, day).unwrap()
}

fn theirs_date(d: Date) -> jiff::civil::Date {
    jiff::civil::date(d.year(), d.month(), d.day())
}

fn theirs_datetime(d: DateTime) -> jiff::civil::DateTime {
    let t = d.time();
    theirs_date(d.date()).at(t.hour, t.minute, t.second, t.nanosecond)
}

fn theirs_timestamp(at: Timestamp) -> jiff::Timestamp {
    jiff::Timestamp::new(at.as_second(), at.subsec_nanosecond()).unwrap()
}

#[test]
fn leap_years_follow_the_gregorian_rule() {
    assert!(Date::new(2024, 2, 29).is_some());
    assert!(Date::new(2000, 2, 29).is_some());
    assert!(Date::new(1900, 2, 29).is_none());
    assert!(Date::new(2026, 2, 29).is_none());
    assert!(Date::new(0, 2, 29).is_some());
    assert!(Date::new(-4, 2, 29).is_some());
    assert!(Date::new(-100, 2, 29).is_none());
    assert_eq!(date(2024, 2, 1).days_in_month(), 29);
    assert_eq!(date(2026, 2, 1).days_in_month(), 28);
}

#[test]
fn only_real_days_and_times_are_built() {
    assert!(Date::new(2026, 4, 31).is_none());
    assert!(Date::new(2026, 13, 1).is_none());
    assert!(Date::new(2026, 1, 0).is_none());
    assert!(Date::new(10_000, 1, 1).is_none());
    assert!(Date::new(-10_000, 1, 1).is_none());
    assert!(Time::new(24, 0, 0, 0).is_none());
    assert!(Time::new(23, 60, 0, 0).is_none());
    assert!(Time::new(23, 59, 60, 0).is_none());
    assert!(Time::new(23, 59, 59, 1_000_000_000).is_none());
    assert!(Time::new(23, 59, 59, -1).is_none());
}

#[test]
fn months_are_changed_only_when_the_day_exists() {
    assert_eq!(date(2026, 3, 31).with_month(2), None);
    assert_eq!(date(2026, 3, 31).with_month(12), Some(date(2026, 12, 31)));
    assert_eq!(date(2026, 2, 14).with_day(30), None);
    assert_eq!(date(2024, 2, 14).last_of_month(), date(2024, 2, 29));
}

#[test]
fn days_count_from_the_epoch() {
    assert_eq!(date(1970, 1, 1).to_days(), 0);
    assert_eq!(date(1969, 12, 31).to_days(), -1);
    assert_eq!(date(2000, 3, 1).to_days(), 11_017);
    assert_eq!(Date::from_days(-1), Some(date(1969, 12, 31)));
    assert_eq!(date(-9999, 1, 1).checked_add_days(-1), None);
    assert_eq!(date(9999, 12, 31).checked_add_days(1), None);
    assert_eq!(
        date(2024, 2, 28).checked_add_days(2),
        Some(date(2024, 3, 1))
    );
}

#[test]
fn weekdays_start_on_monday() {
    assert_eq!(date(1970, 1, 1).weekday(), 3);
    assert_eq!(date(2026, 11, 22).weekday(), 6);
    assert_eq!(date(2026, 11, 23).weekday(), 0);
    assert_eq!(date(-9999, 1, 1).weekday(), 0);
}

#[test]
fn instants_are_read_at_offsets_and_back() {
    let at = Timestamp::new(1_795_336_200, 5).unwrap();
    let east = Offset::from_seconds(2 * 3600).unwrap();
    let civil = at.to_datetime(east).unwrap();
    assert_eq!(civil.date(), date(2026, 11, 22));
    assert_eq!(civil.time(), Time::new(10, 30, 0, 5).unwrap());
    assert_eq!(civil.to_timestamp(east), Some(at));
    assert!(Offset::from_seconds(93_599).is_some());
    assert!(Offset::from_seconds(-93_600).is_none());
    assert!(Offset::from_seconds(i32::MIN).is_none());
}

#[test]
fn the_range_is_jiffs() {
    assert_eq!(
        Timestamp::new(-377_705_023_201, 0).map(theirs_timestamp),
        Some(jiff::Timestamp::MIN)
    );
    assert_eq!(
        Timestamp::new(253_402_207_200, 999_999_999).map(theirs_timestamp),
        Some(jiff::Timestamp::MAX)
    );
    assert_eq!(Timestamp::new(-377_705_023_202, 999_999_999), None);
    assert_eq!(Timestamp::new(253_402_207_201, 0), None);
    let first = DateTime::new(date(-9999, 1, 1), Time::MIDNIGHT);
    let most_west = Offset::from_seconds(-93_599).unwrap();
    assert_eq!(
        first.to_timestamp(most_west),
        Timestamp::new(-377_705_023_201, 0)
    );
    assert_eq!(first.to_timestamp(Offset::UTC), None);
    assert_eq!(first.checked_add_micros(-1), None);
    let last = DateTime::new(
        date(9999, 12, 31),
        Time::new(23, 59, 59, 999_999_999).unwrap(),
    );
    assert_eq!(last.checked_add_micros(1), None);
    // Further than jiff would go in one addition, within the range.
    let forward = date(9999, 1, 1).to_days() - date(1, 1, 1).to_days();
    assert!(forward > 2_932_896);
    let first_day = DateTime::new(date(1, 1, 1), Time::MIDNIGHT);
    assert_eq!(
        first_day.checked_add_micros(forward * 86_400_000_000),
        Some(DateTime::new(date(9999, 1, 1), Time::MIDNIGHT))
    );
}

#[test]
fn printed_with_milliseconds_rounded_half_away_from_the_epoch() {
    let print = |second, nanosecond| {
        Timestamp::new(second, nanosecond)
            .unwrap()
            .to_rfc3339_millis()
    };
    assert_eq!(print(0, 0), "1970-01-01T00:00:00.000Z");
    assert_eq!(print(0, 1_500_000), "1970-01-01T00:00:00.002Z");
    assert_eq!(print(0, 999_500_000), "1970-01-01T00:00:01.000Z");
    assert_eq!(print(-1, 998_500_000), "1969-12-31T23:59:59.998Z");
    assert_eq!(print(-1, 998_500_001), "1969-12-31T23:59:59.999Z");
    assert_eq!(print(-62_167_219_200, 0), "0000-01-01T00:00:00.000Z");
    assert_eq!(print(-62_167_219_201, 0), "-000001-12-31T23:59:59.000Z");
    // The last instant cannot round up: printed truncated, as jiff does.
    assert_eq!(
        print(253_402_207_200, 999_999_999),
        "9999-12-30T22:00:00.999Z"
    );
}

#[test]
fn windows_are_taken_off_to_the_nanosecond() {
    let end = Timestamp::new(100, 0).unwrap();
    assert_eq!(
        end.checked_sub_seconds(0.5),
        Timestamp::new(99, 500_000_000)
    );
    assert_eq!(end.checked_sub_seconds(f64::INFINITY), None);
    assert_eq!(end.checked_sub_seconds(1e300), None);
    assert_eq!(end.checked_sub_seconds(1e12), None);
    assert_eq!(
        Timestamp::new(99, 500_000_000)
            .unwrap()
            .seconds_since(Timestamp::new(98, 700_000_000).unwrap()),
        0.8
    );
}

fn any_date() -> impl Strategy<Value = Date> {
    (-9999i16..=9999, 1i8..=12, 1i8..=31)
        .prop_map(|(y, m, d)| Date::new(y, m, d.min(days_in_month(y, m))).unwrap())
}

fn any_time() -> impl Strategy<Value = Time> {
    (0i8..24, 0i8..60, 0i8..60, 0i32..1_000_000_000)
        .prop_map(|(h, m, s, n)| Time::new(h, m, s, n).unwrap())
}

fn any_timestamp() -> impl Strategy<Value = Timestamp> {
    prop_oneof![
        (-377_705_023_201i64..=253_402_207_200, 0i32..1_000_000_000),
        // Near the epoch, where the signs meet.
        (-100_000i64..100_000, 0i32..1_000_000_000),
    ]
    .prop_map(|(s, n)| Timestamp::new(s, n).unwrap())
}

fn any_offset() -> impl Strategy<Value = Offset> {
    (-93_599i32..=93_599).prop_map(|s| Offset::from_seconds(s).unwrap())
}

proptest! {
    #[test]
    fn dates_agree_with_jiff(d in any_date(), days in -4_000_000i64..4_000_000, month in 1i8..=12, day in 1i8..=31) {
        let theirs = theirs_date(d);
        prop_assert_eq!(d.weekday(), theirs.weekday().to_monday_zero_offset());
        prop_assert_eq!(d.days_in_month(), theirs.days_in_month());
        prop_assert_eq!(theirs_date(d.last_of_month()), theirs.last_of_month());
        let added = theirs.checked_add(jiff::Span::new().days(days)).ok();
        prop_assert_eq!(d.checked_add_days(days).map(theirs_date), added);
        prop_assert_eq!(d.with_month(month).map(theirs_date), theirs.with().month(month).build().ok());
        prop_assert_eq!(d.with_day(day).map(theirs_date), theirs.with().day(day).build().ok());
    }

    #[test]
    fn datetimes_agree_with_jiff(d in any_date(), t in any_time(), micros in prop_oneof![
        // Within what jiff adds at once (2,932,896 days forward).
        -250_000_000_000_000_000i64..250_000_000_000_000_000,
        -100_000_000_000i64..100_000_000_000,
    ], offset in any_offset()) {
        let ours = DateTime::new(d, t);
        let theirs = theirs_datetime(ours);
        let added = theirs.checked_add(jiff::SignedDuration::from_micros(micros)).ok();
        prop_assert_eq!(ours.checked_add_micros(micros).map(theirs_datetime), added);
        let zone = jiff::tz::TimeZone::fixed(jiff::tz::Offset::from_seconds(offset.seconds).unwrap());
        let instant = theirs.to_zoned(zone).ok().map(|z| z.timestamp());
        prop_assert_eq!(ours.to_timestamp(offset).map(theirs_timestamp), instant);
    }

    #[test]
    fn timestamps_agree_with_jiff(at in any_timestamp(), other in any_timestamp(), offset in any_offset(), window in prop_oneof![
        0.001f64..1e12,
        (1u32..100_000).prop_map(f64::from),
    ]) {
        let theirs = theirs_timestamp(at);
        let their_offset = jiff::tz::Offset::from_seconds(offset.seconds).unwrap();
        prop_assert_eq!(at.to_datetime(offset).map(theirs_datetime), Some(their_offset.to_datetime(theirs)));
        let rounded = theirs.round(jiff::Unit::Millisecond).unwrap_or(theirs);
        prop_assert_eq!(at.to_rfc3339_millis(), format!("{rounded:.3}"));
        prop_assert_eq!(at.to_string(), theirs.to_string());
        prop_assert_eq!(at.as_microsecond(), theirs.as_microsecond());
        let earlier = jiff::SignedDuration::try_from_secs_f64(window).ok().and_then(|w| theirs.checked_sub(w).ok());
        prop_assert_eq!(at.checked_sub_seconds(window).map(theirs_timestamp), earlier);
        prop_assert_eq!(at.seconds_since(other), theirs.duration_since(theirs_timestamp(other)).as_secs_f64());
    }
}

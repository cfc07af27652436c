//! The main forms, with the instants dateparser 1.5 gives at the same now
//! (the differential test in host-example/tests/all/time_expressions.rs
//! runs several hundred more against dateparser itself).

use super::*;

/// A Sunday.
fn now() -> Timestamp {
    at("2026-11-22T08:30:00Z")
}

/// An RFC 3339 instant, read by jiff (not our reader).
fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn parsed(input: &str) -> String {
    format_rfc3339(parse_time_expr(input, now()).unwrap_or_else(|e| panic!("{input}: {e}")))
}

#[test]
fn now_and_named_days() {
    assert_eq!(parsed("now"), "2026-11-22T08:30:00.000Z");
    assert_eq!(parsed("today"), "2026-11-22T08:30:00.000Z");
    assert_eq!(parsed("yesterday"), "2026-11-21T08:30:00.000Z");
    assert_eq!(parsed("tomorrow"), "2026-11-23T08:30:00.000Z");
    assert_eq!(
        parsed("the day before yesterday"),
        "2026-11-20T08:30:00.000Z"
    );
    assert_eq!(parsed("  NOW "), "2026-11-22T08:30:00.000Z");
}

#[test]
fn every_unit_spelling_in_the_past() {
    let cases: [(&[&str], &str); 7] = [
        (
            &["s", "sec", "secs", "second", "seconds"],
            "2026-11-22T08:29:30.000Z",
        ),
        (
            &["m", "min", "mins", "minute", "minutes"],
            "2026-11-22T08:00:00.000Z",
        ),
        (
            &["h", "hr", "hrs", "hour", "hours"],
            "2026-11-21T02:30:00.000Z",
        ),
        (&["d", "day", "days"], "2026-10-23T08:30:00.000Z"),
        (&["wk", "week", "weeks"], "2026-04-26T08:30:00.000Z"),
        (&["mo", "month", "months"], "2024-05-22T08:30:00.000Z"),
        (&["y", "yr", "year", "years"], "1996-11-22T08:30:00.000Z"),
    ];
    for (spellings, expected) in cases {
        for unit in spellings {
            assert_eq!(parsed(&format!("30 {unit} ago")), expected, "30 {unit} ago");
            assert_eq!(parsed(&format!("30{unit} ago")), expected, "30{unit} ago");
            assert_eq!(parsed(&format!("-30{unit}")), expected, "-30{unit}");
            assert_eq!(parsed(&format!("30 {unit}")), expected, "30 {unit}");
        }
    }
    assert_eq!(parsed("2w ago"), "2026-11-08T08:30:00.000Z");
    assert_eq!(parsed("1 fortnight ago"), "2026-11-08T08:30:00.000Z");
}

#[test]
fn amounts_into_the_past_and_the_future() {
    assert_eq!(parsed("an hour ago"), "2026-11-22T07:30:00.000Z");
    assert_eq!(parsed("one hour ago"), "2026-11-22T07:30:00.000Z");
    assert_eq!(
        parsed("twenty five minutes ago"),
        "2026-11-22T08:05:00.000Z"
    );
    assert_eq!(parsed("1.5 hours ago"), "2026-11-22T07:00:00.000Z");
    assert_eq!(parsed("1,5 hours ago"), "2026-11-22T07:00:00.000Z");
    assert_eq!(parsed("in 2 hours"), "2026-11-22T10:30:00.000Z");
    assert_eq!(parsed("5 minutes from now"), "2026-11-22T08:35:00.000Z");
    assert_eq!(parsed("3 days later"), "2026-11-25T08:30:00.000Z");
    assert_eq!(parsed("2 hours before"), "2026-11-22T06:30:00.000Z");
    assert_eq!(parsed("+10s"), "2026-11-22T08:30:10.000Z");
    assert_eq!(parsed("in -5 minutes"), "2026-11-22T08:25:00.000Z");
    assert_eq!(parsed("last week"), "2026-11-15T08:30:00.000Z");
    assert_eq!(parsed("next month"), "2026-12-22T08:30:00.000Z");
}

#[test]
fn compound_amounts() {
    assert_eq!(
        parsed("1 hour and 30 minutes ago"),
        "2026-11-22T07:00:00.000Z"
    );
    assert_eq!(parsed("2 days, 3 hours ago"), "2026-11-20T05:30:00.000Z");
    assert_eq!(parsed("1h30m ago"), "2026-11-22T07:00:00.000Z");
    assert_eq!(
        parsed("2 months and 3 days ago"),
        "2026-09-19T08:30:00.000Z"
    );
    assert_eq!(parsed("in 1 day and 2 hours"), "2026-11-23T10:30:00.000Z");
}

#[test]
fn months_and_years_follow_the_calendar() {
    assert_eq!(parsed("1 month ago"), "2026-10-22T08:30:00.000Z");
    assert_eq!(parsed("2 years ago"), "2024-11-22T08:30:00.000Z");
    assert_eq!(parsed("1.5 decades ago"), "2011-11-22T08:30:00.000Z");
    let end_of_march = at("2026-03-31T00:00:00Z");
    let a_month_before = parse_time_expr("1 month ago", end_of_march).unwrap();
    assert_eq!(format_rfc3339(a_month_before), "2026-02-28T00:00:00.000Z");
    assert!(parse_time_expr("1.5 months ago", now()).is_err());
    assert!(parse_time_expr("1.5 years ago", now()).is_err());
}

#[test]
fn a_day_with_a_time() {
    assert_eq!(parsed("yesterday at 10am"), "2026-11-21T10:00:00.000Z");
    assert_eq!(parsed("today 14:00"), "2026-11-22T14:00:00.000Z");
    assert_eq!(parsed("tomorrow at 10:30 pm"), "2026-11-23T22:30:00.000Z");
    assert_eq!(parsed("today at noon"), "2026-11-22T12:00:00.000Z");
    assert_eq!(parsed("tonight"), "2026-11-22T20:00:00.000Z");
    assert_eq!(parsed("this morning"), "2026-11-22T09:00:00.000Z");
    assert_eq!(parsed("yesterday 10pm EST"), "2026-11-22T03:00:00.000Z");
}

#[test]
fn weekdays() {
    assert_eq!(parsed("monday"), "2026-11-16T00:00:00.000Z");
    assert_eq!(parsed("sunday"), "2026-11-22T00:00:00.000Z");
    assert_eq!(parsed("last friday"), "2026-11-20T00:00:00.000Z");
    assert_eq!(parsed("next friday"), "2026-11-27T00:00:00.000Z");
    assert_eq!(parsed("this friday"), "2026-11-27T00:00:00.000Z");
    assert_eq!(parsed("last sunday"), "2026-11-15T00:00:00.000Z");
    assert_eq!(parsed("monday 10am"), "2026-11-16T10:00:00.000Z");
}

#[test]
fn month_names_and_numeric_dates() {
    assert_eq!(parsed("march 3"), "2026-03-03T00:00:00.000Z");
    assert_eq!(parsed("3 march 2025"), "2025-03-03T00:00:00.000Z");
    assert_eq!(parsed("3rd of march"), "2026-03-03T00:00:00.000Z");
    assert_eq!(parsed("march"), "2026-03-22T00:00:00.000Z");
    assert_eq!(parsed("feb 29"), "2024-02-29T00:00:00.000Z");
    assert_eq!(parsed("Nov 22 2026 10:00"), "2026-11-22T10:00:00.000Z");
    assert_eq!(parsed("Nov 22, 2026 10:00 AM"), "2026-11-22T10:00:00.000Z");
    assert_eq!(
        parsed("Sun, 22 Nov 2026 08:30:00 +0000"),
        "2026-11-22T08:30:00.000Z"
    );
    assert_eq!(parsed("11/22/2026"), "2026-11-22T00:00:00.000Z");
    assert_eq!(parsed("22/11/2026"), "2026-11-22T00:00:00.000Z");
    assert_eq!(parsed("05/06/2026"), "2026-05-06T00:00:00.000Z");
    assert_eq!(parsed("2026-11-22 10:00"), "2026-11-22T10:00:00.000Z");
}

#[test]
fn clock_times_and_zones() {
    assert_eq!(parsed("10:30"), "2026-11-22T10:30:00.000Z");
    assert_eq!(parsed("10am"), "2026-11-22T10:00:00.000Z");
    assert_eq!(parsed("12am"), "2026-11-22T00:00:00.000Z");
    assert_eq!(parsed("10:30:15.250"), "2026-11-22T10:30:15.250Z");
    assert_eq!(parsed("10:00 UTC"), "2026-11-22T10:00:00.000Z");
    assert_eq!(parsed("10:00 EST"), "2026-11-22T15:00:00.000Z");
    assert_eq!(parsed("10:00 +0200"), "2026-11-22T08:00:00.000Z");
}

#[test]
fn rfc3339_and_epochs() {
    assert_eq!(parsed("2026-11-22T08:30:00Z"), "2026-11-22T08:30:00.000Z");
    assert_eq!(
        parsed("2026-11-22T08:30:00+02:00"),
        "2026-11-22T06:30:00.000Z"
    );
    assert_eq!(
        parsed("2026-11-22T08:30:00.123456Z"),
        "2026-11-22T08:30:00.123Z"
    );
    assert_eq!(parsed("2026-11-22 08:30:00"), "2026-11-22T08:30:00.000Z");
    assert_eq!(parsed("2026-11-22"), "2026-11-22T00:00:00.000Z");
    assert_eq!(parsed("1795336200"), "2026-11-22T08:30:00.000Z");
    // dateparser ignores what follows the period.
    assert_eq!(parsed("1795336200.5"), "2026-11-22T08:30:00.000Z");
    assert_eq!(parsed("1795336200123"), "2026-11-22T08:30:00.123Z");
}

#[test]
fn rejects_with_upstream_message() {
    for input in [
        "2 mns ago",
        "right now",
        "",
        "   ",
        "minutes ago",
        "in",
        "-",
        "-m",
        "2 wks ago",
        "2 yrs ago",
        "a while ago",
        "half an hour ago",
        "last hour",
        "next day",
        "last 5 minutes",
        "1e3 s ago",
        "2026-02-30",
        "2026-11-22T25:00:00Z",
        "24:00",
        "13pm",
        "179533620",
        "99999999999999999999",
        "9999999999999 weeks ago",
        "100000 years ago",
        "\u{1F680}",
        "\"; DROP",
        "NaN s ago",
        "march april",
    ] {
        let error = parse_time_expr(input, now()).expect_err(input);
        assert_eq!(error, ProbeError::unparsable(input), "{input:?}");
    }
    assert_eq!(
        parse_time_expr("2 mns ago", now()).unwrap_err().to_string(),
        "failed to parse '2 mns ago'"
    );
}

#[test]
fn output_is_millisecond_utc() {
    assert_eq!(
        format_rfc3339(at("2026-11-22T08:29:32.4Z")),
        "2026-11-22T08:29:32.400Z"
    );
    assert_eq!(
        format_rfc3339(at("2026-11-22T10:29:32.0006+02:00")),
        "2026-11-22T08:29:32.001Z"
    );
    let print = |second, nanosecond| format_rfc3339(Timestamp::new(second, nanosecond).unwrap());
    // Half a millisecond rounds away from the epoch, either side of it.
    assert_eq!(print(0, 1_500_000), "1970-01-01T00:00:00.002Z");
    assert_eq!(print(0, 999_500_000), "1970-01-01T00:00:01.000Z");
    assert_eq!(print(-1, 998_500_000), "1969-12-31T23:59:59.998Z");
    assert_eq!(print(-1, 998_500_001), "1969-12-31T23:59:59.999Z");
    assert_eq!(print(-62_167_219_201, 0), "-000001-12-31T23:59:59.000Z");
    // The last instant cannot round up: printed truncated.
    assert_eq!(format_rfc3339(Timestamp::MAX), "9999-12-30T22:00:00.999Z");
}

/// Python's datetime adds any number of days within its years 1 to 9999
/// (these are its results); jiff would refuse more than 2,932,896 in one go.
#[test]
fn amounts_of_days_go_as_far_as_pythons_calendar() {
    let first_day = at("0001-01-01T00:00:00Z");
    let far = parse_time_expr("in 3000000 days", first_day).unwrap();
    assert_eq!(format_rfc3339(far), "8214-09-22T00:00:00.000Z");
    let last_noon = at("9999-12-30T12:00:00Z");
    let back = parse_time_expr("3652000 days 5 hours ago", last_noon).unwrap();
    assert_eq!(format_rfc3339(back), "0001-02-27T07:00:00.000Z");
    assert!(parse_time_expr("in 1 day", last_noon).is_err());
}

#[test]
fn a_long_number_where_a_two_digit_year_may_stand_is_refused_not_a_panic() {
    // Found by the time_expr fuzzer: the year's sum overflowed.
    for input in ["'32026-((7953", "32026/11/22", "11/22/32026"] {
        let _ = parse_time_expr(input, now());
    }
}

/// `decimal` then a conversion reads digits as `str::parse` reads them into
/// each integer type the reader uses.
fn reads_as_parse(digits: &str) {
    let ours = decimal(digits);
    assert_eq!(ours, digits.parse::<u64>().ok(), "{digits:?}");
    let narrowed = |to: fn(u64) -> Option<i64>| ours.and_then(to);
    assert_eq!(
        narrowed(|v| i8::try_from(v).ok().map(i64::from)),
        digits.parse::<i8>().ok().map(i64::from)
    );
    assert_eq!(
        narrowed(|v| i16::try_from(v).ok().map(i64::from)),
        digits.parse::<i16>().ok().map(i64::from)
    );
    assert_eq!(
        narrowed(|v| i32::try_from(v).ok().map(i64::from)),
        digits.parse::<i32>().ok().map(i64::from)
    );
    assert_eq!(
        narrowed(|v| i64::try_from(v).ok()),
        digits.parse::<i64>().ok()
    );
}

#[test]
fn decimals_at_the_edges_read_as_parse() {
    for digits in [
        "",
        "0",
        "00",
        "127",
        "128",
        "32767",
        "32768",
        "2147483647",
        "2147483648",
        "9223372036854775807",
        "9223372036854775808",
        "18446744073709551615",
        "18446744073709551616",
        "000000000000000000000000001",
    ] {
        reads_as_parse(digits);
    }
}

proptest::proptest! {
    #[test]
    fn digits_read_as_parse(digits in "[0-9]{0,22}") {
        reads_as_parse(&digits);
    }

    #[test]
    fn anything_but_digits_is_no_decimal(text in "\\PC{0,6}") {
        if !text.bytes().all(|b| b.is_ascii_digit()) {
            proptest::prop_assert_eq!(decimal(&text), None);
        }
    }
}

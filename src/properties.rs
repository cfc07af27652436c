//! Properties over generated input: what we print reads back to what we
//! meant, and no input makes a parser panic. (The exposition writer's
//! property runs against the real Pushgateway, in host-example/tests/all/control.rs.)

use base64::engine::general_purpose::URL_SAFE;
use base64::Engine as _;
use proptest::prelude::*;

use crate::control::pushgateway::metrics_path;
use crate::duration::PromDuration;
use crate::time_expr::{format_rfc3339, parse_time_expr, Timestamp};

proptest! {
    #[test]
    fn grouping_key_values_round_trip_through_the_path(value in "\\PC*") {
        let path = metrics_path("job", &[("key".to_string(), value.clone())]);
        let (key, encoded) = path.trim_start_matches("/metrics/job/job/").split_once('/').unwrap();
        let decoded = if key == "key@base64" {
            if encoded == "=" { String::new() } else { String::from_utf8(URL_SAFE.decode(encoded).unwrap()).unwrap() }
        } else {
            prop_assert_eq!(key, "key");
            prop_assert!(!encoded.contains('/'));
            form_urlencoded::parse(format!("v={encoded}").as_bytes()).next().unwrap().1.into_owned()
        };
        prop_assert_eq!(decoded, value);
    }

    #[test]
    fn any_rfc3339_we_print_parses_back_to_the_same_instant(seconds in 0i64..253_402_300_799, millis in 0i32..1000) {
        let at = Timestamp::new(seconds, millis * 1_000_000).unwrap();
        let printed = format_rfc3339(at);
        prop_assert_eq!(parse_time_expr(&printed, Timestamp::UNIX_EPOCH).unwrap(), at);
    }

    #[test]
    fn time_expressions_never_panic(input in "\\PC{0,40}") {
        let _ = parse_time_expr(&input, Timestamp::UNIX_EPOCH);
    }

    #[test]
    fn durations_never_panic(input in "[0-9a-z.+-]{0,20}") {
        let _ = PromDuration::parse("step", &input);
    }
}

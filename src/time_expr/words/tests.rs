//! `numeral` against `to_string`, and `lowercase` against std's
//! `str::to_lowercase` (the oracle), for every character and in whole
//! expressions: where the two differ, both hold a letter outside ASCII,
//! which `translate` refuses.

use proptest::prelude::*;

use super::*;

fn has_foreign_letter(text: &str) -> bool {
    text.chars().any(is_foreign_letter)
}

fn lowers_as_std(text: &str) {
    let ours = lowercase(text);
    let std = text.to_lowercase();
    assert!(
        ours == std || (has_foreign_letter(&ours) && has_foreign_letter(&std)),
        "{text:?}: {ours:?} but std {std:?}"
    );
}

#[test]
fn every_char_lowers_as_std_or_stays_refused() {
    for code in 0..=u32::from(char::MAX) {
        let Some(c) = char::from_u32(code) else {
            continue;
        };
        // Alone, and where a final sigma would take its other form.
        lowers_as_std(&c.to_string());
        lowers_as_std(&format!("a{c}"));
        lowers_as_std(&format!("a{c} a"));
    }
}

#[test]
fn the_two_readable_lower_cases_outside_ascii_are_read() {
    // KELVIN SIGN: `5 wee\u{212a}s ago` is `5 weeks ago`.
    assert_eq!(
        translate(&sanitize("5 WEE\u{212a}S AGO")),
        translate("5 weeks ago")
    );
    assert!(translate(&sanitize("5 WEE\u{212a}S AGO")).is_some());
    // U+0130 lowers to `i` and a combining dot, a mark `translate` keeps.
    assert_eq!(translate(&sanitize("FR\u{130}")), translate("fri\u{307}"));
    assert!(translate(&sanitize("FR\u{130}")).is_some());
}

fn any_piece() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "5",
            "10",
            "2026",
            "-",
            "+",
            ":",
            ".",
            " ",
            "  ",
            "\t",
            "/",
            ",",
            "ago",
            "in",
            "days",
            "WEEKS",
            "Fri",
            "utc",
            "AM",
            "noon",
            "Yesterday",
            "at",
            "March",
            "k",
            "i",
        ])
        .prop_map(str::to_string),
        prop::sample::select(vec![
            '\u{212a}', '\u{130}', '\u{3a3}', '\u{c9}', '\u{17f}', '\u{307}', '\u{2212}',
            '\u{2013}', '\u{a0}', '\u{3000}', '\u{2160}', '\u{24b6}', '\u{1e9e}', '\u{df}',
            '\u{20ac}', '\u{fb00}',
        ])
        .prop_map(String::from),
        any::<char>().prop_map(String::from),
    ]
}

proptest! {
    #[test]
    fn expressions_lower_as_std_or_stay_refused(
        pieces in prop::collection::vec(any_piece(), 0..8)
    ) {
        let text = pieces.concat();
        lowers_as_std(&text);
        let ours = sanitize(&text);
        let std = collapse(&text.to_lowercase());
        prop_assert!(
            ours == std || (translate(&ours).is_none() && translate(&std).is_none()),
            "{:?}: {:?} but std {:?}", text, ours, std
        );
        // So a text `translate` reads has letters only in ASCII.
        if translate(&ours).is_some() {
            prop_assert_eq!(
                ours.chars().any(char::is_alphabetic),
                ours.bytes().any(|b| b.is_ascii_alphabetic())
            );
        }
    }
}

#[test]
fn numerals_are_the_decimal_digits() {
    for n in 0..=99 {
        assert_eq!(numeral(n), n.to_string());
    }
}

//! The lists mean what dateparser's English dictionary says, written here
//! the plain way (one `match` arm per meaning) as the oracle: every spelling
//! of every list, every prefix and extension of one, and random words get
//! the same meaning from both.

use proptest::prelude::*;

use super::*;

fn number_by_match(word: &str) -> Option<u32> {
    const SMALL: [&str; 19] = [
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
    ];
    SMALL.iter().position(|w| *w == word).map(|i| i as u32 + 1)
}

fn tens_by_match(word: &str) -> Option<u32> {
    Some(match word {
        "twenty" => 20,
        "thirty" => 30,
        "forty" => 40,
        "fifty" => 50,
        "sixty" => 60,
        "seventy" => 70,
        "eighty" => 80,
        "ninety" => 90,
        _ => return None,
    })
}

fn plural_unit_by_match(word: &str) -> bool {
    matches!(
        word,
        "centuries"
            | "decades"
            | "fortnights"
            | "years"
            | "months"
            | "weeks"
            | "days"
            | "hours"
            | "hr"
            | "hrs"
            | "minutes"
            | "min"
            | "mins"
            | "seconds"
            | "sec"
            | "secs"
    )
}

fn unit_by_match(word: &str) -> Option<Unit> {
    Some(match word {
        "century" | "centuries" => Unit::Century,
        "decade" | "decades" => Unit::Decade,
        "year" | "yr" | "y" | "years" => Unit::Year,
        "mo" | "month" | "months" => Unit::Month,
        "fortnight" | "fortnights" => Unit::Fortnight,
        "week" | "wk" | "weeks" => Unit::Week,
        "day" | "d" | "days" => Unit::Day,
        "hour" | "hours" | "hr" | "h" | "hrs" => Unit::Hour,
        "min" | "minute" | "m" | "minutes" | "mins" => Unit::Minute,
        "sec" | "second" | "s" | "seconds" | "secs" => Unit::Second,
        _ => return None,
    })
}

fn unit_before_later_by_match(word: &str) -> bool {
    matches!(
        word.trim_end_matches('s'),
        "century"
            | "centurie"
            | "mon"
            | "decade"
            | "fortnight"
            | "year"
            | "month"
            | "week"
            | "day"
            | "hour"
            | "minute"
            | "second"
    )
}

fn month_by_match(word: &str) -> Option<i8> {
    Some(match word {
        "january" | "jan" => 1,
        "february" | "feb" => 2,
        "march" | "mar" => 3,
        "april" | "apr" => 4,
        "may" => 5,
        "june" | "jun" => 6,
        "july" | "jul" => 7,
        "august" | "aug" => 8,
        "september" | "sep" | "sept" => 9,
        "october" | "oct" => 10,
        "november" | "nov" => 11,
        "december" | "dec" => 12,
        _ => return None,
    })
}

fn weekday_by_match(word: &str) -> Option<i8> {
    Some(match word {
        "mon" | "monday" | "mo" => 0,
        "tue" | "tuesday" | "tu" | "tues" => 1,
        "wed" | "wednesday" | "we" => 2,
        "thu" | "thursday" | "th" => 3,
        "fri" | "friday" | "fr" => 4,
        "sat" | "saturday" | "sa" => 5,
        "sun" | "sunday" | "su" => 6,
        _ => return None,
    })
}

fn zone_by_match(word: &str) -> Option<i32> {
    let hours = match word {
        "z" | "utc" | "gmt" | "ut" => 0,
        "est" => -5,
        "edt" | "ast" => -4,
        "cst" => -6,
        "cdt" => -5,
        "mst" => -7,
        "mdt" => -6,
        "pst" => -8,
        "pdt" => -7,
        "cet" | "bst" => 1,
        "cest" | "eet" => 2,
        "eest" => 3,
        _ => return None,
    };
    Some(hours * 3600)
}

fn skipped_by_match(word: &str) -> bool {
    matches!(
        word,
        "about" | "ad" | "and" | "at" | "by" | "from" | "just" | "of" | "on" | "the"
    )
}

fn part_of_day_by_match(word: &str) -> Option<i8> {
    Some(match word {
        "morning" => 9,
        "afternoon" => 15,
        "evening" => 18,
        "night" => 20,
        _ => return None,
    })
}

fn keyword_by_match(word: &str) -> Option<Keyword> {
    Some(match word {
        "at" => Keyword::At,
        "a" | "an" => Keyword::A,
        "noon" => Keyword::Noon,
        "midnight" => Keyword::Midnight,
        "now" => Keyword::Now,
        "today" => Keyword::Today,
        "yesterday" => Keyword::Yesterday,
        "tomorrow" => Keyword::Tomorrow,
        "tonight" => Keyword::Tonight,
        "day" => Keyword::Day,
        "from" => Keyword::From,
        "less" => Keyword::Less,
        "last" => Keyword::Last,
        "this" => Keyword::This,
        "next" => Keyword::Next,
        "in" => Keyword::In,
        "mon" | "mons" => Keyword::Mon,
        "m" => Keyword::M,
        "mo" => Keyword::Mo,
        "w" => Keyword::W,
        "time" => Keyword::Time,
        "st" | "nd" | "rd" => Keyword::Suffix,
        "th" => Keyword::Th,
        "t" => Keyword::T,
        "ago" | "before" => Keyword::Ago,
        "after" => Keyword::After,
        "later" => Keyword::Later,
        "am" => Keyword::Am,
        "pm" => Keyword::Pm,
        _ => return None,
    })
}

fn agrees(word: &str) {
    assert_eq!(keyword(word), keyword_by_match(word), "{word:?}");
    assert_eq!(number_word(word), number_by_match(word), "{word:?}");
    assert_eq!(tens_word(word), tens_by_match(word), "{word:?}");
    assert_eq!(is_plural_unit(word), plural_unit_by_match(word), "{word:?}");
    assert_eq!(unit_word(word), unit_by_match(word), "{word:?}");
    assert_eq!(
        is_unit_before_later(word),
        unit_before_later_by_match(word),
        "{word:?}"
    );
    assert_eq!(month_word(word), month_by_match(word), "{word:?}");
    assert_eq!(weekday_word(word), weekday_by_match(word), "{word:?}");
    assert_eq!(zone_word(word), zone_by_match(word), "{word:?}");
    assert_eq!(skip_word(word), skipped_by_match(word), "{word:?}");
    assert_eq!(part_of_day(word), part_of_day_by_match(word), "{word:?}");
}

const LISTS: [&str; 11] = [
    KEYWORDS,
    NUMBERS,
    TENS,
    UNITS,
    PLURAL_UNITS,
    UNITS_BEFORE_LATER,
    MONTHS,
    WEEKDAYS,
    PARTS_OF_DAY,
    ZONES,
    SKIPPED,
];

fn spellings() -> impl Iterator<Item = &'static str> {
    LISTS.into_iter().flat_map(|list| list.split(['|', ' ']))
}

#[test]
fn every_spelling_its_prefixes_and_extensions_mean_what_the_dictionary_says() {
    for word in spellings() {
        assert!(
            !word.is_empty() && word.bytes().all(|b| b.is_ascii_lowercase()),
            "{word:?}"
        );
        for end in 0..=word.len() {
            agrees(&word[..end]);
        }
        for extra in ["s", "ss", "e", "y", " ", "|"] {
            agrees(&format!("{word}{extra}"));
            agrees(&format!("{extra}{word}"));
        }
    }
}

#[test]
fn no_spelling_has_two_meanings_in_one_list() {
    for list in LISTS {
        let mut seen: Vec<&str> = list.split(['|', ' ']).collect();
        seen.sort_unstable();
        let count = seen.len();
        seen.dedup();
        assert_eq!(seen.len(), count, "{list}");
    }
}

#[test]
fn each_meaning_has_its_value() {
    assert_eq!(KEYWORDS.split('|').count(), Keyword::ALL.len());
    assert_eq!(UNITS.split('|').count(), Unit::ALL.len());
    assert_eq!(ZONES.split('|').count(), ZONE_HOURS.len());
    assert_eq!(PARTS_OF_DAY.split('|').count(), PART_OF_DAY_HOURS.len());
    assert_eq!(MONTHS.split('|').count(), 12);
    assert_eq!(WEEKDAYS.split('|').count(), 7);
}

proptest! {
    #[test]
    fn random_words_mean_what_the_dictionary_says(word in "[a-z]{0,10}") {
        agrees(&word);
    }
}

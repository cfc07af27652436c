//! The words of dateparser's English locale that name a number, a unit, a
//! month, a weekday, a part of the day or a time zone, and the words it
//! skips. Each list is one string, its meanings separated by `|` and the
//! spellings of one meaning by a space: searched in one loop, the lists
//! take a fraction of the space a `match` on every spelling compiles to.

use super::words::Unit;

/// one to nineteen.
const NUMBERS: &str = "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|\
    thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen";

/// twenty to ninety.
const TENS: &str = "twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety";

/// In the order of [`Unit::ALL`].
const UNITS: &str = "century centuries|decade decades|year yr y years|mo month months|\
    fortnight fortnights|week wk weeks|day d days|hour hours hr h hrs|\
    min minute m minutes mins|sec second s seconds secs";

/// The plural unit words (and `hr`, `min`, `sec`), the only words after
/// which dateparser reads thirteen and up.
const PLURAL_UNITS: &str = "centuries decades fortnights years months weeks days hours hr hrs \
    minutes min mins seconds sec secs";

/// The units `later` follows (`5 days later`), a final `s` taken off.
const UNITS_BEFORE_LATER: &str =
    "century centurie mon decade fortnight year month week day hour minute second";

const MONTHS: &str = "january|february|march|april|may|june|july|august|september|october|\
    november|december";

/// Monday first.
const WEEKDAYS: &str = "mon monday mo|tue tuesday tu tues|wed wednesday we|thu thursday th|\
    fri friday fr|sat saturday sa|sun sunday su";

/// The hours of [`PARTS_OF_DAY`], dateparser's `PARTS_OF_DAY`.
const PARTS_OF_DAY: &str = "morning|afternoon|evening|night";
const PART_OF_DAY_HOURS: [i8; 4] = [9, 15, 18, 20];

/// A few time zone names dateparser knows, with their fixed offsets in
/// [`ZONE_HOURS`].
const ZONES: &str = "z utc gmt ut|est cdt|edt ast|cst mdt|mst pdt|pst|cet bst|cest eet|eest";
const ZONE_HOURS: [i8; 9] = [0, -5, -4, -6, -7, -8, 1, 2, 3];

const SKIPPED: &str = "about ad and at by from just of on the";

/// The words `translate` reads by rules of their own, in the order of
/// [`Keyword::ALL`].
const KEYWORDS: &str = "at|a an|noon|midnight|now|today|yesterday|tomorrow|tonight|day|from|\
    less|last|this|next|in|mon mons|m|mo|w|time|st nd rd|th|t|ago before|after|later|am|pm";

/// A word of [`KEYWORDS`]: matched as an enum, the rules take no string
/// comparison each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Keyword {
    At,
    A,
    Noon,
    Midnight,
    Now,
    Today,
    Yesterday,
    Tomorrow,
    Tonight,
    Day,
    From,
    Less,
    Last,
    This,
    Next,
    In,
    Mon,
    M,
    Mo,
    W,
    Time,
    /// `st`, `nd`, `rd`
    Suffix,
    Th,
    T,
    /// `ago`, `before`
    Ago,
    After,
    Later,
    Am,
    Pm,
}

impl Keyword {
    const ALL: [Keyword; 29] = [
        Keyword::At,
        Keyword::A,
        Keyword::Noon,
        Keyword::Midnight,
        Keyword::Now,
        Keyword::Today,
        Keyword::Yesterday,
        Keyword::Tomorrow,
        Keyword::Tonight,
        Keyword::Day,
        Keyword::From,
        Keyword::Less,
        Keyword::Last,
        Keyword::This,
        Keyword::Next,
        Keyword::In,
        Keyword::Mon,
        Keyword::M,
        Keyword::Mo,
        Keyword::W,
        Keyword::Time,
        Keyword::Suffix,
        Keyword::Th,
        Keyword::T,
        Keyword::Ago,
        Keyword::After,
        Keyword::Later,
        Keyword::Am,
        Keyword::Pm,
    ];
}

/// Which meaning of `list` spells `word`.
#[inline(never)]
fn meaning(list: &str, word: &str) -> Option<usize> {
    list.split('|')
        .position(|spellings| spellings.split(' ').any(|w| w == word))
}

pub(super) fn keyword(word: &str) -> Option<Keyword> {
    meaning(KEYWORDS, word).map(|i| Keyword::ALL[i])
}

pub(super) fn number_word(word: &str) -> Option<u32> {
    meaning(NUMBERS, word).map(|i| i as u32 + 1)
}

pub(super) fn tens_word(word: &str) -> Option<u32> {
    meaning(TENS, word).map(|i| (i as u32 + 2) * 10)
}

pub(super) fn is_plural_unit(word: &str) -> bool {
    meaning(PLURAL_UNITS, word).is_some()
}

pub(super) fn unit_word(word: &str) -> Option<Unit> {
    meaning(UNITS, word).map(|i| Unit::ALL[i])
}

/// A unit's name, singular or plural, as `later` may follow it.
pub(super) fn is_unit_before_later(word: &str) -> bool {
    meaning(UNITS_BEFORE_LATER, word.trim_end_matches('s')).is_some()
}

/// A month's name, its first three letters, or `sept`.
pub(super) fn month_word(word: &str) -> Option<i8> {
    if word == "sept" {
        return Some(9);
    }
    let full = |name: &str| name == word || (word.len() == 3 && name.starts_with(word));
    MONTHS.split('|').position(full).map(|i| i as i8 + 1)
}

/// 0 (Monday) to 6.
pub(super) fn weekday_word(word: &str) -> Option<i8> {
    meaning(WEEKDAYS, word).map(|i| i as i8)
}

/// Seconds east of UTC.
pub(super) fn zone_word(word: &str) -> Option<i32> {
    meaning(ZONES, word).map(|i| i32::from(ZONE_HOURS[i]) * 3600)
}

pub(super) fn skip_word(word: &str) -> bool {
    meaning(SKIPPED, word).is_some()
}

/// The hour a part of the day gives a date.
pub(super) fn part_of_day(word: &str) -> Option<i8> {
    meaning(PARTS_OF_DAY, word).map(|i| PART_OF_DAY_HOURS[i])
}

#[cfg(test)]
#[path = "vocabulary/tests.rs"]
mod tests;

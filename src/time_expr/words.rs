//! The English vocabulary of dateparser (its `en` locale: dictionary, skip
//! words, simplifications and relative phrases), turned into pieces the two
//! grammars read. A word outside the vocabulary makes the whole expression
//! unreadable, as it makes the English locale inapplicable upstream.

use super::decimal;
use super::vocabulary::{
    is_plural_unit, is_unit_before_later, keyword, month_word, number_word, part_of_day, skip_word,
    tens_word, unit_word, weekday_word, zone_word, Keyword,
};

/// A unit of a relative amount; `Fortnight`, `Decade` and `Century` are
/// folded into weeks and years as dateparser folds them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Unit {
    Century,
    Decade,
    Year,
    Month,
    Fortnight,
    Week,
    Day,
    Hour,
    Minute,
    Second,
}

impl Unit {
    /// Every unit, in order: `unit as usize` is its place.
    pub(super) const ALL: [Unit; 10] = [
        Unit::Century,
        Unit::Decade,
        Unit::Year,
        Unit::Month,
        Unit::Fortnight,
        Unit::Week,
        Unit::Day,
        Unit::Hour,
        Unit::Minute,
        Unit::Second,
    ];
}

/// `last`, `this`, `next` before a weekday.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Modifier {
    Last,
    This,
    Next,
}

/// Copied freely: the digits are a slice of the text or a numeral.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Piece<'a> {
    Digits(&'a str),
    Punct(char),
    Space,
    Unit(Unit),
    Ago,
    In,
    /// `later` right after an amount: `3 days later` is `in 3 days`.
    Later,
    /// 1 to 12.
    Month(i8),
    /// 0 (Monday) to 6.
    Weekday(i8),
    Modifier(Modifier),
    Meridian {
        pm: bool,
    },
    /// morning, afternoon, ...: the hour dateparser's `PARTS_OF_DAY` gives it.
    PartOfDay(i8),
    /// A time zone name or `z`: seconds east of UTC.
    Zone(i32),
    /// The `t` between an ISO date and its time.
    T,
}

/// Lower case, one space between words, periods after letters dropped
/// (`a.m.`), trailing colons dropped: dateparser's `sanitize_date`.
pub(super) fn sanitize(input: &str) -> String {
    collapse(&lowercase(input))
}

/// `str::to_lowercase` as far as `translate` can tell, without its Unicode
/// tables: ASCII and the two characters outside it whose lower case holds
/// no foreign letter are lowered; any other character that lower-casing
/// changes is a foreign letter, and so is its lower case, so either one
/// makes `translate` refuse the text.
fn lowercase(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    for c in input.chars() {
        match c {
            // KELVIN SIGN
            '\u{212a}' => out.push('k'),
            // LATIN CAPITAL LETTER I WITH DOT ABOVE
            '\u{130}' => out.push_str("i\u{307}"),
            _ => out.push(c.to_ascii_lowercase()),
        }
    }
    out
}

/// `sanitize` after lower-casing.
fn collapse(lower: &str) -> String {
    let mut collapsed = String::with_capacity(lower.len());
    for word in lower.split_whitespace() {
        if !collapsed.is_empty() {
            collapsed.push(' ');
        }
        collapsed.push_str(word);
    }
    let mut out = String::with_capacity(collapsed.len());
    let mut previous: Option<char> = None;
    for c in collapsed.chars() {
        let dash_like = matches!(
            c,
            '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{fe63}' | '\u{ff0d}'
        );
        let c = if dash_like { '-' } else { c };
        let after_letter = previous.is_some_and(|p| !p.is_ascii_digit() && p != ' ');
        if !(c == '.' && after_letter) {
            out.push(c);
        }
        previous = Some(c);
    }
    out.trim_end_matches(':').trim().to_string()
}

/// Raw runs: letters, digits, one other character each.
fn runs(text: &str) -> Option<Vec<&str>> {
    let mut out = Vec::new();
    let mut start = 0;
    let class = |c: char| {
        if c.is_ascii_alphabetic() {
            1
        } else if c.is_ascii_digit() {
            2
        } else {
            0
        }
    };
    let mut chars = text.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        if is_foreign_letter(c) {
            return None; // not an English word
        }
        let next = chars.peek().copied();
        let ends = match next {
            None => true,
            Some((_, n)) => class(c) == 0 || class(c) != class(n),
        };
        if ends {
            let end = next.map_or(text.len(), |(n, _)| n);
            out.push(&text[start..end]);
            start = end;
        }
    }
    Some(out)
}

/// A letter outside ASCII: no English word has one.
pub(super) fn is_foreign_letter(c: char) -> bool {
    c.is_alphabetic() && !c.is_ascii_alphabetic()
}

/// Reads `text` (sanitized) into pieces, or `None` when a word is not in the
/// English vocabulary.
pub(super) fn translate(text: &str) -> Option<Vec<Piece<'_>>> {
    let raw = runs(text)?;
    let mut out: Vec<Piece> = Vec::new();
    let mut i = 0;
    // The next run that is not a space, from `j`.
    let word_after = |j: usize| -> Option<(usize, &str)> {
        let mut k = j;
        while raw.get(k) == Some(&" ") {
            k += 1;
        }
        raw.get(k).map(|w| (k, *w))
    };
    let last_is_digits = |out: &[Piece]| {
        let mut it = out.iter().rev().skip_while(|p| **p == Piece::Space);
        matches!(it.next(), Some(Piece::Digits(_)))
    };
    while i < raw.len() {
        let run = raw[i];
        let first = run.chars().next().unwrap_or(' ');
        if first.is_ascii_digit() {
            out.push(Piece::Digits(run));
            // `10h30` is 10:30.
            if raw.get(i + 1) == Some(&"h")
                && raw
                    .get(i + 2)
                    .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit()))
                && !raw
                    .get(i + 3)
                    .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_alphabetic()))
            {
                out.push(Piece::Punct(':'));
                i += 2;
                continue;
            }
            // `13th`: the ordinal suffix goes; `3rd day` is the 3rd.
            if let Some(suffix @ ("st" | "nd" | "rd" | "th")) = raw.get(i + 1).copied() {
                let _ = suffix;
                i += 2;
                if let Some((k, "day")) = word_after(i) {
                    i = k + 1;
                }
                continue;
            }
            i += 1;
            continue;
        }
        if !first.is_ascii_alphabetic() {
            out.push(if first == ' ' {
                Piece::Space
            } else {
                Piece::Punct(first)
            });
            i += 1;
            continue;
        }
        let next = word_after(i + 1);
        let next_word = next.map(|(_, w)| w);
        let after_next = next.and_then(|(k, _)| word_after(k + 1));
        let mut consumed = i + 1;
        match keyword(run) {
            // `at 10h` is 10:00.
            Some(Keyword::At)
                if next_word.is_some_and(|w| w.bytes().all(|b| b.is_ascii_digit()))
                    && after_next.is_some_and(|(_, w)| w == "h")
                    && next_word.and_then(decimal).is_some_and(|h| h < 24) =>
            {
                let (k, hours) = next.unwrap_or((i, "0"));
                consumed = k + 2;
                out.extend_from_slice(&[
                    Piece::Digits(hours),
                    Piece::Punct(':'),
                    Piece::Digits("00"),
                ])
            }
            Some(Keyword::A) => out.push(Piece::Digits("1")),
            Some(Keyword::Noon) => out.extend_from_slice(&[
                Piece::Digits("12"),
                Piece::Punct(':'),
                Piece::Digits("00"),
            ]),
            Some(Keyword::Midnight) => out.extend_from_slice(&[
                Piece::Digits("00"),
                Piece::Punct(':'),
                Piece::Digits("00"),
            ]),
            Some(Keyword::Now) => relative(&mut out, 0, Unit::Second, false),
            Some(Keyword::Today) => relative(&mut out, 0, Unit::Day, false),
            Some(Keyword::Yesterday) => relative(&mut out, 1, Unit::Day, false),
            Some(Keyword::Tomorrow) => relative(&mut out, 1, Unit::Day, true),
            Some(Keyword::Tonight) => {
                relative(&mut out, 0, Unit::Day, false);
                out.extend_from_slice(&[Piece::Space, Piece::PartOfDay(20)]);
            }
            Some(Keyword::Day)
                if next_word == Some("before")
                    && after_next.is_some_and(|(_, w)| w == "yesterday") =>
            {
                consumed = after_next.map_or(consumed, |(k, _)| k + 1);
                relative(&mut out, 2, Unit::Day, false)
            }
            Some(Keyword::Day)
                if next_word == Some("after")
                    && after_next.is_some_and(|(_, w)| w == "tomorrow") =>
            {
                consumed = after_next.map_or(consumed, |(k, _)| k + 1);
                relative(&mut out, 2, Unit::Day, true)
            }
            Some(Keyword::From) if next_word == Some("now") => {
                consumed = next.map_or(consumed, |(k, _)| k + 1);
                out.push(Piece::In)
            }
            Some(Keyword::Less) if next_word == Some("than") => {
                // `less than 1 minute ago` / `less than a minute ago`.
                let mut words = raw[i..].iter().copied().filter(|r| *r != " ");
                let rest = [
                    words.next(),
                    words.next(),
                    words.next(),
                    words.next(),
                    words.next(),
                ];
                if matches!(
                    rest,
                    [
                        Some("less"),
                        Some("than"),
                        Some("1" | "a" | "one"),
                        Some("minute"),
                        Some("ago")
                    ]
                ) {
                    consumed = raw.len().min(
                        raw.iter()
                            .enumerate()
                            .skip(i)
                            .filter(|(_, r)| **r == "ago")
                            .map(|(k, _)| k + 1)
                            .next()
                            .unwrap_or(raw.len()),
                    );
                    out.extend_from_slice(&[
                        Piece::Digits("45"),
                        Piece::Space,
                        Piece::Unit(Unit::Second),
                        Piece::Space,
                        Piece::Ago,
                    ]);
                } else {
                    return None;
                }
            }
            Some(Keyword::Last | Keyword::This | Keyword::Next) => {
                let modifier = match run {
                    "last" => Modifier::Last,
                    "this" => Modifier::This,
                    _ => Modifier::Next,
                };
                let (k, word) = next?;
                consumed = k + 1;
                if let Some(hour) = part_of_day(word).filter(|_| modifier != Modifier::Next) {
                    // `this morning`: today; `last night`: yesterday night.
                    let days = match (modifier, word) {
                        (Modifier::Last, "night") => 1,
                        (Modifier::This, _) => 0,
                        _ => return None,
                    };
                    relative(&mut out, days, Unit::Day, false);
                    out.extend_from_slice(&[Piece::Space, Piece::PartOfDay(hour)]);
                } else if let Some(day) = weekday_word(word).filter(|_| word.len() > 2) {
                    let known = match modifier {
                        Modifier::Last | Modifier::Next => !matches!(word, "wed" | "sat" | "sun"),
                        Modifier::This => !matches!(word, "wed" | "sat" | "sun"),
                    };
                    if !known {
                        return None;
                    }
                    out.extend_from_slice(&[
                        Piece::Modifier(modifier),
                        Piece::Space,
                        Piece::Weekday(day),
                    ])
                } else {
                    let unit = unit_word(word)?;
                    match (modifier, unit, word) {
                        (
                            _,
                            Unit::Century | Unit::Decade | Unit::Fortnight,
                            "century" | "decade" | "fortnight",
                        ) => relative(&mut out, 1, unit, modifier == Modifier::Next),
                        (Modifier::This, Unit::Hour, "hour")
                        | (Modifier::This, Unit::Minute, "minute") => {
                            relative(&mut out, 0, unit, false)
                        }
                        (_, Unit::Month, "mo" | "month")
                        | (_, Unit::Week, "week" | "wk")
                        | (_, Unit::Year, "year" | "yr") => match modifier {
                            Modifier::This => relative(&mut out, 0, unit, false),
                            Modifier::Last => relative(&mut out, 1, unit, false),
                            Modifier::Next => relative(&mut out, 1, unit, true),
                        },
                        _ => return None,
                    }
                }
            }
            Some(Keyword::In) if next_word == Some("the") => {
                let (k, word) = after_next?;
                let hour = part_of_day(word)?;
                consumed = k + 1;
                out.push(Piece::PartOfDay(hour))
            }
            Some(Keyword::Mon) if last_is_digits(&out) => out.push(Piece::Unit(Unit::Month)),
            Some(Keyword::M) if !last_is_digits(&out) => {}
            Some(Keyword::Mo) if !last_is_digits(&out) => out.push(Piece::Weekday(0)),
            // `5w ago`, `in 5w`: only glued to the number.
            Some(Keyword::W) if i > 0 && raw[i - 1].starts_with(|c: char| c.is_ascii_digit()) => {
                out.push(Piece::Unit(Unit::Week))
            }
            // `in 3 weeks time`
            Some(Keyword::Time)
                if raw[..i].iter().rev().find(|r| **r != " ") == Some(&"weeks")
                    && out.contains(&Piece::In) => {}
            Some(Keyword::Suffix) => {}
            Some(Keyword::Th) if last_is_digits(&out) => {}
            Some(Keyword::T)
                if last_is_digits(&out)
                    && raw
                        .get(i + 1)
                        .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit())) =>
            {
                out.push(Piece::T)
            }
            Some(Keyword::Ago) => out.push(Piece::Ago),
            Some(Keyword::In | Keyword::After) => out.push(Piece::In),
            // `5 days later`, with the unit's full name, one space after the number.
            Some(Keyword::Later)
                if i >= 4
                    && raw[i - 1] == " "
                    && raw[i - 3] == " "
                    && raw[i - 4].starts_with(|c: char| c.is_ascii_digit())
                    && is_unit_before_later(raw[i - 2]) =>
            {
                out.push(Piece::Later)
            }
            Some(Keyword::Am) => out.push(Piece::Meridian { pm: false }),
            Some(Keyword::Pm) => out.push(Piece::Meridian { pm: true }),
            _ if skip_word(run) => {}
            _ => {
                let word = run;
                if let Some(n) =
                    number_word(word).filter(|&n| n <= 12 || next_word.is_some_and(is_plural_unit))
                {
                    out.push(Piece::Digits(numeral(n)))
                } else if let Some(tens) = tens_word(word) {
                    // `twenty five minutes`, `twenty-five minutes`, `twenty minutes`.
                    let ones = next_word.and_then(number_word).filter(|&n| n < 10);
                    let glued = raw.get(i + 1) == Some(&"-")
                        && raw
                            .get(i + 2)
                            .and_then(|w| number_word(w))
                            .is_some_and(|n| n < 10);
                    if glued {
                        let ones = raw.get(i + 2).and_then(|w| number_word(w)).unwrap_or(0);
                        if !word_after(i + 3).is_some_and(|(_, w)| is_plural_unit(w)) {
                            return None;
                        }
                        consumed = i + 3;
                        out.push(Piece::Digits(numeral(tens + ones)))
                    } else if let (Some(ones), Some((k, _))) = (ones, next) {
                        if !after_next.is_some_and(|(_, w)| is_plural_unit(w)) {
                            return None;
                        }
                        consumed = k + 1;
                        out.push(Piece::Digits(numeral(tens + ones)))
                    } else if next_word.is_some_and(is_plural_unit) {
                        out.push(Piece::Digits(numeral(tens)))
                    } else {
                        return None;
                    }
                } else if let Some(unit) = unit_word(word) {
                    out.push(Piece::Unit(unit))
                } else if let Some(month) = month_word(word) {
                    out.push(Piece::Month(month))
                } else if let Some(day) = weekday_word(word) {
                    out.push(Piece::Weekday(day))
                } else if let Some(hour) = part_of_day(word) {
                    out.push(Piece::PartOfDay(hour))
                } else if let Some(offset) = zone_word(word) {
                    out.push(Piece::Zone(offset))
                } else {
                    return None;
                }
            }
        };
        i = consumed;
    }
    Some(out)
}

/// `n` (0 to 99) in digits, as the number word for it reads.
fn numeral(n: u32) -> &'static str {
    const NUMERALS: &str = "0123456789\
        10111213141516171819202122232425262728293031323334353637383940414243444546474849\
        50515253545556575859606162636465666768697071727374757677787980818283848586878889\
        90919293949596979899";
    let n = n as usize;
    if n < 10 {
        &NUMERALS[n..=n]
    } else {
        &NUMERALS[2 * n - 10..2 * n - 8]
    }
}

/// `1 day ago`, `in 1 day`: what dateparser turns its day words into.
fn relative(out: &mut Vec<Piece>, amount: u32, unit: Unit, future: bool) {
    if future {
        out.extend_from_slice(&[Piece::In, Piece::Space]);
    }
    out.extend_from_slice(&[
        Piece::Digits(numeral(amount)),
        Piece::Space,
        Piece::Unit(unit),
    ]);
    if !future {
        out.extend_from_slice(&[Piece::Space, Piece::Ago]);
    }
}

#[cfg(test)]
#[path = "words/tests.rs"]
mod tests;

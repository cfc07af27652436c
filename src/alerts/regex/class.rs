//! Character classes as sorted ranges of scalar values, with regex-lite's
//! own rules for folding case and negating, so a class compiles to the same
//! number of ranges (which the size limit counts) as it did there.

/// Inclusive ranges, canonical once built: sorted, neither overlapping nor
/// adjacent.
pub(super) type Ranges = Vec<(char, char)>;

/// Sorts and merges ranges that overlap or touch (as numbers, so the ranges
/// either side of the surrogates stay apart).
pub(super) fn canonicalize(ranges: &mut Ranges) {
    ranges.sort_unstable();
    let mut merged: Ranges = Vec::with_capacity(ranges.len());
    for &(start, end) in ranges.iter() {
        match merged.last_mut() {
            Some(last) if start as u32 <= last.1 as u32 + 1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    *ranges = merged;
}

/// Adds the other ASCII case of each range. Like regex-lite, a range that
/// reaches into `a-z` adds only its upper case, else one in `A-Z` only its
/// lower case (so `[Z-a]` folds to add `A` but not `z`).
pub(super) fn ascii_case_fold(ranges: &mut Ranges) {
    for i in 0..ranges.len() {
        if let Some(folded) = fold_range(ranges[i]) {
            ranges.push(folded);
        }
    }
    canonicalize(ranges);
}

/// The other case of the ASCII letters in one range, as regex-lite folds it.
pub(super) fn fold_range((start, end): (char, char)) -> Option<(char, char)> {
    for (low, high, shift) in [('a', 'z', -32), ('A', 'Z', 32)] {
        let (from, to) = (start.max(low), end.min(high));
        if from <= to {
            let moved = |c: char| char::from((c as i32 + shift) as u8);
            return Some((moved(from), moved(to)));
        }
    }
    None
}

/// Every scalar value not in the (canonical) ranges. As in regex-lite, the
/// gap between ranges either side of the surrogates becomes an empty range
/// (`\u{E000}-\u{D7FF}`), which matches nothing but counts.
pub(super) fn negate(ranges: &mut Ranges) {
    let (Some(&(first, _)), Some(&(_, last))) = (ranges.first(), ranges.last()) else {
        *ranges = vec![('\0', char::MAX)];
        return;
    };
    let mut negated = Vec::with_capacity(ranges.len() + 1);
    if first > '\0' {
        negated.push(('\0', before(first)));
    }
    for pair in ranges.windows(2) {
        negated.push((after(pair[0].1).unwrap_or(char::MAX), before(pair[1].0)));
    }
    if let Some(next) = after(last) {
        negated.push((next, char::MAX));
    }
    *ranges = negated;
}

/// The scalar value before `c` (which is not `\0`), skipping the surrogates.
fn before(c: char) -> char {
    if c == '\u{E000}' {
        return '\u{D7FF}';
    }
    char::from_u32(c as u32 - 1).unwrap_or(c)
}

/// The scalar value after `c`, skipping the surrogates; none after the last.
fn after(c: char) -> Option<char> {
    if c == '\u{D7FF}' {
        return Some('\u{E000}');
    }
    char::from_u32(c as u32 + 1)
}

/// `[:name:]`'s ASCII ranges, or `None` for a name that is not a POSIX class.
pub(super) fn posix(name: &str) -> Option<Ranges> {
    let table: &[(u8, u8)] = match name {
        "alnum" => &[(b'0', b'9'), (b'A', b'Z'), (b'a', b'z')],
        "alpha" => &[(b'A', b'Z'), (b'a', b'z')],
        "ascii" => &[(0, 0x7F)],
        "blank" => &[(b'\t', b'\t'), (b' ', b' ')],
        "cntrl" => &[(0, 0x1F), (0x7F, 0x7F)],
        "digit" => &[(b'0', b'9')],
        "graph" => &[(b'!', b'~')],
        "lower" => &[(b'a', b'z')],
        "print" => &[(b' ', b'~')],
        "punct" => &[(b'!', b'/'), (b':', b'@'), (b'[', b'`'), (b'{', b'~')],
        "space" => &[(b'\t', b'\r'), (b' ', b' ')],
        "upper" => &[(b'A', b'Z')],
        "word" => &[(b'0', b'9'), (b'A', b'Z'), (b'_', b'_'), (b'a', b'z')],
        "xdigit" => &[(b'0', b'9'), (b'A', b'F'), (b'a', b'f')],
        _ => return None,
    };
    Some(
        table
            .iter()
            .map(|&(s, e)| (char::from(s), char::from(e)))
            .collect(),
    )
}

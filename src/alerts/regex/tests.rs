//! Our matcher against regex-lite 0.1, the crate it replaces: the same
//! patterns accepted, the same answer for every haystack.

use proptest::prelude::*;

use super::Regex;

/// Haystacks that exercise classes, case, line ends, word boundaries and
/// characters beyond ASCII.
#[rustfmt::skip]
const HAYSTACKS: &[&str] = &[
    "", "a", "A", "ab", "aB", "abc", "aaa", "b", "z", "Z", "_", "0", "9", "-", " ", "\n", "\r",
    "\r\n", "\n\r", "a\nb", "a\r\nb", "é", "É", "☃", "a☃b", "crit", "critical", "warning", "ab ab",
    "foo_bar", "x-y", "\u{D7FF}", "\u{E000}", "\u{10FFFF}", "]", "[", "\\",
];

/// Compiles `pattern` with both and, when both accept it, compares them
/// on `haystacks`.
fn assert_as_regex_lite<'h>(pattern: &str, haystacks: impl IntoIterator<Item = &'h str>) {
    let ours = Regex::new(pattern);
    let theirs = regex_lite::Regex::new(pattern);
    match (&ours, &theirs) {
        (Ok(ours), Ok(theirs)) => {
            for haystack in haystacks {
                assert_eq!(
                    ours.is_match(haystack),
                    theirs.is_match(haystack),
                    "pattern {pattern:?} on {haystack:?}"
                );
            }
        }
        (Err(_), Err(_)) => {}
        _ => panic!(
            "pattern {pattern:?}: ours {:?}, regex-lite {:?}",
            ours.as_ref().err(),
            theirs.as_ref().err()
        ),
    }
}

/// As the alerts probe compiles a matcher's value.
fn anchored(value: &str) -> String {
    format!("^(?s:{value})$")
}

/// Patterns at the edges of the syntax: empty branches, nested and huge
/// repetitions, bad escapes, unclosed brackets, flags, names, classes.
#[rustfmt::skip]
const EDGE_CASES: &[&str] = &[
    "", "|", "a|", "|a", "||", "(|)", "()", "(?:)", "a**", "a*?", "a+?", "a??", "(a*)*", "(a*)+",
    "(a|)*", "(|a)+", "(a*)*b", "(?:a?)*?", "a{0}", "(a){0}b", "(?P<x>a){0}(?P<x>b)", "a{0,0}",
    "a{1,1}", "a{,3}", "a{3,}", "a{2,1}", "a{ 2 , 3 }", "(?x)a{ 2 , 3 }", "a{2}{3}",
    "a{4294967295}", "a{4294967296}", "a{99999999999}", "a{1000}{1000}", "(?:a{1000}){10}", "\\e",
    "\\1", "\\p{L}", "\\P{L}", "\\pL", "\\k<x>", "\\", "a\\", "\\x", "\\x4", "\\x41", "\\x{}",
    "\\x{41", "\\x{110000}", "\\x{D800}", "\\x{0000000041}", "\\u00E9", "\\U0001F600", "\\x{ 41 }",
    "(?x)\\x{ 4 1 }", "(?x)\\x 4 1", "[", "[a", "[]", "[]a]", "[^]", "[^]a]", "[a-]", "[-a]",
    "[--a]", "[a--b]", "[a&&b]", "[a~~b]", "[a-\\d]", "[\\d-z]", "[z-a]", "[\\b]", "[\\A]", "[.]",
    "[[:alpha:]]", "[[:^alpha:]]", "[[:alpha:]", "[[:foo:]]", "[[:alpha]]", "[[a]]",
    "[a[:digit:]b]", "[^[:space:]]", "(?i)[[:lower:]]", "(?i)[^a]", "(?i)[Z-a]", "(?i)[a-\\x7A]",
    "(?i)[\\x41]", "(?i)\\x41", "(?i)é", "(?i)k", "(?i)s", "[^\\x{D7FF}\\x{E000}]",
    "[\\x{D7FF}\\x{E000}]", "[^\\x00-\\x{10FFFF}]", "(", ")", "a)", "(a", "((a)", "(?", "(?)",
    "(?i", "(?i)", "(?-)", "(?i-)", "(?--i)", "(?ii)", "(?i-i)", "(?q)", "(?=a)", "(?!a)", "(?<=a)",
    "(?<!a)", "(?P<n>a)", "(?<n>a)", "(?P<>a)", "(?P<1>a)", "(?P<a.b[c]>x)", "(?P<é>x)", "(?P<n",
    "(?P<n>a)(?P<n>b)", "\\b{5}", "\\b{start}", "\\b{end}a", "\\b{start-half}", "\\b{end-half}",
    "\\b{foo}", "\\b{", "\\b{start", "\\<a\\>", "\\B", "^$", "(?m)^$", "(?m)^a$", "(?mR)^a$",
    "(?mR)^\\n", "(?mR)\\r$", "(?mR)^.", "(?mR).$", "(?m)^\\n", "(?m)\\r$", "(?R)^$", "(?s).", ".",
    "(?R).", "(?U)a*", "(?u)a", "(?x) a b # c\n d", "(?x)[ a ]", "(?x)[a - z]", "(?x)a # comment",
    "(?x)[a-#\n c]", "(?x)a{2 #x\n}", "\\A\\z", "\\Aa|b\\z", "\\w+", "\\W", "\\d", "\\D", "\\s",
    "\\S", "a.b", "é+", "☃*", "crit.*|warning", "a)|(b", "*", "+a", "?", "{1}", "a|*", "(*)", "a{",
    "a{1", "a{1,", "a{1,2", "a{a}", "#", "-", "(?x)[a - ]", "(?x)[a -#c\n]", "(?x)[a- #\n-]",
    "(?x)[a -# x\n z]", "(?x)[a -  ]]", "(?x)(?P<n> a)", "(?x)( ?:a)", "(?x)a * ?",
    "(?x)\\b { start }",
];

#[test]
fn edge_cases_answer_as_regex_lite() {
    for &pattern in EDGE_CASES {
        assert_as_regex_lite(pattern, HAYSTACKS.iter().copied());
        assert_as_regex_lite(&anchored(pattern), HAYSTACKS.iter().copied());
    }
}

#[test]
fn nesting_limits_are_regex_lites() {
    for depth in [48, 49, 50, 51, 52, 1000] {
        let groups = format!("{}a{}", "(".repeat(depth), ")".repeat(depth));
        let flags = format!("{}a{}", "(?:".repeat(depth), ")".repeat(depth));
        let repeats = format!("a{}", "*".repeat(depth));
        let discarded = format!("(?:a{}){{0}}b", "+".repeat(depth));
        for pattern in [groups, flags, repeats, discarded] {
            assert_as_regex_lite(&pattern, ["", "a", "b", "aa"]);
            assert_as_regex_lite(&anchored(&pattern), ["", "a", "b"]);
        }
    }
}

/// Patterns a backtracking matcher takes exponential time over; here each
/// is one pass over the haystack.
#[test]
fn pathological_patterns_on_long_haystacks_answer_as_regex_lite() {
    let long = "a".repeat(5_000);
    let almost = format!("{long}!");
    for pattern in [
        "(a*)*b",
        "(a|aa)*b",
        "(?:a?){30}a{30}",
        "^(a+)+$",
        "(\\w|a)*\\b!",
    ] {
        assert_as_regex_lite(pattern, [long.as_str(), almost.as_str()]);
        assert_as_regex_lite(&anchored(pattern), [long.as_str(), almost.as_str()]);
    }
}

#[test]
fn a_very_deep_pattern_is_rejected_without_overflowing_the_stack() {
    let stars = format!("a{}", "*".repeat(200_000));
    assert!(Regex::new(&stars).is_err());
    let groups = "(".repeat(200_000);
    assert!(Regex::new(&groups).is_err());
}

/// The largest `n` regex-lite accepts in `template` (with `N` for `n`).
fn largest_count_accepted(template: &str) -> u32 {
    let accepts = |n: u32| regex_lite::Regex::new(&template.replace('N', &n.to_string())).is_ok();
    let (mut yes, mut no) = (0, 1 << 22);
    assert!(accepts(yes) && !accepts(no), "{template}");
    while no - yes > 1 {
        let mid = (yes + no) / 2;
        if accepts(mid) {
            yes = mid;
        } else {
            no = mid;
        }
    }
    yes
}

#[test]
fn the_size_limit_is_regex_lites_to_the_state() {
    for template in [
        "a{N}",
        "^(?s:a{N})$",
        "[a-c]{N}",
        "(?i)[a-c]{N}",
        "(?:a|b|c){N}",
        "(?P<name>a){N}",
        "(a){N}",
        "a{0,N}",
        "(?:ab){N,}?",
        "(?:a*){N}",
        "(?:a*){N,}",
        "(?:a+){0,N}",
        "(?:a?){N,}",
        "(?:\\b){N}",
    ] {
        let n = largest_count_accepted(template);
        for count in [n, n + 1] {
            let pattern = template.replace('N', &count.to_string());
            assert_as_regex_lite(&pattern, ["", "a"]);
        }
    }
}

/// Pieces of patterns: mostly valid syntax, some of it only valid next to
/// other pieces, some of it never valid.
#[rustfmt::skip]
const PIECES: &[&str] = &[
    "a", "b", "A", "B", "z", "_", "0", "9", " ", "-", "é", "☃", "\n", ".", ".", "^", "$", "\\A",
    "\\z", "\\b", "\\B", "\\b{start}", "\\b{end}", "\\b{start-half}", "\\b{end-half}", "\\<", "\\>",
    "\\d", "\\D", "\\w", "\\W", "\\s", "\\S", "\\x41", "\\x{61}", "\\u00e9", "\\n", "\\r", "\\t",
    "\\.", "\\*", "\\-", "\\ ", "\\e", "\\1", "\\pL", "[ab]", "[a-z]", "[^a]", "[^\\n]",
    "[[:alpha:]]", "[[:^digit:]_]", "[a-]", "[]a]", "[\\d-]", "[\\w.]", "[Z-a]", "[é-☃]", "[", "]",
    "(", "(", "(", ")", ")", ")", "(?:", "(?i)", "(?-i)", "(?i:", "(?s)", "(?-s:", "(?m)", "(?m:",
    "(?R)", "(?mR:", "(?x)", "(?U)", "(?u)", "(?P<n>", "(?<m>", "(?=", "(?", "(?ix-s:", "|", "|",
    "*", "*", "+", "+", "?", "?", "*?", "+?", "??", "{0}", "{1}", "{2}", "{0,}", "{1,3}", "{2,}?",
    "{2,1}", "{", "}", "#", ",", ":", "{99}", "{4294967295}",
];

fn pattern() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(PIECES), 0..12).prop_map(|pieces| pieces.concat())
}

/// Valid patterns built as trees: groups, flags, alternations and
/// quantifiers nested over atoms, where the matching itself is tested.
fn valid_pattern() -> impl Strategy<Value = String> {
    let atom = prop::sample::select(
        &[
            "a",
            "b",
            "A",
            "é",
            "☃",
            " ",
            ".",
            "^",
            "$",
            "\\A",
            "\\z",
            "\\b",
            "\\B",
            "\\<",
            "\\>",
            "\\b{start-half}",
            "\\b{end-half}",
            "\\d",
            "\\W",
            "\\s",
            "\\n",
            "\\r",
            "[ab]",
            "[^a\\n]",
            "[[:upper:]é]",
            "[Z-a]",
            "(?i:b)",
            "",
        ][..],
    );
    atom.prop_map(str::to_string)
        .prop_recursive(4, 24, 4, |inner| {
            let group = prop::sample::select(
                &[
                    "(", "(?:", "(?i:", "(?-i:", "(?s:", "(?-s:", "(?m:", "(?mR:", "(?U:",
                    "(?P<g>", "(?x:",
                ][..],
            );
            let quantifier = prop::sample::select(
                &[
                    "*", "+", "?", "*?", "+?", "??", "{0}", "{1}", "{2}", "{0,2}", "{1,}", "{2,3}?",
                ][..],
            );
            prop_oneof![
                prop::collection::vec(inner.clone(), 1..4).prop_map(|parts| parts.concat()),
                prop::collection::vec(inner.clone(), 2..4).prop_map(|parts| parts.join("|")),
                (inner.clone(), quantifier).prop_map(|(sub, q)| format!("(?:{sub}){q}")),
                (group, inner).prop_map(|(open, sub)| format!("{open}{sub})")),
            ]
        })
}

fn haystack() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(
        &[
            "a", "b", "A", "B", "z", "_", "0", "9", " ", "-", "\n", "\r", "\r\n", "é", "É", "☃",
            "]", ".",
        ][..],
    );
    prop::collection::vec(pieces, 0..10).prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn random_patterns_answer_as_regex_lite(
        pattern in pattern(),
        haystacks in prop::collection::vec(haystack(), 1..8),
    ) {
        let haystacks = || haystacks.iter().map(String::as_str).chain(HAYSTACKS.iter().copied());
        assert_as_regex_lite(&pattern, haystacks());
        assert_as_regex_lite(&anchored(&pattern), haystacks());
    }

    #[test]
    fn random_valid_patterns_answer_as_regex_lite(
        pattern in valid_pattern(),
        haystacks in prop::collection::vec(haystack(), 1..8),
    ) {
        let haystacks = || haystacks.iter().map(String::as_str).chain(HAYSTACKS.iter().copied());
        assert_as_regex_lite(&pattern, haystacks());
        assert_as_regex_lite(&anchored(&pattern), haystacks());
    }
}

//! The regular expressions of label matchers (`=~`, `!~`), compiled by
//! regex-lite: linear time in the value whatever the pattern, and small.
//! Prometheus compiles them with Go's RE2 `regexp`; where the two syntaxes
//! part (Unicode classes and case folding, octal escapes, `\s` and `\v`,
//! nesting depth, repetition counts), regex-lite's answer holds, as
//! docs/probes.md says and the tests below pin.

use regex_lite::Regex;

/// A matcher's value as Prometheus compiles it: anchored to the whole value,
/// with `.` matching newlines too.
pub(super) fn compile(value: &str) -> Result<Regex, regex_lite::Error> {
    Regex::new(&format!("^(?s:{value})$"))
}

#[cfg(test)]
mod tests {
    use super::compile;

    fn matches(pattern: &str, value: &str) -> bool {
        compile(pattern).unwrap().is_match(value)
    }

    #[test]
    fn a_pattern_matches_the_whole_value() {
        assert!(matches("crit.*|warning", "critical"));
        assert!(matches("crit.*|warning", "warning"));
        assert!(!matches("crit", "critical"));
        assert!(!matches("warn", "prewarn"));
        // The alternation sits inside the anchors: `a|b` is not `^a|b$`.
        assert!(!matches("a|b", "ab"));
        assert!(matches("", ""));
        assert!(!matches("", "x"));
    }

    #[test]
    fn dot_matches_a_newline_as_in_prometheus() {
        assert!(matches("a.b", "a\nb"));
        assert!(matches(".*", "line one\nline two"));
    }

    /// Patterns a backtracking matcher takes exponential time over; here each
    /// is one pass over the value, so the test ends at once.
    #[test]
    fn pathological_patterns_answer_on_long_values() {
        let long = "a".repeat(5_000);
        let almost = format!("{long}!");
        for (pattern, on_long, on_almost) in [
            ("(a*)*b", false, false),
            ("(a|aa)*b", false, false),
            ("(?:a?){30}a{30}", false, false),
            ("(a+)+", true, false),
            ("(\\w|a)*\\b!", false, true),
        ] {
            assert_eq!(matches(pattern, &long), on_long, "{pattern}");
            assert_eq!(matches(pattern, &almost), on_almost, "{pattern}");
        }
    }

    #[test]
    fn a_very_deep_pattern_is_an_error_not_a_stack_overflow() {
        let stars = format!("a{}", "*".repeat(200_000));
        assert!(compile(&stars).is_err());
        let groups = "(".repeat(200_000);
        assert!(compile(&groups).is_err());
        // regex-lite nests 50 deep (the anchoring group is one); RE2 allows 1000.
        let nested = |depth: usize| format!("{}a{}", "(".repeat(depth), ")".repeat(depth));
        assert!(compile(&nested(48)).is_ok());
        assert!(compile(&nested(60)).is_err());
    }

    #[test]
    fn a_huge_repetition_is_an_error() {
        assert!(compile("a{1000}{1000}").is_err());
        assert!(compile("a{4294967296}").is_err());
        // RE2 refuses counts over 1000; regex-lite takes them while the
        // automaton stays within its size limit.
        assert!(matches("a{1001}", &"a".repeat(1001)));
    }

    /// The RE2 syntax Prometheus accepts that regex-lite refuses: a clear
    /// error, never a different answer.
    #[test]
    fn re2_syntax_regex_lite_lacks_is_refused() {
        for pattern in [
            "\\pL",
            "\\p{Greek}",
            "\\PN",
            "[\\p{Lu}]",
            "\\Q.*\\E",
            "\\C",
            "\\012",
            "\\1",
        ] {
            assert!(compile(pattern).is_err(), "{pattern}");
        }
    }

    /// Where both accept a pattern but answer differently.
    #[test]
    fn classes_and_case_folding_are_ascii() {
        // RE2's `\s` is `[\t\n\f\r ]`; regex-lite's also takes `\v`.
        assert!(matches("\\s", "\u{b}"));
        // RE2 folds case over Unicode; regex-lite over ASCII only.
        assert!(matches("(?i)critical", "CRITICAL"));
        assert!(!matches("(?i)é", "É"));
        assert!(!matches("\\w", "é"));
        assert!(matches("[é]", "é"));
        assert!(matches(".", "☃"));
    }

    /// Syntax regex-lite accepts beyond RE2.
    #[test]
    fn regex_lite_extensions_are_accepted() {
        assert!(matches("(?x) crit  ical ", "critical"));
        assert!(matches("\\bcrit\\b{end}", "crit"));
        assert!(matches("\\<db\\>", "db"));
    }
}

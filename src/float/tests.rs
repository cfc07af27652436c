//! The reader against core's `str::parse::<f64>`, the reader it replaces:
//! the same verdict and the same bits over chosen and generated text.

use proptest::prelude::*;

use super::*;

fn assert_as_core(text: &str) {
    let ours = parse_f64(text);
    let theirs = text.parse::<f64>().ok();
    match (ours, theirs) {
        (Some(ours), Some(theirs)) if ours.is_nan() => {
            assert!(theirs.is_nan(), "{text:?}: NaN / {theirs:?}");
            assert_eq!(
                ours.is_sign_negative(),
                theirs.is_sign_negative(),
                "{text:?}"
            );
        }
        (Some(ours), Some(theirs)) => {
            assert_eq!(
                ours.to_bits(),
                theirs.to_bits(),
                "{text:?}: {ours:e} / {theirs:e}"
            );
        }
        (ours, theirs) => assert_eq!(
            ours.is_some(),
            theirs.is_some(),
            "{text:?}: {ours:?} / {theirs:?}"
        ),
    }
}

/// The exact decimal of the point halfway between `x` (positive, finite)
/// and the next `f64` up, with every digit: digits and a power of ten.
fn halfway(x: f64) -> (String, i64) {
    let bits = x.to_bits();
    let (significand, exponent) = match bits >> 52 {
        0 => (bits, -1074),
        biased => ((bits & ((1 << 52) - 1)) | (1 << 52), biased as i64 - 1075),
    };
    // (2 × significand + 1) × 2^power, as base-10^9 limbs; a negative
    // power is 5^-power × 10^power.
    let power = exponent - 1;
    let odd = 2 * significand + 1;
    let mut limbs = vec![odd % 1_000_000_000, odd / 1_000_000_000];
    let factor = if power >= 0 { 2 } else { 5 };
    for _ in 0..power.abs() {
        let mut carry = 0;
        for limb in &mut limbs {
            let product = *limb * factor + carry;
            *limb = product % 1_000_000_000;
            carry = product / 1_000_000_000;
        }
        if carry > 0 {
            limbs.push(carry);
        }
    }
    let digits: String = limbs
        .iter()
        .rev()
        .map(|limb| format!("{limb:09}"))
        .collect();
    let digits = digits.trim_start_matches('0').to_string();
    (digits, power.min(0))
}

#[test]
fn agrees_with_core_on_chosen_text() {
    let chosen = [
        "",
        "+",
        "-",
        ".",
        "e5",
        "1e",
        "1e+",
        "1e-",
        "+-1",
        "-+1",
        " 1",
        "1 ",
        "1_000",
        "1..2",
        "1.2.3",
        ".e1",
        "-.e1",
        "1e1.5",
        "0x10",
        "1f",
        "1e5e5",
        "--1",
        "e",
        "E",
        "-e",
        "0",
        "-0",
        "+0",
        "0.0",
        "-0.0",
        "00",
        "000.000",
        "0e999999",
        "-0e-999999",
        "0.",
        ".0",
        ".5",
        "5.",
        "-.5",
        "+5.",
        "1.e5",
        "1.E-5",
        ".5e1",
        "5.e-1",
        "1",
        "-1",
        "1.5",
        "0.1",
        "0.2",
        "0.3",
        "0.30000000000000004",
        "123456789012345678",
        "9007199254740992",
        "9007199254740993",
        "9007199254740994",
        "9007199254740995",
        "9007199254740993.0000000000000000000000000000000001",
        "18014398509481987",
        "1e22",
        "1e23",
        "1.5e22",
        "123456789e22",
        "9007199254740993e-22",
        "1e-22",
        "3e-23",
        "2.4703282292062327e-324",
        "2.4703282292062328e-324",
        "2.47032822920623272e-324",
        "4.9406564584124654e-324",
        "5e-324",
        "3e-324",
        "2e-324",
        "1e-324",
        "1e-400",
        "2.2250738585072011e-308",
        "2.2250738585072012e-308",
        "2.2250738585072014e-308",
        "2.225073858507201136057409796709131975934819546351645648e-308",
        "1.7976931348623157e308",
        "1.7976931348623158e308",
        "1.7976931348623159e308",
        "1.797693134862315807937289714053e308",
        "1.7976931348623159077e308",
        "1e308",
        "1e309",
        "-1e309",
        "17976931348623157e292",
        "0.1e310",
        "1e-99999999999",
        "1e99999999999",
        "1e-65535",
        "1e65536",
        "1e-65536",
        "1e+00000000000000000000001",
        "0.000000000000000000000000000000000000000000000000000000000001e60",
        "100000000000000000000000000000000000000000000000000000000000e-60",
        "inf",
        "Inf",
        "INF",
        "-inf",
        "+inf",
        "infinity",
        "INFINITY",
        "-Infinity",
        "+iNfInItY",
        "nan",
        "NaN",
        "nAn",
        "-nan",
        "+NAN",
        "in",
        "infinit",
        "infinityy",
        "infin",
        "na",
        "nana",
        "nan1",
        "inf0",
        "-",
        "+inf ",
        "∞",
        "١",
    ];
    for text in chosen {
        assert_as_core(text);
    }
}

#[test]
fn agrees_with_core_on_long_digit_strings() {
    let ones = "1".repeat(900);
    let zeros = "0".repeat(900);
    let texts = [
        format!("0.{zeros}1"),
        format!("0.{zeros}1e905"),
        format!("1{zeros}"),
        format!("1{zeros}e-905"),
        format!("{ones}e-1200"),
        format!("{ones}e-600"),
        format!("{ones}.{ones}"),
        format!("{zeros}{ones}"),
        format!(".{zeros}{ones}e1000"),
        format!("1.{}e-5", "9".repeat(850)),
        format!("9.{}e307", "9".repeat(850)),
        format!("{}e-1", "9".repeat(70_000)),
        format!("0.{}1e70001", "0".repeat(70_000)),
    ];
    for text in &texts {
        assert_as_core(text);
    }
}

#[test]
fn agrees_with_core_halfway_between_floats() {
    let floats = [
        f64::from_bits(1),
        f64::from_bits(2),
        f64::from_bits(3),
        f64::from_bits((1 << 52) - 1),
        f64::MIN_POSITIVE,
        1.0,
        9007199254740992.0,
        0.1,
        1e23,
        f64::MAX / 2.0,
        // A tie with 16 significant digits, which a fast path must not take
        // when nonzero digits past the kept ones break it.
        3.325134710761441e16,
        f64::from_bits(f64::MAX.to_bits() - 1),
        f64::MAX,
    ];
    for x in floats {
        assert_around_halfway(x);
    }
}

/// The tie itself, just below it and just above it, the difference
/// sometimes past the digits the reader keeps.
fn assert_around_halfway(x: f64) {
    let (tie, power) = halfway(x);
    // Digits that stand for the tie plus a tail, at the tie's scale.
    let with_tail =
        |digits: String| format!("{digits}e{}", power - (digits.len() - tie.len()) as i64);
    let below = {
        let kept = tie.trim_end_matches('0');
        let last = kept.len() - 1;
        let lowered = (kept.as_bytes()[last] - 1) as char;
        let nines = "9".repeat(tie.len() - kept.len() + 900);
        format!("{}{lowered}{nines}", &kept[..last])
    };
    assert_as_core(&with_tail(tie.clone()));
    assert_as_core(&format!("-{}", with_tail(tie.clone())));
    assert_as_core(&with_tail(below));
    assert_as_core(&with_tail(format!("{tie}{}1", "0".repeat(900))));
    assert_as_core(&with_tail(format!("{tie}1")));
}

/// Text near the shapes core reads: signs, leading zeros, long digit runs,
/// fractions, exponents of any length, the non-finite words, and junk.
fn numberish() -> impl Strategy<Value = String> {
    prop_oneof![
        "[+-]?0{0,5}[0-9]{0,25}(\\.[0-9]{0,25})?([eE][+-]?[0-9]{1,4})?",
        "[+-]?[0-9]{0,3}\\.?0{0,400}[0-9]{0,900}([eE][+-]?[0-9]{0,3})?",
        "[+-]?[0-9]{1,3}(\\.[0-9]{0,3})?[eE][+-]?[0-9]{1,25}",
        "[+-]?[1-9][0-9]{0,20}(\\.[0-9]{0,20})?[eE](-3[0-3][0-9]|30[0-9]|-2[0-9]{2}|-30[0-9])",
        "[+-]?[0-9]{15,20}(e-?[0-9]{1,2})?",
        "[-+.eE0-9infatyINFATY_ ]{0,12}",
        "[+-]?([iI][nN][fF]([iI][nN][iI][tT][yY])?|[nN][aA][nN])",
        "[+-]?[iInNfFaAtTyY]{1,9}",
    ]
}

/// Finite positive floats of every kind: subnormal, normal, near the top.
fn float() -> impl Strategy<Value = f64> {
    prop_oneof![
        (1_u64..0x7FF0_0000_0000_0000).prop_map(f64::from_bits),
        (1_u64..1 << 53).prop_map(f64::from_bits),
        (0_u64..1 << 20).prop_map(|n| f64::from_bits(0x7FEF_FFFF_FFFF_FFFF - n)),
    ]
}

proptest! {
    #[test]
    fn agrees_with_core_on_numberish_text(text in numberish()) {
        assert_as_core(&text);
    }

    #[test]
    fn agrees_with_core_on_printed_floats(x in float(), precision in 0_usize..30) {
        assert_as_core(&format!("{x:?}"));
        assert_as_core(&format!("{x:e}"));
        assert_as_core(&format!("{x:.precision$e}"));
        assert_as_core(&format!("{x:.precision$}"));
    }

    #[test]
    fn agrees_with_core_around_halfway_points(x in float()) {
        assert_around_halfway(x);
    }

    #[test]
    fn agrees_with_core_on_any_text(text in "\\PC{0,20}") {
        assert_as_core(&text);
    }
}

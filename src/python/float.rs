//! Python's `float(text)`, for numbers that upstream (dateparser's amounts,
//! Chaos Toolkit's `float` values) reads with it. std's `str::parse::<f64>`
//! reads the same numbers and the same `inf`/`infinity`/`nan` spellings
//! (any case, with a sign); this layer adds only what `float()` does beyond
//! it: surrounding whitespace (Unicode's, as `str::trim` takes it; float()
//! leaves U+001C to U+001F, which `str.isspace` counts) and `_` between two
//! digits. One difference is left:
//! `float()` also reads non-ASCII decimal digits (`'٣'`), which this
//! refuses. `tests::float_matches_pythons_own_float` holds it to the
//! machine's `python3` over a corpus.

/// The number `float(text)` gives, or `None` where it raises `ValueError`.
pub fn float(text: &str) -> Option<f64> {
    let text = text.trim();
    if !text.contains('_') {
        return text.parse().ok();
    }
    let bytes = text.as_bytes();
    let between_digits = |i: usize| {
        i > 0 && bytes[i - 1].is_ascii_digit() && bytes.get(i + 1).is_some_and(u8::is_ascii_digit)
    };
    if (0..bytes.len()).any(|i| bytes[i] == b'_' && !between_digits(i)) {
        return None;
    }
    text.replace('_', "").parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const CORPUS: &[&str] = &[
        "0",
        "1",
        "-1",
        "+1",
        "1.5",
        "1.",
        ".5",
        "-.5",
        ".",
        "",
        " ",
        "1e5",
        "1E-5",
        "1e+5",
        "1e",
        "1e+",
        "e5",
        "1.e5",
        "00012",
        "1e400",
        "-1e400",
        "1e-400",
        "0.30000000000000004",
        "2.2250738585072011e-308",
        "179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497791",
        "inf",
        "-inf",
        "+INF",
        "Infinity",
        "-iNfInItY",
        "infinit",
        "infinityy",
        "nan",
        "-NaN",
        "+nAn",
        "nan1",
        "snan",
        "  1.5  ",
        "\t\n\x0b\x0c\r1\r\n",
        "\u{1c}1\u{1f}",
        "\u{1c}1",
        "1\u{1f}",
        "\u{1680}5\u{2000}\u{200a}\u{2029}\u{202f}\u{205f}",
        "\u{a0}2\u{3000}",
        "\u{85}3\u{2028}",
        "\u{200b}4",
        "1 2",
        "1_000",
        "1_000.000_1",
        "1e1_0",
        "1__000",
        "_1",
        "1_",
        "1_.5",
        "1._5",
        "1_e5",
        "1e_5",
        "-_1",
        " 1_0 ",
        "in_f",
        "0x10",
        "1,5",
        "١",
        "+-1",
        "--1",
        "1\u{0}",
    ];

    /// Every text of the corpus through `float` and through the machine's
    /// own `float()`: the same number, or an error in both.
    #[test]
    fn float_matches_pythons_own_float() {
        // One JSON string a line, so that any text reaches Python intact;
        // Python answers with the float's bits, or "error".
        let script = "import json, struct, sys\n\
            for line in sys.stdin:\n\
            \x20   try:\n\
            \x20       print(struct.pack('>d', float(json.loads(line))).hex())\n\
            \x20   except ValueError:\n\
            \x20       print('error')";
        let lines: Vec<String> = CORPUS
            .iter()
            .map(|text| serde_json::Value::from(*text).to_string())
            .collect();
        let answers = crate::python::run_python(script, &lines);
        for (text, theirs) in CORPUS.iter().zip(&answers) {
            let ours = match float(text) {
                Some(value) => format!("{:016x}", value.to_bits()),
                None => "error".to_string(),
            };
            if *text == "١" {
                // The difference the module comment names.
                assert_eq!(
                    (ours.as_str(), theirs.as_str()),
                    ("error", "3ff0000000000000")
                );
                continue;
            }
            assert_eq!(&ours, theirs, "float({text:?})");
        }
    }
}

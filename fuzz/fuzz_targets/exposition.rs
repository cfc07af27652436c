#![no_main]
//! Any label value and help text: one sample line per sample, and no raw
//! line break or unescaped quote inside a label value.

use chaosprometheus::control::exposition::{escape_label_value, write, Family, Sample};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (help, value) = text.split_once('\u{0}').unwrap_or((text, text));
    let family = Family {
        name: "chaos_fuzz".into(),
        help: help.into(),
        kind: "gauge",
        samples: vec![Sample {
            name: "chaos_fuzz".into(),
            labels: vec![("label".into(), value.into())],
            value: 1.0,
        }],
        created: None,
    };
    let body = write(&[family]);
    assert_eq!(body.lines().count(), 3, "{body:?}");
    let escaped = escape_label_value(value);
    assert!(!escaped.contains('\n'));
    let unescaped_quotes = escaped.replace("\\\\", "").replace("\\\"", "");
    assert!(!unescaped_quotes.contains('"'));
});

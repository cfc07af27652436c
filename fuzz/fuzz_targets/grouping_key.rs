#![no_main]
//! Any job and grouping key: a Pushgateway path whose segments never carry
//! a raw `/`, and label-name checks that never panic.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut parts = text.splitn(3, '\u{0}');
    let job = parts.next().unwrap_or_default();
    let key = parts.next().unwrap_or("k");
    let value = parts.next().unwrap_or_default();
    let _ = chaosprometheus::control::pushgateway::is_label_name(key);
    let path = chaosprometheus::control::pushgateway::metrics_path(
        job,
        &[("k".to_string(), value.to_string())],
    );
    let segments: Vec<&str> = path.split('/').collect();
    assert_eq!(segments.len(), 6, "{path}");
});

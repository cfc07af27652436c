#![no_main]
//! A server's garbage answer, with any status: a typed result, never a panic.

use chaosprometheus::response::{check_envelope, single_series_values, single_value, HttpResponse};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let status = data
        .first()
        .map_or(200, |b| if b % 2 == 0 { 200 } else { 400 + u16::from(*b) });
    let body = data.get(1..).unwrap_or_default().to_vec();
    if let Ok(text) = check_envelope(
        HttpResponse {
            status,
            body,
            location: None,
        },
        "Prometheus query {}",
    ) {
        let _ = single_value(&text, "q", None);
        let _ = single_series_values(&text, "q");
    }
});

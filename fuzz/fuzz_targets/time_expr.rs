#![no_main]
//! Any text as a time expression: an answer or an error, never a panic.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = chaosprometheus::time_expr::parse_time_expr(
            text,
            chaosprometheus::time_expr::Timestamp::UNIX_EPOCH,
        );
    }
});

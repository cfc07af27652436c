#![no_main]
//! Any text as a step, timeout or window: a duration or an error, never a
//! panic, and a parsed duration is always positive.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(duration) = chaosprometheus::duration::PromDuration::parse("step", text) {
            assert!(duration.seconds > 0.0);
        }
        if let Ok(seconds) = text.parse::<f64>() {
            let _ = chaosprometheus::duration::auto_step(seconds);
            let _ = chaosprometheus::duration::mean_step(seconds);
        }
    }
});

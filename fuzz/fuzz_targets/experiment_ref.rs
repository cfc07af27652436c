#![no_main]
//! Any experiment document: a hash or an error, never a panic.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(hash) = chaosprometheus::control::experiment_ref::experiment_hash(text) {
            assert_eq!(hash.len(), 24);
        }
    }
});

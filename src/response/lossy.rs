//! Invalid UTF-8 in an answer, replaced as Rust's lossy decoding replaces it.

/// An error answer's bytes as text, each invalid sequence replaced by
/// U+FFFD exactly as `String::from_utf8_lossy` replaces it (`from_utf8`'s
/// error length follows the same rule), without the chunk iterator that
/// function adds to the component.
pub fn lossy_text(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(bytes.len());
    let mut rest = bytes;
    loop {
        match std::str::from_utf8(rest) {
            Ok(valid) => {
                text.push_str(valid);
                return text;
            }
            Err(error) => {
                let (valid, invalid) = rest.split_at(error.valid_up_to());
                text.push_str(std::str::from_utf8(valid).unwrap_or_default());
                text.push(char::REPLACEMENT_CHARACTER);
                match error.error_len() {
                    Some(len) => rest = &invalid[len..],
                    None => return text,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Bytes drawn from UTF-8's own pieces (lead bytes, continuation
        /// bytes, bytes that never occur) so that every kind of invalid
        /// and cut-short sequence comes up.
        #[test]
        fn lossy_text_is_what_from_utf8_lossy_makes(bytes in prop::collection::vec(
            prop::sample::select(vec![b'a', 0x80, 0x9f, 0xa0, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff]),
            0..24,
        )) {
            prop_assert_eq!(lossy_text(&bytes), String::from_utf8_lossy(&bytes));
        }

        #[test]
        fn lossy_text_keeps_valid_text(text in ".{0,16}") {
            prop_assert_eq!(lossy_text(text.as_bytes()), text);
        }
    }
}

//! URL-safe base64 with padding (RFC 4648 §5), the Pushgateway's `@base64`
//! form of a grouping-key value. Encoding only, which is all a push needs:
//! a few lines here instead of the `base64` crate's engines (2.9 KB of the
//! component); the crate stays as the oracle of its tests.

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// `bytes` as URL-safe base64, padded with `=` to a multiple of four.
pub fn encode(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let group = chunk.iter().enumerate().fold(0u32, |group, (i, &byte)| {
            group | u32::from(byte) << (16 - 8 * i)
        });
        for sextet in 0..4 {
            if sextet <= chunk.len() {
                let index = (group >> (18 - 6 * sextet)) & 0x3f;
                text.push(char::from(ALPHABET[index as usize]));
            } else {
                text.push('=');
            }
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use base64::engine::general_purpose::URL_SAFE;
    use base64::Engine as _;
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn rfc_4648_vectors() {
        for (input, expected) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(encode(input.as_bytes()), expected, "{input:?}");
        }
    }

    #[test]
    fn the_url_safe_letters_replace_plus_and_slash() {
        assert_eq!(encode(&[0xfb, 0xff]), "-_8=");
    }

    proptest! {
        #[test]
        fn any_bytes_encode_as_the_crate_encodes_them(
            bytes in proptest::collection::vec(any::<u8>(), 0..300),
        ) {
            prop_assert_eq!(encode(&bytes), URL_SAFE.encode(&bytes));
        }
    }
}

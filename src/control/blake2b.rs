//! BLAKE2b (RFC 7693), unkeyed, for the experiment reference. The `blake2`
//! crate unrolls its twelve rounds into 6 KB of code; this is the RFC's
//! loop, a sixth of that, and the crate stays as the oracle of its tests.
//! Not for secrets: the reference is a label, and timing does not matter.

/// The initialisation vector: SHA-512's.
const IV: [u64; 8] = [
    0x6a09e667f3bcc908,
    0xbb67ae8584caa73b,
    0x3c6ef372fe94f82b,
    0xa54ff53a5f1d36f1,
    0x510e527fade682d1,
    0x9b05688c2b3e6c1f,
    0x1f83d9abfb41bd6b,
    0x5be0cd19137e2179,
];

/// The message word schedule of each round; rounds 10 and 11 reuse 0 and 1.
const SIGMA: [[u8; 16]; 10] = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
    [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
    [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
    [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
    [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
    [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
    [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
    [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
    [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
    [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
];

/// The working-vector words each of a round's eight mixes takes: four
/// columns, then four diagonals.
const MIXES: [[usize; 4]; 8] = [
    [0, 4, 8, 12],
    [1, 5, 9, 13],
    [2, 6, 10, 14],
    [3, 7, 11, 15],
    [0, 5, 10, 15],
    [1, 6, 11, 12],
    [2, 7, 8, 13],
    [3, 4, 9, 14],
];

const BLOCK: usize = 128;

/// The `digest_len`-byte (1 to 64) BLAKE2b digest of `data`.
pub fn blake2b(digest_len: usize, data: &[u8]) -> Vec<u8> {
    assert!(
        (1..=64).contains(&digest_len),
        "BLAKE2b digests are 1 to 64 bytes"
    );
    let mut state = IV;
    state[0] ^= 0x0101_0000 ^ digest_len as u64;
    // Every block but the last is compressed as it is; the last (possibly
    // the only, empty one) is zero-padded and flagged final.
    let last_start = data.len().saturating_sub(1) / BLOCK * BLOCK;
    for (index, block) in data[..last_start].chunks(BLOCK).enumerate() {
        compress(&mut state, block, ((index + 1) * BLOCK) as u128, false);
    }
    let mut last = [0u8; BLOCK];
    last[..data.len() - last_start].copy_from_slice(&data[last_start..]);
    compress(&mut state, &last, data.len() as u128, true);
    state
        .iter()
        .flat_map(|word| word.to_le_bytes())
        .take(digest_len)
        .collect()
}

/// Mixes one 128-byte block into the state; `counted` is how many bytes of
/// the message the hash has taken in, this block included.
fn compress(state: &mut [u64; 8], block: &[u8], counted: u128, last: bool) {
    let mut words = [0u64; 16];
    for (word, bytes) in words.iter_mut().zip(block.chunks_exact(8)) {
        *word = u64::from_le_bytes(bytes.try_into().expect("eight bytes"));
    }
    let mut v = [0u64; 16];
    v[..8].copy_from_slice(state);
    v[8..].copy_from_slice(&IV);
    v[12] ^= counted as u64;
    v[13] ^= (counted >> 64) as u64;
    if last {
        v[14] = !v[14];
    }
    for round in 0..12 {
        let schedule = &SIGMA[round % 10];
        for (mix, &[a, b, c, d]) in MIXES.iter().enumerate() {
            let x = words[usize::from(schedule[2 * mix])];
            let y = words[usize::from(schedule[2 * mix + 1])];
            v[a] = v[a].wrapping_add(v[b]).wrapping_add(x);
            v[d] = (v[d] ^ v[a]).rotate_right(32);
            v[c] = v[c].wrapping_add(v[d]);
            v[b] = (v[b] ^ v[c]).rotate_right(24);
            v[a] = v[a].wrapping_add(v[b]).wrapping_add(y);
            v[d] = (v[d] ^ v[a]).rotate_right(16);
            v[c] = v[c].wrapping_add(v[d]);
            v[b] = (v[b] ^ v[c]).rotate_right(63);
        }
    }
    for (i, word) in state.iter_mut().enumerate() {
        *word ^= v[i] ^ v[i + 8];
    }
}

#[cfg(test)]
mod tests {
    use blake2::digest::{Update, VariableOutput};
    use blake2::Blake2bVar;
    use proptest::prelude::*;

    use super::*;

    fn oracle(digest_len: usize, data: &[u8]) -> Vec<u8> {
        let mut hasher = Blake2bVar::new(digest_len).unwrap();
        hasher.update(data);
        let mut digest = vec![0u8; digest_len];
        hasher.finalize_variable(&mut digest).unwrap();
        digest
    }

    #[test]
    fn rfc_7693_appendix_a() {
        let expected = "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d1\
                        7d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923";
        let digest: String = blake2b(64, b"abc")
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(digest, expected);
    }

    #[test]
    fn every_length_around_the_block_edges_matches_the_crate() {
        let data: Vec<u8> = (0..=u8::MAX).cycle().take(4 * BLOCK + 1).collect();
        for len in 0..data.len() {
            for digest_len in [1, 12, 32, 64] {
                assert_eq!(
                    blake2b(digest_len, &data[..len]),
                    oracle(digest_len, &data[..len]),
                    "{len} bytes, {digest_len}-byte digest"
                );
            }
        }
    }

    proptest! {
        #[test]
        fn any_message_and_digest_length_matches_the_crate(
            data in proptest::collection::vec(any::<u8>(), 0..1200),
            digest_len in 1usize..=64,
        ) {
            prop_assert_eq!(blake2b(digest_len, &data), oracle(digest_len, &data));
        }
    }
}

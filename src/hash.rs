//! A stable 64-bit hash (FNV-1a) for values that are stored or shared between processes, where
//! std's `DefaultHasher` may change between Rust releases.

/// FNV-1a 64 of `bytes`; `const` so it can derive compile-time keys.
pub const fn fnv1a_64(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i] as u64;
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        i += 1;
    }
    hash
}

#[cfg(test)]
mod tests {
    #[test]
    fn known_vectors() {
        // From the FNV reference test suite.
        assert_eq!(super::fnv1a_64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(super::fnv1a_64(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}

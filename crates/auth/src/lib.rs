//! API-key auth adapter: the format of CarbonPass keys, implemented as the domain's
//! [`ApiKeyCodec`] port.
//!
//! A key is `cp_live_` or `cp_test_`, then 32 random base62 characters (about 190 bits), then a
//! 6-character base62 CRC-32 of everything before it. The checksum lets a mistyped or truncated
//! key be refused without touching the database; the randomness makes keys unguessable. Only the
//! SHA-256 of the whole key is stored.

use carbonpass_domain::model::{GeneratedKey, KeyHash, KeyMode, PresentedKey};
use carbonpass_domain::ports::ApiKeyCodec;
use rand::RngExt;
use rand::distr::Alphanumeric;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

const RANDOM_LEN: usize = 32;
const CHECKSUM_LEN: usize = 6;
/// Characters of the random part kept for display, so owners can tell their keys apart.
const DISPLAY_RANDOM_LEN: usize = 6;
const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// The CarbonPass key format. Stateless.
#[derive(Debug, Clone, Copy, Default)]
pub struct CarbonPassKeys;

fn prefix(mode: KeyMode) -> &'static str {
    match mode {
        KeyMode::Live => "cp_live_",
        KeyMode::Test => "cp_test_",
    }
}

/// CRC-32 of `body` in exactly six base62 digits (62^6 > 2^32), most significant first.
fn checksum(body: &str) -> [u8; CHECKSUM_LEN] {
    let mut n = crc32fast::hash(body.as_bytes());
    let mut digits = [b'0'; CHECKSUM_LEN];
    for digit in digits.iter_mut().rev() {
        *digit = BASE62[(n % 62) as usize];
        n /= 62;
    }
    digits
}

fn hash(key: &str) -> KeyHash {
    KeyHash(hex::encode(Sha256::digest(key.as_bytes())))
}

impl ApiKeyCodec for CarbonPassKeys {
    fn generate(&self, mode: KeyMode) -> GeneratedKey {
        // ThreadRng is a CSPRNG seeded from the operating system.
        let random: String = rand::rng().sample_iter(&Alphanumeric).take(RANDOM_LEN).map(char::from).collect();
        let body = format!("{}{random}", prefix(mode));
        let check = checksum(&body);
        let mut plaintext = body;
        plaintext.extend(check.iter().map(|&b| char::from(b)));
        GeneratedKey {
            hash: hash(&plaintext),
            display_prefix: plaintext[..prefix(mode).len() + DISPLAY_RANDOM_LEN].to_owned(),
            plaintext,
        }
    }

    fn parse(&self, presented: &str) -> Option<PresentedKey> {
        let mode = [KeyMode::Live, KeyMode::Test].into_iter().find(|&m| presented.starts_with(prefix(m)))?;
        let rest = &presented[prefix(mode).len()..];
        if rest.len() != RANDOM_LEN + CHECKSUM_LEN || !rest.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return None;
        }
        let (body, check) = presented.split_at(presented.len() - CHECKSUM_LEN);
        if checksum(body) != check.as_bytes() {
            return None;
        }
        Some(PresentedKey { mode, hash: hash(presented) })
    }

    fn same_hash(&self, a: &KeyHash, b: &KeyHash) -> bool {
        a.0.as_bytes().ct_eq(b.0.as_bytes()).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn generated_keys_have_the_documented_shape() {
        for mode in [KeyMode::Live, KeyMode::Test] {
            let key = CarbonPassKeys.generate(mode);
            assert!(key.plaintext.starts_with(prefix(mode)));
            let after_prefix = &key.plaintext[prefix(mode).len()..];
            assert_eq!(after_prefix.len(), 38);
            assert!(after_prefix.bytes().all(|b| b.is_ascii_alphanumeric()));
            assert!(key.plaintext.starts_with(&key.display_prefix));
            assert_eq!(key.display_prefix.len(), 14);
        }
    }

    #[test]
    fn a_generated_key_parses_back_to_its_mode_and_hash() {
        let key = CarbonPassKeys.generate(KeyMode::Test);
        let parsed = CarbonPassKeys.parse(&key.plaintext).expect("valid");
        assert_eq!(parsed.mode, KeyMode::Test);
        assert!(CarbonPassKeys.same_hash(&parsed.hash, &key.hash));
    }

    #[test]
    fn the_hash_is_sha256_hex_of_the_whole_key() {
        // SHA-256("abc"), from FIPS 180-2.
        assert_eq!(hash("abc").0, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn two_keys_never_repeat() {
        let a = CarbonPassKeys.generate(KeyMode::Live);
        let b = CarbonPassKeys.generate(KeyMode::Live);
        assert_ne!(a.plaintext, b.plaintext);
        assert!(!CarbonPassKeys.same_hash(&a.hash, &b.hash));
    }

    #[test]
    fn malformed_keys_are_refused() {
        let good = CarbonPassKeys.generate(KeyMode::Live).plaintext;
        let cases = [
            String::new(),
            "cp_live_".into(),
            "cp_prod_".to_string() + &good[8..],
            good[..good.len() - 1].to_string(),
            format!("{good}x"),
            good.replace("cp_live_", "CP_LIVE_"),
            format!(" {good}"),
        ];
        for case in cases {
            assert!(CarbonPassKeys.parse(&case).is_none(), "{case:?} accepted");
        }
    }

    proptest! {
        #[test]
        fn any_single_character_change_is_caught(pos in 8usize..46, replacement in "[A-Za-z0-9]") {
            let key = CarbonPassKeys.generate(KeyMode::Live).plaintext;
            let mut bytes = key.clone().into_bytes();
            bytes[pos] = replacement.as_bytes()[0];
            let altered = String::from_utf8(bytes).expect("ascii");
            prop_assume!(altered != key);
            prop_assert!(CarbonPassKeys.parse(&altered).is_none());
        }

        #[test]
        fn arbitrary_text_never_panics(text in "\\PC*") {
            let _ = CarbonPassKeys.parse(&text);
        }
    }
}

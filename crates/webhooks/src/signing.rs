//! Webhook secrets and the two signatures every delivery carries:
//! - `X-CarbonPass-Signature`, the seed's contract: lowercase hex HMAC-SHA256 of the exact body
//!   bytes, keyed with the whole secret string as shown to the user (`whsec_…`);
//! - the Standard Webhooks headers `webhook-id`, `webhook-timestamp` and `webhook-signature`
//!   (`v1,<base64>` of HMAC-SHA256 over `{id}.{timestamp}.{body}`, keyed with the base64-decoded
//!   part of the secret), so that that ecosystem's published verifiers accept our deliveries.
//!
//! Only the second covers the attempt's time: the first is the same on every attempt, so it
//! cannot tell a replay from a retry (the receivers' guide says so).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use rand::Rng;
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// What every secret starts with, as Standard Webhooks has it.
pub const SECRET_PREFIX: &str = "whsec_";

/// Random bytes in a secret.
const SECRET_BYTES: usize = 32;

/// A new secret: `whsec_` and the base64 of 32 bytes from rand's thread generator (a CSPRNG
/// seeded from the operating system), as API keys are made.
pub fn mint_secret() -> String {
    let mut bytes = [0_u8; SECRET_BYTES];
    rand::rng().fill_bytes(&mut bytes);
    format!("{SECRET_PREFIX}{}", STANDARD.encode(bytes))
}

/// The key Standard Webhooks signs with: the base64-decoded part after `whsec_`. `None` for a
/// string that is not one of our secrets.
pub fn standard_key(secret: &str) -> Option<Vec<u8>> {
    STANDARD.decode(secret.strip_prefix(SECRET_PREFIX)?).ok()
}

fn mac(key: &[u8]) -> HmacSha256 {
    // HMAC takes a key of any length; `new_from_slice` cannot fail for it.
    <HmacSha256 as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!("HMAC accepts any key length"))
}

/// `X-CarbonPass-Signature`: lowercase hex HMAC-SHA256 of `body`, keyed with the secret string.
pub fn carbonpass_signature(secret: &str, body: &[u8]) -> String {
    let mut mac = mac(secret.as_bytes());
    mac.update(body);
    hex(&mac.finalize().into_bytes())
}

/// One `webhook-signature` entry: `v1,` and the base64 HMAC-SHA256 of `{id}.{timestamp}.{body}`.
pub fn standard_signature(key: &[u8], id: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac = mac(key);
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

/// The signature headers of one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signatures {
    /// `X-CarbonPass-Signature`, with the newest secret.
    pub carbonpass: String,
    /// `webhook-id`: the event's id, the same on every attempt.
    pub id: String,
    /// `webhook-timestamp`: the attempt's Unix seconds.
    pub timestamp: i64,
    /// `webhook-signature`: one `v1,…` per live secret, newest first, separated by spaces.
    pub standard: String,
}

/// Signs `body` for the attempt at `timestamp` of event `id`, with every live secret (newest
/// first; during a rotation the old one signs too). `None` when there is no usable secret.
pub fn sign(secrets: &[&str], id: &str, timestamp: i64, body: &[u8]) -> Option<Signatures> {
    let newest = secrets.first()?;
    let standard: Vec<String> = secrets
        .iter()
        .filter_map(|secret| standard_key(secret))
        .map(|key| standard_signature(&key, id, timestamp, body))
        .collect();
    if standard.is_empty() {
        return None;
    }
    Some(Signatures {
        carbonpass: carbonpass_signature(newest, body),
        id: id.to_owned(),
        timestamp,
        standard: standard.join(" "),
    })
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// The Standard Webhooks specification's own example.
    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const TIMESTAMP: i64 = 1_614_265_330;
    const BODY: &[u8] = br#"{"test": 2432232314}"#;

    #[test]
    fn the_standard_webhooks_example_signs_as_its_specification_says() {
        let key = standard_key(SECRET).expect("a secret");
        assert_eq!(standard_signature(&key, ID, TIMESTAMP, BODY), "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn the_seeds_signature_is_hex_hmac_keyed_with_the_whole_secret_string() {
        // Computed independently: python3 -c "import hmac, hashlib; print(hmac.new(
        //   b'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', b'{\"test\": 2432232314}', hashlib.sha256).hexdigest())"
        assert_eq!(
            carbonpass_signature(SECRET, BODY),
            "80ec8a89ce3cd22133a1066caecb4d04fea7467657c8514d717ec42c38a5c94c"
        );
    }

    #[test]
    fn a_rotation_signs_with_both_secrets_and_the_seed_header_with_the_newest() {
        let newer = mint_secret();
        let signed = sign(&[&newer, SECRET], ID, TIMESTAMP, BODY).expect("signed");
        let entries: Vec<&str> = signed.standard.split(' ').collect();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[1], "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
        assert_eq!(signed.carbonpass, carbonpass_signature(&newer, BODY));
        assert_eq!(sign(&[], ID, TIMESTAMP, BODY), None);
    }

    #[test]
    fn minted_secrets_are_32_random_bytes_in_base64() {
        let (a, b) = (mint_secret(), mint_secret());
        assert_ne!(a, b);
        assert!(a.starts_with(SECRET_PREFIX));
        assert_eq!(standard_key(&a).map(|k| k.len()), Some(32));
        assert_eq!(standard_key("sk_nope"), None);
    }

    proptest! {
        /// One flipped bit anywhere in the body changes both signatures.
        #[test]
        fn any_flipped_bit_fails_both_signatures(body in proptest::collection::vec(any::<u8>(), 1..256), at in any::<usize>(), bit in 0u8..8) {
            let signed = sign(&[SECRET], ID, TIMESTAMP, &body).expect("signed");
            let mut tampered = body.clone();
            let i = at % tampered.len();
            tampered[i] ^= 1 << bit;
            let again = sign(&[SECRET], ID, TIMESTAMP, &tampered).expect("signed");
            prop_assert_ne!(signed.carbonpass, again.carbonpass);
            prop_assert_ne!(signed.standard, again.standard);
        }
    }
}

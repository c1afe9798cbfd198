//! Is this webhook from HighLevel? Two signature headers exist (reference §5.5): `X-GHL-Signature`,
//! Ed25519 over the body (current), and the legacy `X-WH-Signature`, RSA PKCS#1 v1.5 with SHA-256.
//! When the Ed25519 header is present it decides alone — an attacker must not be able to pick
//! the weaker check by sending both. Signatures are base64.
//!
//! HighLevel's SDK signs `JSON.stringify(body)`; whether that equals the bytes on the wire is not
//! documented, so the raw body is tried first and then the same JSON without insignificant
//! whitespace (what `JSON.stringify` of the parsed body gives, key order kept).

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{DateTime, Utc};
// One trait (from `pkcs8`) reads both kinds of PEM key.
use ed25519_dalek::pkcs8::DecodePublicKey as _;
use rsa::pkcs1v15::{Signature as RsaSignature, VerifyingKey as RsaVerifyingKey};
use rsa::signature::Verifier;
use sha2::Sha256;

/// HighLevel's published Ed25519 key for `X-GHL-Signature` (overridable by configuration).
pub const PUBLISHED_ED25519_KEY: &str = "-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEAi2HR1srL4o18O8BRa7gVJY7G7bupbN3H9AwJrHCDiOg=
-----END PUBLIC KEY-----
";

/// HighLevel's published RSA-4096 key for the legacy `X-WH-Signature` (overridable).
pub const PUBLISHED_RSA_KEY: &str = "-----BEGIN PUBLIC KEY-----
MIICIjANBgkqhkiG9w0BAQEFAAOCAg8AMIICCgKCAgEAokvo/r9tVgcfZ5DysOSC
Frm602qYV0MaAiNnX9O8KxMbiyRKWeL9JpCpVpt4XHIcBOK4u3cLSqJGOLaPuXw6
dO0t6Q/ZVdAV5Phz+ZtzPL16iCGeK9po6D6JHBpbi989mmzMryUnQJezlYJ3DVfB
csedpinheNnyYeFXolrJvcsjDtfAeRx5ByHQmTnSdFUzuAnC9/GepgLT9SM4nCpv
uxmZMxrJt5Rw+VUaQ9B8JSvbMPpez4peKaJPZHBbU3OdeCVx5klVXXZQGNHOs8gF
3kvoV5rTnXV0IknLBXlcKKAQLZcY/Q9rG6Ifi9c+5vqlvHPCUJFT5XUGG5RKgOKU
J062fRtN+rLYZUV+BjafxQauvC8wSWeYja63VSUruvmNj8xkx2zE/Juc+yjLjTXp
IocmaiFeAO6fUtNjDeFVkhf5LNb59vECyrHD2SQIrhgXpO4Q3dVNA5rw576PwTzN
h/AMfHKIjE4xQA1SZuYJmNnmVZLIZBlQAF9Ntd03rfadZ+yDiOXCCs9FkHibELhC
HULgCsnuDJHcrGNd5/Ddm5hxGQ0ASitgHeMZ0kcIOwKDOzOU53lDza6/Y09T7sYJ
PQe7z0cvj7aE4B+Ax1ZoZGPzpJlZtGXCsu9aTEGEnKzmsFqwcSsnw3JB31IGKAyk
T1hhTiaCeIY/OwwwNUY2yvcCAwEAAQ==
-----END PUBLIC KEY-----
";

/// How far a webhook's `timestamp` may be from now, either way (reference §5.6).
pub const MAX_SKEW: chrono::TimeDelta = chrono::TimeDelta::minutes(5);

/// The signature headers of one request, as received.
#[derive(Clone, Copy, Debug, Default)]
pub struct SignatureHeaders<'a> {
    /// `X-GHL-Signature`.
    pub ed25519: Option<&'a str>,
    /// `X-WH-Signature`.
    pub rsa: Option<&'a str>,
}

/// Which check accepted a webhook.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    Ed25519,
    RsaSha256,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the request has neither an X-GHL-Signature nor an X-WH-Signature header")]
    Missing,
    #[error("the {0:?} signature is not valid base64 of the right length")]
    Malformed(Scheme),
    #[error("the {0:?} signature does not match the body")]
    Mismatch(Scheme),
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("the Ed25519 webhook key is not a PEM public key: {0}")]
    Ed25519(String),
    #[error("the RSA webhook key is not a PEM public key: {0}")]
    Rsa(String),
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum AgeError {
    #[error("the webhook's timestamp “{0}” is not an RFC 3339 time")]
    Unreadable(String),
    #[error("the webhook's timestamp is {0} seconds away from now; at most 300 are accepted")]
    OutOfWindow(i64),
}

/// The public keys webhooks are checked with.
#[derive(Clone, Debug)]
pub struct WebhookKeys {
    ed25519: ed25519_dalek::VerifyingKey,
    rsa: RsaVerifyingKey<Sha256>,
}

impl WebhookKeys {
    pub fn from_pem(ed25519_pem: &str, rsa_pem: &str) -> Result<Self, KeyError> {
        let ed25519 = ed25519_dalek::VerifyingKey::from_public_key_pem(ed25519_pem)
            .map_err(|e| KeyError::Ed25519(e.to_string()))?;
        let rsa = rsa::RsaPublicKey::from_public_key_pem(rsa_pem).map_err(|e| KeyError::Rsa(e.to_string()))?;
        Ok(Self { ed25519, rsa: RsaVerifyingKey::new(rsa) })
    }

    /// HighLevel's published keys.
    pub fn published() -> Result<Self, KeyError> {
        Self::from_pem(PUBLISHED_ED25519_KEY, PUBLISHED_RSA_KEY)
    }

    /// Checks the body against its signature headers; Ed25519 when that header is present,
    /// otherwise the legacy RSA one.
    pub fn verify(&self, headers: SignatureHeaders<'_>, body: &[u8]) -> Result<Scheme, SignatureError> {
        let (scheme, encoded) = match headers {
            SignatureHeaders { ed25519: Some(signature), .. } => (Scheme::Ed25519, signature),
            SignatureHeaders { rsa: Some(signature), .. } => (Scheme::RsaSha256, signature),
            SignatureHeaders { ed25519: None, rsa: None } => return Err(SignatureError::Missing),
        };
        let raw = BASE64.decode(encoded.trim()).map_err(|_| SignatureError::Malformed(scheme))?;
        let signature = match scheme {
            Scheme::Ed25519 => ed25519_dalek::Signature::from_slice(&raw).map(Parsed::Ed25519).ok(),
            Scheme::RsaSha256 => RsaSignature::try_from(raw.as_slice()).map(Parsed::Rsa).ok(),
        }
        .ok_or(SignatureError::Malformed(scheme))?;
        if self.signed(&signature, body) || compact_json(body).is_some_and(|compact| self.signed(&signature, &compact))
        {
            Ok(scheme)
        } else {
            Err(SignatureError::Mismatch(scheme))
        }
    }

    fn signed(&self, signature: &Parsed, bytes: &[u8]) -> bool {
        match signature {
            Parsed::Ed25519(signature) => self.ed25519.verify_strict(bytes, signature).is_ok(),
            Parsed::Rsa(signature) => self.rsa.verify(bytes, signature).is_ok(),
        }
    }
}

/// A signature decoded for its scheme.
enum Parsed {
    Ed25519(ed25519_dalek::Signature),
    Rsa(RsaSignature),
}

/// The JSON text without whitespace outside strings, or `None` when there was none to remove.
fn compact_json(body: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(body.len());
    let (mut in_string, mut escaped) = (false, false);
    for &byte in body {
        if in_string {
            out.push(byte);
            match (escaped, byte) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
        } else if !matches!(byte, b' ' | b'\n' | b'\r' | b'\t') {
            in_string = byte == b'"';
            out.push(byte);
        }
    }
    (out.len() != body.len()).then_some(out)
}

/// Refuses a webhook whose `timestamp` is more than five minutes from `now`: a captured request
/// replayed later is refused even before its `webhookId` is looked up.
pub fn check_age(timestamp: &str, now: DateTime<Utc>) -> Result<(), AgeError> {
    let sent = DateTime::parse_from_rfc3339(timestamp).map_err(|_| AgeError::Unreadable(timestamp.to_owned()))?;
    let skew = now.signed_duration_since(sent);
    if skew.abs() > MAX_SKEW { Err(AgeError::OutOfWindow(skew.num_seconds())) } else { Ok(()) }
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used, clippy::expect_used, reason = "a test stops at the first surprise")]

    use super::*;
    // One trait (from `signature`) signs with both kinds of key.
    use ed25519_dalek::Signer as _;
    use rsa::pkcs8::{EncodePublicKey, LineEnding};
    use rsa::signature::SignatureEncoding;

    /// A key pair of each kind, and keys from them as configuration would give them.
    struct Keys {
        ed25519: ed25519_dalek::SigningKey,
        rsa: rsa::pkcs1v15::SigningKey<Sha256>,
        public: WebhookKeys,
    }

    fn keys(seed: u8) -> Keys {
        let ed25519 = ed25519_dalek::SigningKey::from_bytes(&[seed; 32]);
        let private = rsa::RsaPrivateKey::new(&mut rand::thread_rng(), 2048).expect("an RSA key");
        let ed_pem = ed25519.verifying_key().to_public_key_pem(LineEnding::LF).unwrap();
        let rsa_pem = private.to_public_key().to_public_key_pem(LineEnding::LF).unwrap();
        Keys {
            ed25519,
            rsa: rsa::pkcs1v15::SigningKey::new(private),
            public: WebhookKeys::from_pem(&ed_pem, &rsa_pem).unwrap(),
        }
    }

    fn ed_sign(keys: &Keys, body: &[u8]) -> String {
        BASE64.encode(keys.ed25519.sign(body).to_bytes())
    }

    fn rsa_sign(keys: &Keys, body: &[u8]) -> String {
        BASE64.encode(keys.rsa.sign(body).to_bytes())
    }

    const BODY: &[u8] = br#"{"type":"OpportunityStageUpdate","locationId":"loc1","webhookId":"w1"}"#;

    #[test]
    fn the_published_keys_load() {
        WebhookKeys::published().expect("the published keys are valid PEM");
    }

    #[test]
    fn valid_signatures_of_either_kind_are_accepted() {
        let k = keys(1);
        let ed = SignatureHeaders { ed25519: Some(&ed_sign(&k, BODY)), rsa: None };
        assert_eq!(k.public.verify(ed, BODY), Ok(Scheme::Ed25519));
        let legacy = rsa_sign(&k, BODY);
        assert_eq!(
            k.public.verify(SignatureHeaders { ed25519: None, rsa: Some(&legacy) }, BODY),
            Ok(Scheme::RsaSha256)
        );
    }

    #[test]
    fn a_tampered_body_or_another_key_is_refused() {
        let (k, other) = (keys(1), keys(2));
        let tampered = br#"{"type":"OpportunityStageUpdate","locationId":"loc2","webhookId":"w1"}"#;
        let ed = ed_sign(&k, BODY);
        let headers = SignatureHeaders { ed25519: Some(&ed), rsa: None };
        assert_eq!(k.public.verify(headers, tampered), Err(SignatureError::Mismatch(Scheme::Ed25519)));
        assert_eq!(other.public.verify(headers, BODY), Err(SignatureError::Mismatch(Scheme::Ed25519)));
        let legacy = rsa_sign(&k, BODY);
        let headers = SignatureHeaders { ed25519: None, rsa: Some(&legacy) };
        assert_eq!(k.public.verify(headers, tampered), Err(SignatureError::Mismatch(Scheme::RsaSha256)));
        assert_eq!(other.public.verify(headers, BODY), Err(SignatureError::Mismatch(Scheme::RsaSha256)));
    }

    #[test]
    fn a_present_ed25519_header_decides_alone() {
        // A valid legacy signature does not rescue a bad Ed25519 one.
        let k = keys(1);
        let legacy = rsa_sign(&k, BODY);
        let bad = ed_sign(&keys(3), BODY);
        let headers = SignatureHeaders { ed25519: Some(&bad), rsa: Some(&legacy) };
        assert_eq!(k.public.verify(headers, BODY), Err(SignatureError::Mismatch(Scheme::Ed25519)));
    }

    #[test]
    fn missing_and_malformed_signatures_say_which() {
        let k = keys(1);
        assert_eq!(k.public.verify(SignatureHeaders::default(), BODY), Err(SignatureError::Missing));
        let headers = SignatureHeaders { ed25519: Some("not base64!"), rsa: None };
        assert_eq!(k.public.verify(headers, BODY), Err(SignatureError::Malformed(Scheme::Ed25519)));
        let short = BASE64.encode([0u8; 10]);
        let headers = SignatureHeaders { ed25519: Some(&short), rsa: None };
        assert_eq!(k.public.verify(headers, BODY), Err(SignatureError::Malformed(Scheme::Ed25519)));
    }

    #[test]
    fn a_body_signed_compact_but_sent_pretty_is_accepted() {
        let k = keys(1);
        let pretty =
            b"{\n  \"type\": \"OpportunityStageUpdate\",\n  \"locationId\": \"loc1\",\n  \"webhookId\": \"w1\"\n}";
        let ed = ed_sign(&k, BODY);
        assert_eq!(k.public.verify(SignatureHeaders { ed25519: Some(&ed), rsa: None }, pretty), Ok(Scheme::Ed25519));
        // Whitespace inside strings is content, not formatting.
        assert_eq!(compact_json(br#"{"a": "x y", "b": "\" z"}"#).unwrap(), br#"{"a":"x y","b":"\" z"}"#);
    }

    #[test]
    fn old_and_future_timestamps_are_refused() {
        let now = DateTime::parse_from_rfc3339("2025-01-28T14:35:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(check_age("2025-01-28T14:31:00Z", now), Ok(()));
        assert_eq!(check_age("2025-01-28T14:39:30+00:00", now), Ok(()));
        assert_eq!(check_age("2025-01-28T14:29:59Z", now), Err(AgeError::OutOfWindow(301)));
        assert_eq!(check_age("2025-01-28T14:41:00Z", now), Err(AgeError::OutOfWindow(-360)));
        assert_eq!(check_age("yesterday", now), Err(AgeError::Unreadable("yesterday".into())));
    }
}

//! Tokens and client secrets at rest: sealed with AES-256-GCM under a key the operator gives
//! (`OPSFLOW_SECRET_KEY`, or a key file), so a copy of the database alone reveals none of them.
//! A sealed value is `v1:` + base64(nonce ‖ ciphertext ‖ tag), with a fresh random nonce each
//! time; the version prefix leaves room to rotate the scheme.
//!
//! Neither the key nor an opened secret has a `Debug` that shows it, so neither can reach a log
//! through `{:?}`.

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use std::fmt;

const PREFIX: &str = "v1:";
const NONCE_LEN: usize = 12;

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    #[error("the secret key must be 32 bytes, base64-encoded (e.g. `openssl rand -base64 32`); {0}")]
    BadKey(&'static str),
    #[error("the secret could not be sealed")]
    Seal,
    #[error("a stored secret is not in the sealed format")]
    Unreadable,
    #[error("a stored secret does not open with this key (another key, or altered data)")]
    Rejected,
}

/// The key secrets are sealed with.
#[derive(Clone)]
pub struct SecretBox {
    cipher: Aes256Gcm,
}

impl fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretBox(..)")
    }
}

impl SecretBox {
    /// Reads a base64 key of 32 bytes, as the environment variable or key file holds it.
    pub fn from_base64(encoded: &str) -> Result<Self, SecretError> {
        let key = BASE64.decode(encoded.trim()).map_err(|_| SecretError::BadKey("this is not base64"))?;
        let cipher = Aes256Gcm::new_from_slice(&key).map_err(|_| SecretError::BadKey("this is not 32 bytes"))?;
        Ok(Self { cipher })
    }

    pub fn seal(&self, plain: &str) -> Result<String, SecretError> {
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let sealed = self.cipher.encrypt(&nonce, plain.as_bytes()).map_err(|_| SecretError::Seal)?;
        Ok(format!("{PREFIX}{}", BASE64.encode([nonce.as_slice(), &sealed].concat())))
    }

    pub fn open(&self, sealed: &str) -> Result<Opened, SecretError> {
        let encoded = sealed.strip_prefix(PREFIX).ok_or(SecretError::Unreadable)?;
        let raw = BASE64.decode(encoded).map_err(|_| SecretError::Unreadable)?;
        if raw.len() <= NONCE_LEN {
            return Err(SecretError::Unreadable);
        }
        let (nonce, ciphertext) = raw.split_at(NONCE_LEN);
        let plain = self.cipher.decrypt(Nonce::from_slice(nonce), ciphertext).map_err(|_| SecretError::Rejected)?;
        String::from_utf8(plain).map(Opened).map_err(|_| SecretError::Rejected)
    }
}

/// An opened secret: read it with [`Opened::expose`], where it is sent; it never prints.
#[derive(Clone, PartialEq, Eq)]
pub struct Opened(String);

impl From<String> for Opened {
    fn from(secret: String) -> Self {
        Self(secret)
    }
}

impl Opened {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Opened {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Opened(..)")
    }
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used, reason = "a test stops at the first surprise")]

    use super::*;

    fn key(byte: u8) -> SecretBox {
        SecretBox::from_base64(&BASE64.encode([byte; 32])).unwrap()
    }

    #[test]
    fn a_sealed_secret_opens_with_its_key_only() {
        let token = "eyJhbGciOiJSUzI1NiJ9.refresh-token";
        let sealed = key(1).seal(token).unwrap();
        assert!(sealed.starts_with("v1:") && !sealed.contains("refresh-token"), "{sealed}");
        assert_eq!(key(1).open(&sealed).unwrap().expose(), token);
        assert_eq!(key(2).open(&sealed), Err(SecretError::Rejected));
    }

    #[test]
    fn sealing_twice_gives_different_text() {
        // A fresh nonce each time: equal tokens are not visible as equal in the database.
        assert_ne!(key(1).seal("same").unwrap(), key(1).seal("same").unwrap());
    }

    #[test]
    fn altered_or_foreign_text_is_refused() {
        let sealed = key(1).seal("secret").unwrap();
        let mut raw = BASE64.decode(&sealed[3..]).unwrap();
        for at in 0..raw.len() {
            raw[at] ^= 0x20;
            assert_eq!(key(1).open(&format!("v1:{}", BASE64.encode(&raw))), Err(SecretError::Rejected), "byte {at}");
            raw[at] ^= 0x20;
        }
        assert_eq!(key(1).open("secret"), Err(SecretError::Unreadable));
        assert_eq!(key(1).open("v1:!!"), Err(SecretError::Unreadable));
        assert_eq!(key(1).open("v1:AAAA"), Err(SecretError::Unreadable));
    }

    #[test]
    fn bad_keys_say_what_is_wrong_and_nothing_prints() {
        assert_eq!(SecretBox::from_base64("not base64!").unwrap_err(), SecretError::BadKey("this is not base64"));
        let short = BASE64.encode([0u8; 16]);
        assert_eq!(SecretBox::from_base64(&short).unwrap_err(), SecretError::BadKey("this is not 32 bytes"));
        let opened = key(1).open(&key(1).seal("hunter2").unwrap()).unwrap();
        assert_eq!(format!("{:?} {:?}", key(1), opened), "SecretBox(..) Opened(..)");
    }
}

//! Tokens and client secrets at rest: sealed with AES-256-GCM under a key the operator gives
//! (`OPSFLOW_SECRET_KEY`, or a key file), so a copy of the database alone reveals none of them.
//! A sealed value is `v2:` + base64(nonce ‖ ciphertext ‖ tag), with a fresh random nonce each
//! time, bound to what it is and whose ([`Binding`], AES-GCM's associated data): a value copied
//! into another row — another sub-account's settings, a token's place — does not open there.
//! Values sealed before bindings (`v1:`) are sealed again, bound, when the server starts
//! (`db::sealed::bind_sealed_secrets`); unbound, they no longer open.
//!
//! Neither the key nor an opened secret has a `Debug` that shows it, so neither can reach a log
//! through `{:?}`.

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use std::fmt;

const PREFIX: &str = "v2:";
/// Sealed before bindings: opened only to be sealed again, bound.
const UNBOUND_PREFIX: &str = "v1:";
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
    #[error(
        "a stored secret was sealed before secrets were bound to their owner; the server seals it again when it starts"
    )]
    Unbound,
}

/// What a sealed value is and whose: sealed into it, it must be named again to open it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Binding<'a> {
    purpose: &'static str,
    owner: &'a str,
}

impl Binding<'_> {
    pub fn agency_access_token(company_id: &str) -> Binding<'_> {
        Binding { purpose: "hl-company-access", owner: company_id }
    }

    pub fn agency_refresh_token(company_id: &str) -> Binding<'_> {
        Binding { purpose: "hl-company-refresh", owner: company_id }
    }

    pub fn location_access_token(location_id: &str) -> Binding<'_> {
        Binding { purpose: "hl-location-access", owner: location_id }
    }

    pub fn smtp_password(sub_account: &str) -> Binding<'_> {
        Binding { purpose: "smtp-password", owner: sub_account }
    }

    pub fn twilio_token(sub_account: &str) -> Binding<'_> {
        Binding { purpose: "twilio-token", owner: sub_account }
    }

    /// The associated data: purpose and owner, with a separator neither contains.
    fn aad(&self) -> Vec<u8> {
        [self.purpose.as_bytes(), b"\0", self.owner.as_bytes()].concat()
    }
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

    pub fn seal(&self, binding: Binding<'_>, plain: &str) -> Result<String, SecretError> {
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let aad = binding.aad();
        let sealed =
            self.cipher.encrypt(&nonce, Payload { msg: plain.as_bytes(), aad: &aad }).map_err(|_| SecretError::Seal)?;
        Ok(format!("{PREFIX}{}", BASE64.encode([nonce.as_slice(), &sealed].concat())))
    }

    pub fn open(&self, binding: Binding<'_>, sealed: &str) -> Result<Opened, SecretError> {
        if sealed.starts_with(UNBOUND_PREFIX) {
            return Err(SecretError::Unbound);
        }
        let encoded = sealed.strip_prefix(PREFIX).ok_or(SecretError::Unreadable)?;
        self.decrypt(encoded, &binding.aad())
    }

    /// A value sealed before bindings, sealed again bound to `binding`; `None` when it is not
    /// one (already bound).
    pub fn bind(&self, binding: Binding<'_>, sealed: &str) -> Result<Option<String>, SecretError> {
        let Some(encoded) = sealed.strip_prefix(UNBOUND_PREFIX) else { return Ok(None) };
        let opened = self.decrypt(encoded, &[])?;
        self.seal(binding, opened.expose()).map(Some)
    }

    fn decrypt(&self, encoded: &str, aad: &[u8]) -> Result<Opened, SecretError> {
        let raw = BASE64.decode(encoded).map_err(|_| SecretError::Unreadable)?;
        if raw.len() <= NONCE_LEN {
            return Err(SecretError::Unreadable);
        }
        let (nonce, msg) = raw.split_at(NONCE_LEN);
        let plain =
            self.cipher.decrypt(Nonce::from_slice(nonce), Payload { msg, aad }).map_err(|_| SecretError::Rejected)?;
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

    const MINE: Binding<'static> = Binding { purpose: "smtp-password", owner: "sub-a" };

    #[test]
    fn a_sealed_secret_opens_with_its_key_only() {
        let token = "eyJhbGciOiJSUzI1NiJ9.refresh-token";
        let sealed = key(1).seal(MINE, token).unwrap();
        assert!(sealed.starts_with("v2:") && !sealed.contains("refresh-token"), "{sealed}");
        assert_eq!(key(1).open(MINE, &sealed).unwrap().expose(), token);
        assert_eq!(key(2).open(MINE, &sealed), Err(SecretError::Rejected));
    }

    #[test]
    fn a_sealed_secret_opens_only_for_what_and_whom_it_was_sealed() {
        let sealed = key(1).seal(Binding::smtp_password("sub-a"), "hunter2").unwrap();
        for other in [
            Binding::smtp_password("sub-b"),
            Binding::twilio_token("sub-a"),
            Binding::location_access_token("sub-a"),
            // The separator keeps purpose and owner apart.
            Binding { purpose: "smtp-passwordsub", owner: "-a" },
        ] {
            assert_eq!(key(1).open(other, &sealed), Err(SecretError::Rejected), "{other:?}");
        }
    }

    #[test]
    fn a_value_sealed_before_bindings_is_sealed_again_bound_and_never_opens_unbound() {
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let cipher = key(1).cipher;
        let old = cipher.encrypt(&nonce, b"hunter2".as_slice()).unwrap();
        let unbound = format!("v1:{}", BASE64.encode([nonce.as_slice(), &old].concat()));
        assert_eq!(key(1).open(MINE, &unbound), Err(SecretError::Unbound));
        let bound = key(1).bind(MINE, &unbound).unwrap().unwrap();
        assert_eq!(key(1).open(MINE, &bound).unwrap().expose(), "hunter2");
        assert_eq!(key(1).bind(MINE, &bound).unwrap(), None, "bound already");
        assert_eq!(key(2).bind(MINE, &unbound), Err(SecretError::Rejected));
    }

    #[test]
    fn sealing_twice_gives_different_text() {
        // A fresh nonce each time: equal tokens are not visible as equal in the database.
        assert_ne!(key(1).seal(MINE, "same").unwrap(), key(1).seal(MINE, "same").unwrap());
    }

    #[test]
    fn altered_or_foreign_text_is_refused() {
        let sealed = key(1).seal(MINE, "secret").unwrap();
        let mut raw = BASE64.decode(&sealed[3..]).unwrap();
        for at in 0..raw.len() {
            raw[at] ^= 0x20;
            let altered = format!("v2:{}", BASE64.encode(&raw));
            assert_eq!(key(1).open(MINE, &altered), Err(SecretError::Rejected), "byte {at}");
            raw[at] ^= 0x20;
        }
        assert_eq!(key(1).open(MINE, "secret"), Err(SecretError::Unreadable));
        assert_eq!(key(1).open(MINE, "v2:!!"), Err(SecretError::Unreadable));
        assert_eq!(key(1).open(MINE, "v2:AAAA"), Err(SecretError::Unreadable));
    }

    #[test]
    fn bad_keys_say_what_is_wrong_and_nothing_prints() {
        assert_eq!(SecretBox::from_base64("not base64!").unwrap_err(), SecretError::BadKey("this is not base64"));
        let short = BASE64.encode([0u8; 16]);
        assert_eq!(SecretBox::from_base64(&short).unwrap_err(), SecretError::BadKey("this is not 32 bytes"));
        let opened = key(1).open(MINE, &key(1).seal(MINE, "hunter2").unwrap()).unwrap();
        assert_eq!(format!("{:?} {:?}", key(1), opened), "SecretBox(..) Opened(..)");
    }
}

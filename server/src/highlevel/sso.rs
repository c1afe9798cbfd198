//! Who is looking at OpsFlow inside HighLevel. A custom page asks its parent window for
//! `REQUEST_USER_DATA` and receives the user's context encrypted with the app's shared secret
//! (reference §6.2–6.3): CryptoJS's passphrase mode, i.e. OpenSSL's format — base64 of
//! `Salted__`, an 8-byte salt and the AES-256-CBC ciphertext, with key and IV derived from the
//! passphrase and salt by EVP_BytesToKey (MD5, one round).
//!
//! CBC without a MAC cannot tell a wrong secret from a tampered payload, and either may even
//! decrypt to bytes with valid padding; the payload is accepted only when it then reads as the
//! user data HighLevel sends.

use aes::Aes256;
use app::model::SubAccountId;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockDecryptMut, KeyIvInit};
use md5::{Digest, Md5};
use serde::Deserialize;

const MAGIC: &[u8] = b"Salted__";
const SALT_LEN: usize = 8;
const BLOCK: usize = 16;

/// The user's context, as decrypted.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SsoUser {
    pub user_id: String,
    /// The agency.
    pub company_id: String,
    pub role: SsoRole,
    pub user_name: String,
    pub email: String,
    /// The sub-account the user has open; absent in the agency view. This, not `type`, tells the
    /// two apart: HighLevel's own location example says `"type": "agency"`.
    #[serde(default)]
    pub active_location: Option<SubAccountId>,
    /// `agency` or `location`: without an active location, only an agency user gets the agency's
    /// sub-accounts.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// When HighLevel made the context, if it says (today's payloads do not): Unix seconds
    /// (`iat`) or milliseconds / RFC 3339 (`timestamp`).
    #[serde(default)]
    pub iat: Option<i64>,
    #[serde(default)]
    pub timestamp: Option<serde_json::Value>,
}

impl SsoUser {
    /// When the context was made, in Unix milliseconds, if it says.
    pub fn issued_at_ms(&self) -> Option<i64> {
        if let Some(seconds) = self.iat {
            return Some(seconds.saturating_mul(1000));
        }
        match self.timestamp.as_ref()? {
            serde_json::Value::Number(ms) => ms.as_i64(),
            serde_json::Value::String(text) => {
                chrono::DateTime::parse_from_rfc3339(text).ok().map(|time| time.timestamp_millis())
            }
            _ => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SsoRole {
    Admin,
    User,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum SsoError {
    #[error("the user data is not in CryptoJS's format: {0}")]
    Unreadable(&'static str),
    #[error("the user data does not decrypt with this app's shared secret (a wrong secret, or altered data)")]
    Rejected,
    /// No detail: serde's message would quote the decrypted bytes.
    #[error("the decrypted user data is not HighLevel's user context")]
    NotUserData,
}

/// A decrypted `REQUEST_USER_DATA` answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserContext {
    pub user: SsoUser,
    /// The random salt CryptoJS chose for this encryption: what tells one payload from another
    /// of the same user (the context itself carries no nonce). A payload altered to look new
    /// keeps its salt, or no longer decrypts.
    pub salt: [u8; SALT_LEN],
}

/// Decrypts and reads a `REQUEST_USER_DATA` answer.
pub fn decrypt_user_data(payload: &str, shared_secret: &str) -> Result<UserContext, SsoError> {
    let raw = BASE64.decode(payload.trim()).map_err(|_| SsoError::Unreadable("not base64"))?;
    let rest = raw.strip_prefix(MAGIC).ok_or(SsoError::Unreadable("no Salted__ header"))?;
    if rest.len() < SALT_LEN + BLOCK || !(rest.len() - SALT_LEN).is_multiple_of(BLOCK) {
        return Err(SsoError::Unreadable("the ciphertext is not whole AES blocks"));
    }
    let (salt, ciphertext) = rest.split_at(SALT_LEN);
    let (key, iv) = evp_bytes_to_key(shared_secret.as_bytes(), salt);
    let mut buffer = ciphertext.to_vec();
    let plain = cbc::Decryptor::<Aes256>::new(&key.into(), &iv.into())
        .decrypt_padded_mut::<Pkcs7>(&mut buffer)
        .map_err(|_| SsoError::Rejected)?;
    let text = std::str::from_utf8(plain).map_err(|_| SsoError::Rejected)?;
    let user = serde_json::from_str(text).map_err(|_| SsoError::NotUserData)?;
    let mut salt_bytes = [0u8; SALT_LEN];
    salt_bytes.copy_from_slice(salt);
    Ok(UserContext { user, salt: salt_bytes })
}

/// OpenSSL's EVP_BytesToKey with MD5 and one iteration, as CryptoJS uses it: D1 = MD5(pass ‖ salt),
/// Dn = MD5(Dn-1 ‖ pass ‖ salt), concatenated into a 32-byte key and a 16-byte IV.
pub fn evp_bytes_to_key(passphrase: &[u8], salt: &[u8]) -> ([u8; 32], [u8; 16]) {
    let mut derived = Vec::with_capacity(48);
    let mut previous: Vec<u8> = Vec::new();
    while derived.len() < 48 {
        let mut md5 = Md5::new();
        md5.update(&previous);
        md5.update(passphrase);
        md5.update(salt);
        previous = md5.finalize().to_vec();
        derived.extend_from_slice(&previous);
    }
    let mut key = [0u8; 32];
    let mut iv = [0u8; 16];
    key.copy_from_slice(&derived[..32]);
    iv.copy_from_slice(&derived[32..48]);
    (key, iv)
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used, clippy::expect_used, reason = "a test stops at the first surprise")]

    use super::*;
    use serde_json::Value;

    /// Payloads encrypted by CryptoJS itself (`end2end/fixtures/sso-fixtures.mjs`).
    fn fixtures() -> Value {
        serde_json::from_str(include_str!("../../tests/fixtures/sso.json")).expect("fixture file")
    }

    fn payload(which: &str) -> (String, String) {
        let f = fixtures();
        (f[which]["payload"].as_str().unwrap().to_owned(), f["secret"].as_str().unwrap().to_owned())
    }

    #[test]
    fn agency_and_location_contexts_decrypt() {
        let (agency, secret) = payload("agency");
        let user = decrypt_user_data(&agency, &secret).unwrap().user;
        assert_eq!(
            user,
            SsoUser {
                user_id: "MKQJ7wOVVmNOMvrnKKKK".into(),
                company_id: "GNb7aIv4rQFVb9iwNl5K".into(),
                role: SsoRole::Admin,
                user_name: "John Doe".into(),
                email: "johndoe@gmail.com".into(),
                active_location: None,
                kind: Some("agency".into()),
                iat: None,
                timestamp: None,
            }
        );
        let (location, secret) = payload("location");
        let user = decrypt_user_data(&location, &secret).unwrap().user;
        assert_eq!(user.active_location.as_deref(), Some("yLKVZpNppIdYpah4RjNE"));
        assert_eq!((user.role, user.user_name.as_str()), (SsoRole::User, "Zoë Ünal"));
    }

    #[test]
    fn a_wrong_secret_or_altered_data_is_refused() {
        let (agency, secret) = payload("agency");
        assert!(decrypt_user_data(&agency, "not the secret").is_err());
        // Flip one bit in each block in turn: never accepted as a user.
        let raw = BASE64.decode(&agency).unwrap();
        for at in (MAGIC.len() + SALT_LEN..raw.len()).step_by(BLOCK) {
            let mut altered = raw.clone();
            altered[at] ^= 1;
            let result = decrypt_user_data(&BASE64.encode(&altered), &secret);
            assert!(matches!(result, Err(SsoError::Rejected | SsoError::NotUserData)), "byte {at}: {result:?}");
        }
    }

    #[test]
    fn malformed_payloads_say_what_is_wrong() {
        let secret = "s";
        assert_eq!(decrypt_user_data("%%%", secret), Err(SsoError::Unreadable("not base64")));
        let unsalted = BASE64.encode([7u8; 32]);
        assert_eq!(decrypt_user_data(&unsalted, secret), Err(SsoError::Unreadable("no Salted__ header")));
        let short = BASE64.encode([MAGIC, &[1u8; SALT_LEN + 5]].concat());
        assert_eq!(
            decrypt_user_data(&short, secret),
            Err(SsoError::Unreadable("the ciphertext is not whole AES blocks"))
        );
        let (not_json, secret) = payload("not_json");
        assert!(matches!(decrypt_user_data(&not_json, &secret), Err(SsoError::NotUserData)));
    }
}

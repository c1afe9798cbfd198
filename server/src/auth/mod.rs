//! Local sign-in: argon2id password hashes and opaque session tokens.
//!
//! A session token is 32 random bytes, sent to the browser in an HttpOnly cookie. Only its
//! SHA-256 is stored, so a leaked database does not leak live sessions.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash as ParsedHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};

use crate::db::accounts::PasswordHash;

pub mod throttle;

pub const SESSION_DAYS: i64 = 14;

pub fn hash_password(password: &str) -> Result<PasswordHash, String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| PasswordHash(hash.to_string()))
        .map_err(|e| e.to_string())
}

/// Whether `password` matches. An account without a password (HighLevel users sign in through
/// HighLevel) is checked against the decoy, so it takes as long as a wrong password.
pub fn verify_password(password: &str, hash: &PasswordHash) -> bool {
    let decoy = decoy_hash();
    let (parsed, real) = match ParsedHash::new(&hash.0) {
        Ok(parsed) => (parsed, true),
        Err(_) => match ParsedHash::new(&decoy.0) {
            Ok(parsed) => (parsed, false),
            Err(_) => return false,
        },
    };
    Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok() && real
}

/// A hash to verify against when the email is unknown, so a wrong email takes as long as a
/// wrong password and sign-in does not reveal which accounts exist.
pub fn decoy_hash() -> PasswordHash {
    PasswordHash(
        "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0OXFZmRsVTbcmQ3JxH3eGBB5l9U8zKsb2Dl0s7L4V3E".to_owned(),
    )
}

/// A new session token and the hash to store for it.
pub fn new_session_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let hash = token_hash(&token);
    (token, hash)
}

pub fn token_hash(token: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes()))
}

//! Sign-in and sign-out. `SignIn` posts as an ordinary HTML form, so it works before (or
//! without) the wasm bundle.

use leptos::prelude::*;

use super::error::AppError;
use super::types::SessionUser;

#[server(prefix = "/api", endpoint = "auth/sign_in")]
pub async fn sign_in(email: String, password: String, next: Option<String>) -> Result<(), AppError> {
    use super::session::{backend, client_address, device_token, set_cookie};
    let backend = backend()?;
    let headers: http::HeaderMap = leptos_axum::extract().await.map_err(|e| AppError::Internal(e.to_string()))?;
    let device = device_token(&headers);
    let signed_in = backend.sign_in(email.trim(), &password, &client_address(), device.as_deref()).await?;
    set_cookie(&backend.session_cookie(Some(&signed_in.session)))?;
    if let Some(device) = &signed_in.device {
        set_cookie(&backend.device_cookie(device))?;
    }
    leptos_axum::redirect(&safe_next(next.as_deref()));
    Ok(())
}

#[server(prefix = "/api", endpoint = "auth/sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    use super::session::{backend, current_token, set_cookie};
    let backend = backend()?;
    if let Some(token) = current_token().await? {
        backend.sign_out(&token).await?;
    }
    set_cookie(&backend.session_cookie(None))?;
    leptos_axum::redirect("/login");
    Ok(())
}

/// The signed-in user, or `None` on the sign-in page.
#[server(prefix = "/api", endpoint = "auth/me")]
pub async fn me() -> Result<Option<SessionUser>, AppError> {
    super::session::optional_user().await
}

/// Only paths on this site: a sign-in link must not redirect to another one. Browsers forgive a
/// lot in a `Location` — they drop tabs and newlines, read a backslash as `/` — so `/\t/evil.example`
/// goes to evil.example. A path is kept only when neither it nor its percent-decoded form has a
/// control character or a backslash, and neither starts with `//`.
pub fn safe_next(next: Option<&str>) -> String {
    let plain = |path: &str| {
        path.starts_with('/') && !path.starts_with("//") && !path.chars().any(|c| c.is_control() || c == '\\')
    };
    match next {
        Some(path) if plain(path) && plain(&percent_decoded(path)) => path.to_owned(),
        _ => "/".to_owned(),
    }
}

/// `%XX` sequences decoded (invalid ones kept as they are), for checking only.
fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        let hex = bytes.get(at + 1..at + 3).and_then(|pair| std::str::from_utf8(pair).ok());
        match (bytes[at], hex.and_then(|pair| u8::from_str_radix(pair, 16).ok())) {
            (b'%', Some(byte)) => {
                decoded.push(byte);
                at += 3;
            }
            (byte, _) => {
                decoded.push(byte);
                at += 1;
            }
        }
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_never_leaves_the_site() {
        let kept = ["/", "/s/acme/inbox", "/s/acme/inbox?tab=completed#top", "/s/a%20b/inbox", "/.well/x", "/100%"];
        for path in kept {
            assert_eq!(safe_next(Some(path)), path, "{path:?} is a path on this site");
        }
        let refused = [
            "//evil.example",
            "///evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r/evil.example",
            "\t//evil.example",
            "/\u{0}/evil.example",
            "/\u{7f}/evil.example",
            "/%2F/evil.example",
            "/%2f%2fevil.example",
            "%2F%2Fevil.example",
            "/%5Cevil.example",
            "/%09/evil.example",
            "/%0a/evil.example",
            "https://evil.example",
            "evil.example",
            "javascript:alert(1)",
            " /x",
            "",
        ];
        for path in refused {
            assert_eq!(safe_next(Some(path)), "/", "{path:?} must not be followed");
        }
        assert_eq!(safe_next(None), "/");
    }
}

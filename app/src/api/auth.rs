//! Sign-in and sign-out. `SignIn` posts as an ordinary HTML form, so it works before (or
//! without) the wasm bundle.

use leptos::prelude::*;

use super::error::AppError;
use super::types::SessionUser;

#[server(prefix = "/api", endpoint = "auth/sign_in")]
pub async fn sign_in(email: String, password: String, next: Option<String>) -> Result<(), AppError> {
    use super::session::{backend, set_cookie};
    let backend = backend()?;
    let (_, token) = backend.sign_in(email.trim(), &password).await?;
    set_cookie(&backend.session_cookie(Some(&token)))?;
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

/// Only same-site paths: a sign-in link must not redirect to another site.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path) if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') => path.to_owned(),
        _ => "/".to_owned(),
    }
}

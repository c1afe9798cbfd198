//! The sign-in page's form: `POST /login`, the page's own address. Signed in, the browser goes
//! on to where it was headed (303); refused, the sign-in page comes back with the email as typed
//! and why — no error codes or internal parameters in the address. (`/api/auth/sign_in` is the
//! same sign-in for API clients, answering JSON.)

use app::api::auth::safe_next;
use app::api::ports::AuthPort;
use app::api::session::{ClientAddress, device_token};
use app::api::types::RefusedSignIn;
use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::rendered::render_page;
use super::set_retry_after;
use crate::state::AppState;

#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

pub async fn sign_in_page(State(state): State<AppState>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let client = parts.extensions.get::<ClientAddress>().map(|c| c.0.clone()).unwrap_or_default();
    let form: Result<Form<SignInForm>, FormRejection> =
        Form::from_request(Request::from_parts(parts.clone(), body), &()).await;
    let Form(form) = match form {
        Ok(form) => form,
        Err(rejection) => {
            let refused = RefusedSignIn { email: String::new(), message: rejection.body_text() };
            return render_page(&state, parts, refused, rejection.status()).await;
        }
    };
    let device = device_token(&parts.headers);
    match state.service.sign_in(form.email.trim(), &form.password, &client, device.as_deref()).await {
        Ok(signed_in) => {
            let mut response = Redirect::to(&safe_next(form.next.as_deref())).into_response();
            let session = state.service.session_cookie(Some(&signed_in.session));
            let device = signed_in.device.map(|device| state.service.device_cookie(&device));
            for cookie in std::iter::once(session).chain(device) {
                if let Ok(cookie) = HeaderValue::from_str(&cookie) {
                    response.headers_mut().append(header::SET_COOKIE, cookie);
                }
            }
            response
        }
        Err(error) => {
            let status = error.http_status();
            let refused = RefusedSignIn { email: form.email, message: error.to_string() };
            let mut response = render_page(&state, parts, refused, status).await;
            set_retry_after(&mut response, &error);
            response
        }
    }
}

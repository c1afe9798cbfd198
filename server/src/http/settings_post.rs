//! Settings → Email and SMS/WhatsApp, posted as plain forms to the page's own address:
//! `POST /s/{sub_account}/settings` with `save=email` or `save=twilio`. Saved, the browser is
//! sent back to the section (303), which says so; refused, the page is rendered again with the
//! form as typed (never its secret) and each problem beside its field, not an emptied form.

use app::api::AppError;
use app::api::messaging::{MessagingForm, RefusedMessaging};
use app::api::ports::MessagingPort;
use app::model::SubAccountId;
use axum::Form;
use axum::extract::{FromRequest, Path, Request, State};
use axum::response::{IntoResponse, Redirect, Response};

use super::rendered::render_page;
use super::{ApiError, request_user};
use crate::state::AppState;

pub async fn save_messaging_settings(
    State(state): State<AppState>,
    Path(sub_account): Path<SubAccountId>,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let form = match Form::<MessagingForm>::from_request(Request::from_parts(parts.clone(), body), &()).await {
        Ok(Form(form)) => form,
        Err(rejection) => return ApiError(AppError::BadRequest(rejection.body_text())).into_response(),
    };
    let saved = match &form {
        MessagingForm::Email(_) => "email",
        MessagingForm::Twilio(_) => "twilio",
    };
    let outcome = async {
        let user = request_user(&state.service, &parts.headers).await.map_err(|e| e.0)?;
        match &form {
            MessagingForm::Email(email) => {
                let (settings, password) =
                    email.settings().map_err(|problem| AppError::InvalidSettings(vec![problem]))?;
                state.service.save_email_settings(&user, &sub_account, settings, password).await
            }
            MessagingForm::Twilio(twilio) => {
                let (settings, token) = twilio.settings();
                state.service.save_twilio_settings(&user, &sub_account, settings, token).await
            }
        }
    }
    .await;
    match outcome {
        Ok(()) => Redirect::to(&format!("/s/{sub_account}/settings?saved={saved}#{saved}-settings")).into_response(),
        Err(error) => {
            let status = error.http_status();
            let refused = match error {
                AppError::InvalidSettings(problems) => RefusedMessaging::new(form, problems, None),
                other => RefusedMessaging::new(form, Vec::new(), Some(other.to_string())),
            };
            render_page(&state, parts, refused, status).await
        }
    }
}

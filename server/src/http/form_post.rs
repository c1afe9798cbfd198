//! A form submitted without JavaScript: `POST /s/{sub_account}/forms/{form}`, the page's own URL.
//!
//! The browser posts the form's inputs as `application/x-www-form-urlencoded`; the model turns
//! them into the answers the client would have sent and the same `submit_form` validates and
//! completes the form. Accepted, the browser is sent to the form's page (303), which now shows the
//! completed form; refused, the page is rendered again, with the answers as sent and what was
//! wrong, instead of an empty form.

use app::api::AppError;
use app::api::ports::InboxPort;
use app::api::types::RefusedSubmit;
use app::api::types::{READ_AS_CURRENCY, READ_AS_LOCALE};
use app::model::value::answers_from_form;
use app::model::{Answers, FormId, NumberFormat, SubAccountId};
use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};

use super::rendered::render_page;
use super::request_user;
use crate::state::AppState;

pub async fn submit_form_without_js(
    State(state): State<AppState>,
    Path((sub_account, form_id)): Path<(SubAccountId, FormId)>,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let pairs = match Form::<Vec<(String, String)>>::from_request(Request::from_parts(parts.clone(), body), &()).await {
        Ok(Form(pairs)) => pairs,
        Err(rejection) => return refused(&state, parts, bad_form(rejection)).await,
    };
    let page = format!("/s/{sub_account}/forms/{form_id}");
    let outcome: Result<(), Refusal> = async {
        let user = request_user(&state.service, &parts.headers).await.map_err(|e| (e.0, None))?;
        let form = state.service.form(&user, &sub_account, &form_id).await.map_err(|e| (e, None))?;
        let read_as = read_as(&pairs);
        let answers = answers_from_form(&form.template.fields, pairs);
        match state.service.submit_form(&user, &sub_account, &form_id, answers.clone(), read_as).await {
            // A conflict is someone else's submit: the completed page says who, and when.
            Ok(_) | Err(AppError::Conflict(_)) => Ok(()),
            Err(error) => Err((error, Some(answers))),
        }
    }
    .await;
    match outcome {
        Ok(()) => Redirect::to(&page).into_response(),
        Err(refusal) => refused(&state, parts, refusal).await,
    }
}

/// The number format the page was rendered with, from its hidden `read_as.*` inputs (names no
/// field can have); `None` when absent or unknown, and the answers are read as the sub-account
/// writes numbers now.
fn read_as(pairs: &[(String, String)]) -> Option<NumberFormat> {
    let value = |name: &str| pairs.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str());
    Some(NumberFormat {
        locale: value(READ_AS_LOCALE)?.parse().ok()?,
        currency: value(READ_AS_CURRENCY)?.parse().ok()?,
    })
}

/// The error and, when the form was read, the answers as sent.
type Refusal = (AppError, Option<Answers>);

fn bad_form(rejection: FormRejection) -> Refusal {
    (AppError::BadRequest(rejection.body_text()), None)
}

/// Renders the form page again with the refused answers and why, under the error's status.
async fn refused(state: &AppState, parts: Parts, (error, answers): Refusal) -> Response {
    let status = error.http_status();
    let answers = answers.unwrap_or_default();
    let submit = match error {
        AppError::InvalidAnswers(errors) => RefusedSubmit { answers, errors, message: None },
        other => RefusedSubmit { answers, errors: Default::default(), message: Some(other.to_string()) },
    };
    render_page(state, parts, submit, status).await
}

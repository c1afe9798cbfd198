//! `GET /s/{sub_account}/inbox/stream`: server-sent events that tell an open inbox to refresh.
//!
//! A change made by this instance is announced at once. Changes made by another instance (on a
//! shared PostgreSQL) are caught by a cheap fingerprint check every few seconds, which also
//! checks that the session is still live and the user still a member. A stream ends when its session is signed out, and
//! when the server stops. A user has at most a few open (`notify::STREAMS_PER_USER`), and none
//! holds a database connection between checks, so open streams cannot exhaust the pool.

use app::api::AppError;
use app::api::session::session_token;
use app::model::SubAccountId;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::{Stream, StreamExt};
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use super::{ApiError, request_user};
use crate::auth::token_hash;
use crate::state::AppState;

const RECHECK: Duration = Duration::from_secs(5);

pub async fn inbox_stream(
    State(state): State<AppState>,
    Path(sub_account): Path<SubAccountId>,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let user = request_user(&state.service, &headers).await?;
    let member = state.service.member(&user, &sub_account).await?;
    let session = token_hash(&session_token(&headers).unwrap_or_default());
    let slot = state.service.notifier().open_stream(&user.id).ok_or_else(|| {
        tracing::warn!(user_id = %user.id, "inbox stream refused: too many open");
        AppError::TooManyAttempts(RECHECK.as_secs())
    })?;
    let mut changes = state.service.notifier().subscribe();
    let mut ended_sessions = state.service.notifier().ended_sessions();
    let stop = state.service.stop_signal();
    let service = state.service.clone();
    let store = state.service.store().clone();
    let (sender, receiver) = mpsc::channel(16);
    tokio::spawn(async move {
        let _slot = slot;
        let mut fingerprint = store.inbox_fingerprint(&member).await.ok();
        let mut ticker = tokio::time::interval(RECHECK);
        while !sender.is_closed() {
            let changed = tokio::select! {
                received = changes.recv() => match received {
                    Ok(id) => id == sub_account,
                    Err(RecvError::Lagged(_)) => true,
                    Err(RecvError::Closed) => return,
                },
                ended = ended_sessions.recv() => match ended {
                    Ok(hash) if hash == session => return,
                    Ok(_) | Err(RecvError::Lagged(_)) => false,
                    Err(RecvError::Closed) => return,
                },
                () = stop.wait() => return,
                // The browser went away: give its place back now, not at the next recheck.
                () = sender.closed() => return,
                _ = ticker.tick() => {
                    // Signed out on another instance, expired, or no longer a member.
                    if matches!(store.session_user(&session).await, Ok(None))
                        || matches!(service.member(&user, &sub_account).await, Err(AppError::NotFound(_)))
                    {
                        return;
                    }
                    let now = store.inbox_fingerprint(&member).await.ok();
                    let moved = now.is_some() && now != fingerprint;
                    fingerprint = now;
                    moved
                }
            };
            if changed && sender.send(Event::default().event("changed").data("inbox")).await.is_err() {
                return;
            }
        }
    });
    Ok(Sse::new(ReceiverStream::new(receiver).map(Ok)).keep_alive(KeepAlive::default()))
}

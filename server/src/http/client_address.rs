//! Who is calling, by address: the peer of the connection, or — behind a reverse proxy the
//! operator said to trust (`--trust-proxy`) — the address the proxy appended to
//! `X-Forwarded-For`. Only the last entry is the proxy's own word; earlier ones are whatever the
//! client sent. Sign-in throttling and the SSO rate limit count by this address.

use app::api::session::ClientAddress;
use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use std::net::SocketAddr;

pub async fn client_address(State(trust_proxy): State<bool>, mut request: Request, next: Next) -> Response {
    let forwarded = trust_proxy
        .then(|| request.headers().get("x-forwarded-for")?.to_str().ok()?.rsplit(',').next().map(str::trim))
        .flatten()
        .filter(|address| !address.is_empty())
        .map(str::to_owned);
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|info| info.0.ip().to_string());
    let address = forwarded.or(peer).unwrap_or_else(|| "unknown".to_owned());
    request.extensions_mut().insert(ClientAddress(address));
    next.run(request).await
}

//! Who is calling, by address: the peer of the connection, or — behind a reverse proxy the
//! operator said to trust (`--trust-proxy`) — the address the proxy appended to
//! `X-Forwarded-For`. Only the last entry of the last such header is the proxy's own word; the
//! rest is whatever the client sent. Sign-in throttling and the SSO rate limit count by this
//! address; an IPv6 client counts by its /64, which one subscriber usually has whole.

use app::api::session::ClientAddress;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;
use std::net::{IpAddr, SocketAddr};

pub async fn client_address(State(trust_proxy): State<bool>, mut request: Request, next: Next) -> Response {
    let forwarded = trust_proxy.then(|| forwarded_for(request.headers())).flatten();
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|info| info.0.ip());
    let address = forwarded.or(peer).map_or_else(|| "unknown".to_owned(), counted_as);
    request.extensions_mut().insert(ClientAddress(address));
    next.run(request).await
}

/// The last address in the last `X-Forwarded-For` header, if it is one.
fn forwarded_for(headers: &HeaderMap) -> Option<IpAddr> {
    let last = headers.get_all("x-forwarded-for").iter().next_back()?.to_str().ok()?;
    last.rsplit(',').next()?.trim().parse().ok()
}

fn counted_as(address: IpAddr) -> String {
    match address {
        IpAddr::V6(v6) if v6.to_ipv4_mapped().is_none() => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or_else(|| v6.to_string(), |v4| v4.to_string()),
        IpAddr::V4(v4) => v4.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used, reason = "a test stops at the first surprise")]

    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn only_the_proxys_own_entry_counts() {
        let mut headers = HeaderMap::new();
        headers.append("x-forwarded-for", HeaderValue::from_static("6.6.6.6"));
        headers.append("x-forwarded-for", HeaderValue::from_static("1.1.1.1, 203.0.113.7"));
        assert_eq!(forwarded_for(&headers), Some("203.0.113.7".parse().unwrap()));
        let mut junk = HeaderMap::new();
        junk.append("x-forwarded-for", HeaderValue::from_static("1.1.1.1, not-an-address"));
        assert_eq!(forwarded_for(&junk), None);
    }

    #[test]
    fn an_ipv6_client_counts_by_its_64() {
        assert_eq!(counted_as("2001:db8:1:2:aaaa::1".parse().unwrap()), "2001:db8:1:2::/64");
        assert_eq!(counted_as("2001:db8:1:2:bbbb::9".parse().unwrap()), "2001:db8:1:2::/64");
        assert_eq!(counted_as("::ffff:192.0.2.1".parse().unwrap()), "192.0.2.1");
        assert_eq!(counted_as("192.0.2.1".parse().unwrap()), "192.0.2.1");
    }
}

//! Cross-site request forgery. Any page on the web can make a signed-in browser send a request
//! here — an auto-submitted form, a `fetch` with credentials — and in connected mode the session
//! cookie is `SameSite=None` (OpsFlow lives in HighLevel's frame), so the browser attaches it.
//! A cookie therefore proves who the user is, never that the user meant it: every request that
//! can change something must also prove it comes from one of OpsFlow's own pages.
//!
//! Browsers say where a request comes from in `Origin` (every cross-origin request and every
//! POST carry it), else in `Sec-Fetch-Site`, else in `Referer`. A request with none of them is
//! not from a browser page and is refused too: every route guarded here authenticates by cookie.
//! The one route that authenticates by signature (HighLevel's webhooks) is not guarded, nor are
//! the REST API's calls authenticated by an API key alone (`api_key::sends_key`: the routes that
//! take only keys, and a call with a key to one that takes a key or a cookie).
//!
//! Server functions also accept only the two encodings OpsFlow's pages send. A cross-site form
//! can post `text/plain` or `multipart/form-data` without a CORS preflight; JSON server functions
//! would otherwise read such a body as JSON.

use app::api::AppError;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::ApiError;

/// The routes that authenticate by signature, not by cookie.
const SIGNED_ROUTES: &[&str] = &["/webhooks/highlevel"];

/// OpsFlow's own origin: the configured public URL, or — when none is configured — whatever
/// host the request was sent to (a browser always sends the host it resolved, so a page on
/// another site cannot pose as this one), over HTTPS when OpsFlow is served over HTTPS (a page
/// someone injects into plain-HTTP traffic for the same host is not OpsFlow's).
#[derive(Clone, Debug, Default)]
pub struct OwnOrigin {
    pub public_url: Option<String>,
    pub https: bool,
}

impl OwnOrigin {
    fn accepts(&self, origin: &str, host: Option<&str>) -> bool {
        let origin = origin.trim_end_matches('/');
        if let Some(public) = &self.public_url {
            return origin.eq_ignore_ascii_case(public.trim_end_matches('/'));
        }
        let Some(host) = host else { return false };
        match origin.split_once("://") {
            Some(("https", authority)) => authority.eq_ignore_ascii_case(host),
            Some(("http", authority)) => !self.https && authority.eq_ignore_ascii_case(host),
            _ => false,
        }
    }

    /// Where the request says it comes from, judged: `Ok` for one of OpsFlow's pages, else the
    /// reason it is refused. `host` is where it was sent (`Host`, or HTTP/2's `:authority`).
    fn check(&self, headers: &HeaderMap, host: Option<&str>) -> Result<(), String> {
        let text = |name| headers.get(name).map(|value: &header::HeaderValue| value.to_str().unwrap_or(""));
        if let Some(origin) = text(header::ORIGIN) {
            return if self.accepts(origin, host) { Ok(()) } else { Err(format!("it came from {origin}")) };
        }
        if let Some(site) = text(header::HeaderName::from_static("sec-fetch-site")) {
            return if site == "same-origin" { Ok(()) } else { Err(format!("the browser says it is {site}")) };
        }
        if let Some(referer) = text(header::REFERER) {
            let origin = referer_origin(referer);
            return if self.accepts(origin, host) { Ok(()) } else { Err(format!("it came from {origin}")) };
        }
        Err("it does not say where it came from".to_owned())
    }
}

/// `scheme://authority` of a URL (the whole text when it has no path).
fn referer_origin(referer: &str) -> &str {
    let Some((_, rest)) = referer.split_once("://") else { return referer };
    let end = rest.find(['/', '?', '#']).map_or(referer.len(), |at| referer.len() - rest.len() + at);
    &referer[..end]
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Refuses a state-changing request that does not come from OpsFlow's own pages (403), and a
/// server function call in an encoding OpsFlow's pages never send (415).
pub async fn refuse_cross_site(State(own): State<OwnOrigin>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    // A REST API call with a key is authenticated by the key alone (see `api_key`).
    let by_key = super::api_key::sends_key(path, request.headers());
    if is_safe(request.method()) || SIGNED_ROUTES.contains(&path) || by_key {
        return next.run(request).await;
    }
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|host| host.to_str().ok())
        .or_else(|| request.uri().authority().map(|authority| authority.as_str()));
    if let Err(reason) = own.check(request.headers(), host) {
        tracing::warn!(method = %request.method(), path, reason, "cross-site request refused");
        let message = format!(
            "This request was refused because {reason}: OpsFlow only accepts changes made from its own pages. \
             Open OpsFlow and try again there."
        );
        return ApiError(AppError::Forbidden(message)).into_response();
    }
    let is_server_fn = path.starts_with("/api/") && !path.starts_with("/api/v1/");
    if is_server_fn && !sent_by_a_page(request.headers()) {
        let error = AppError::BadRequest(
            "Send this request as application/json or application/x-www-form-urlencoded.".to_owned(),
        );
        let mut response = ApiError(error).into_response();
        *response.status_mut() = StatusCode::UNSUPPORTED_MEDIA_TYPE;
        return response;
    }
    next.run(request).await
}

/// The encodings of OpsFlow's server functions: JSON, and URL-encoded forms (which work before
/// and without the page's script).
fn sent_by_a_page(headers: &HeaderMap) -> bool {
    let essence = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .map(|value| value.split(';').next().unwrap_or("").trim().to_ascii_lowercase());
    matches!(essence.as_deref(), Some("application/json" | "application/x-www-form-urlencoded"))
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used, reason = "a test stops at the first surprise")]

    use super::*;
    use axum::http::HeaderValue;

    const HOST: Option<&str> = Some("opsflow.example:3000");

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn own_pages_pass_and_other_sites_do_not() {
        let own = OwnOrigin::default();
        let cases: &[(&[(&str, &str)], bool)] = &[
            (&[("origin", "http://opsflow.example:3000")], true),
            (&[("origin", "https://OPSFLOW.example:3000")], true),
            (&[("origin", "http://opsflow.example")], false),
            (&[("origin", "https://evil.example")], false),
            (&[("origin", "null")], false),
            (&[("origin", "http://opsflow.example:3000.evil.example")], false),
            // An `Origin` decides even when the other headers say otherwise.
            (&[("origin", "https://evil.example"), ("sec-fetch-site", "same-origin")], false),
            (&[("sec-fetch-site", "same-origin")], true),
            (&[("sec-fetch-site", "same-site")], false),
            (&[("sec-fetch-site", "cross-site")], false),
            (&[("sec-fetch-site", "none")], false),
            (&[("referer", "http://opsflow.example:3000/s/acme/inbox?tab=1")], true),
            (&[("referer", "http://opsflow.example:3000")], true),
            (&[("referer", "http://evil.example/http://opsflow.example:3000/")], false),
            (&[("referer", "http://opsflow.example:3000@evil.example/")], false),
            (&[], false),
        ];
        for (pairs, expected) in cases {
            assert_eq!(own.check(&headers(pairs), HOST).is_ok(), *expected, "{pairs:?}");
        }
        // A request that names no host at all is nobody's.
        assert!(own.check(&headers(&[("origin", "http://opsflow.example:3000")]), None).is_err());
    }

    #[test]
    fn served_over_https_a_plain_http_origin_is_not_ours() {
        let own = OwnOrigin { public_url: None, https: true };
        assert!(own.check(&headers(&[("origin", "https://opsflow.example:3000")]), HOST).is_ok());
        assert!(own.check(&headers(&[("origin", "http://opsflow.example:3000")]), HOST).is_err());
    }

    #[test]
    fn a_configured_public_url_is_the_only_origin() {
        let own = OwnOrigin { public_url: Some("https://opsflow.agency.example/".to_owned()), https: true };
        assert!(own.check(&headers(&[("origin", "https://opsflow.agency.example")]), HOST).is_ok());
        assert!(own.check(&headers(&[("origin", "http://opsflow.example:3000")]), HOST).is_err());
    }

    #[test]
    fn only_the_pages_encodings_reach_server_functions() {
        let with = |value: &str| headers(&[("content-type", value)]);
        assert!(sent_by_a_page(&with("application/json")));
        assert!(sent_by_a_page(&with("application/x-www-form-urlencoded; charset=UTF-8")));
        assert!(!sent_by_a_page(&with("text/plain")));
        assert!(!sent_by_a_page(&with("text/plain; application/json")));
        assert!(!sent_by_a_page(&with("multipart/form-data; boundary=x")));
        assert!(!sent_by_a_page(&headers(&[])));
    }
}

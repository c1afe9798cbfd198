//! What the access log says of a request's address: its path, and of its query only the names.
//! A query's values may be secrets — an OAuth code on the install callback, a key a script put
//! in a link — and a log is read by more people, and kept longer, than the data.

use axum::http::Uri;

/// The path, and the query with every value left out (`?code=…&state=…`).
pub fn logged_uri(uri: &Uri) -> String {
    let path = uri.path();
    match uri.query() {
        None => path.to_owned(),
        Some(query) => {
            let names: Vec<String> = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some((name, _)) => format!("{name}=…"),
                    None => pair.to_owned(),
                })
                .collect();
            format!("{path}?{}", names.join("&"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_query_value_reaches_the_log() {
        let logged = |uri: &'static str| logged_uri(&Uri::from_static(uri));
        assert_eq!(logged("/oauth/callback?code=0a1b2c&state=xyz"), "/oauth/callback?code=…&state=…");
        assert_eq!(logged("/api/v1/workflows?module=leads&page"), "/api/v1/workflows?module=…&page");
        assert_eq!(logged("/s/acme/inbox"), "/s/acme/inbox");
    }
}

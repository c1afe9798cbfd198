//! How a page loads its data. The server runs the fetcher while it renders and embeds the result
//! in the HTML; the hydrating client decodes it there instead of fetching again.

use leptos::prelude::*;
use leptos::server::codee::{Decoder, Encoder};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// JSON, decoded with `serde_json::from_slice`: the reader server functions use for their
/// responses. Leptos' default resource codec reads with `from_str`, a separate instantiation of
/// every wire type's decoder; sharing one reader keeps a single copy of each in the wasm.
pub struct WireJson;

impl<T: Serialize> Encoder<T> for WireJson {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(value: &T) -> Result<String, serde_json::Error> {
        serde_json::to_string(value)
    }
}

impl<T: DeserializeOwned> Decoder<T> for WireJson {
    type Error = serde_json::Error;
    type Encoded = str;

    fn decode(encoded: &str) -> Result<T, serde_json::Error> {
        serde_json::from_slice(encoded.as_bytes())
    }
}

/// A page's data: reloads whenever `source` changes, like [`Resource::new`].
#[track_caller]
pub fn page_data<T, S, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetcher: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> Resource<T, WireJson>
where
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    S: Clone + PartialEq + Send + Sync + 'static,
    Fut: Future<Output = T> + Send + 'static,
{
    Resource::new_with_options(source, fetcher, false)
}

//! How a page loads its data. The server runs the fetcher while it renders and embeds the result
//! in the HTML; the hydrating client decodes it there instead of fetching again.
//!
//! Every page's data goes through one resource of one type. A `Resource<T>` per page type would
//! compile its own copy of Leptos' async machinery for each (about 15 KB of wasm apiece), so the
//! resource holds either the JSON text the server embedded or the value the client fetched
//! itself, and [`PageData`] turns it back into the page's type where the page reads it.

use std::any::Any;
use std::future::{Future, IntoFuture};
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;

use leptos::prelude::*;
use leptos::server::codee::{Decoder, Encoder};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::api::AppError;

/// A page's data: `Ok(T)` or the error the server answered, reloaded whenever the page's source
/// signals change.
pub struct PageData<T> {
    resource: Resource<Loaded, Embedded>,
    page_type: PhantomData<fn() -> T>,
}

impl<T> Clone for PageData<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for PageData<T> {}

impl<T: DeserializeOwned + Clone + 'static> PageData<T> {
    /// The data if it has arrived, tracking the resource like [`Get::get`].
    pub fn get(&self) -> Option<Result<T, AppError>> {
        self.resource.get().map(|loaded| loaded.read())
    }
}

impl<T: DeserializeOwned + Clone + 'static> IntoFuture for PageData<T> {
    type Output = Result<T, AppError>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move { self.resource.await.read() })
    }
}

/// Loads a page's data: `fetcher(source())`, again whenever `source` changes.
#[track_caller]
pub fn page_data<T, S, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetcher: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> PageData<T>
where
    T: Serialize + Send + Sync + 'static,
    S: Clone + PartialEq + Send + Sync + 'static,
    Fut: Future<Output = Result<T, AppError>> + Send + 'static,
{
    let resource = erased_resource(
        Box::new(move || Source(Arc::new(source()))),
        Box::new(move |source: Source| {
            let fetched = source.get::<S>().map(|source| fetcher(source.clone()));
            Box::pin(async move {
                match fetched {
                    Some(fetched) => Loaded::new(fetched.await),
                    None => Loaded::new::<T>(Err(AppError::Internal("page source of the wrong type".to_owned()))),
                }
            })
        }),
    );
    PageData { resource, page_type: PhantomData }
}

/// A page's fetcher with its result type erased.
type Fetcher = Box<dyn Fn(Source) -> Pin<Box<dyn Future<Output = Loaded> + Send>> + Send + Sync>;

/// The one resource every page shares the code of: no type parameters left.
fn erased_resource(source: Box<dyn Fn() -> Source + Send + Sync>, fetcher: Fetcher) -> Resource<Loaded, Embedded> {
    Resource::new_with_options(source, fetcher, false)
}

/// The value of a page's source signals, compared to decide when to fetch again.
#[derive(Clone)]
struct Source(Arc<dyn SourceValue>);

trait SourceValue: Send + Sync {
    fn as_any(&self) -> &dyn Any;
    fn same_as(&self, other: &dyn SourceValue) -> bool;
}

impl<S: PartialEq + Send + Sync + 'static> SourceValue for S {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn same_as(&self, other: &dyn SourceValue) -> bool {
        other.as_any().downcast_ref::<S>() == Some(self)
    }
}

impl Source {
    fn get<S: 'static>(&self) -> Option<&S> {
        self.0.as_any().downcast_ref()
    }
}

impl PartialEq for Source {
    fn eq(&self, other: &Self) -> bool {
        self.0.same_as(other.0.as_ref())
    }
}

/// A page's result, as the resource holds it.
#[derive(Clone)]
enum Loaded {
    /// JSON text of a `Result<T, AppError>`: what the server embeds and the hydrating client reads.
    Json(Arc<str>),
    /// A `Result<T, AppError>` the client fetched after hydration; it never leaves the browser.
    Fetched(Arc<dyn Any + Send + Sync>),
}

impl Loaded {
    /// The server keeps the text it will embed (so the client never needs a serialiser); the
    /// client keeps the value its server function already decoded.
    fn new<T: Serialize + Send + Sync + 'static>(result: Result<T, AppError>) -> Self {
        if cfg!(feature = "ssr") { Loaded::Json(embed(&result).into()) } else { Loaded::Fetched(Arc::new(result)) }
    }

    fn read<T: DeserializeOwned + Clone + 'static>(&self) -> Result<T, AppError> {
        match self {
            // `from_slice`, the reader server functions use, so each type's decoder exists once.
            Loaded::Json(json) => serde_json::from_slice(json.as_bytes())
                .unwrap_or_else(|error| Err(AppError::Internal(format!("The page data could not be read: {error}")))),
            Loaded::Fetched(value) => value
                .downcast_ref::<Result<T, AppError>>()
                .cloned()
                .unwrap_or_else(|| Err(AppError::Internal("page data of the wrong type".to_owned()))),
        }
    }
}

/// The JSON text of a result. Serialising the wire types cannot fail (every map key is a
/// string), but if it ever did the page shows why instead of an empty screen.
fn embed<T: Serialize>(result: &Result<T, AppError>) -> String {
    serde_json::to_string(result).unwrap_or_else(|error| {
        let error = AppError::Internal(format!("The page data could not be sent: {error}"));
        serde_json::to_string(&Err::<(), _>(error)).unwrap_or_default()
    })
}

/// The codec of the page resource: the server's JSON text goes into the HTML as it is.
struct Embedded;

/// A client-fetched value reached the serialiser; only the server serialises, and it holds text.
#[derive(Debug)]
struct NotEmbeddable;

impl Encoder<Loaded> for Embedded {
    type Error = NotEmbeddable;
    type Encoded = String;

    fn encode(value: &Loaded) -> Result<String, NotEmbeddable> {
        match value {
            Loaded::Json(json) => Ok(json.to_string()),
            Loaded::Fetched(_) => Err(NotEmbeddable),
        }
    }
}

impl Decoder<Loaded> for Embedded {
    type Error = std::convert::Infallible;
    type Encoded = str;

    fn decode(encoded: &str) -> Result<Loaded, Self::Error> {
        Ok(Loaded::Json(encoded.into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_server_embeds_values_and_errors_the_client_reads_back() {
        let value = Loaded::new(Ok(vec!["a".to_owned(), "b".to_owned()]));
        assert_eq!(value.read::<Vec<String>>(), Ok(vec!["a".to_owned(), "b".to_owned()]));
        let error = Loaded::new::<u32>(Err(AppError::Conflict("Already submitted.".to_owned())));
        assert_eq!(error.read::<u32>(), Err(AppError::Conflict("Already submitted.".to_owned())));
        // What reaches the HTML is the result's JSON.
        assert_eq!(Embedded::encode(&value).expect("server-side value"), r#"{"Ok":["a","b"]}"#);
        assert!(Embedded::encode(&error).expect("server-side error").starts_with(r#"{"Err":{"error":"conflict""#));
    }

    #[test]
    fn unreadable_page_data_is_an_error_not_a_panic() {
        for text in ["", "{", r#"{"Ok":"text"}"#, r#"{"Err":{}}"#, r#"{"Maybe":1}"#] {
            let read = Embedded::decode(text).expect("decoding text is infallible").read::<u32>();
            assert!(
                matches!(&read, Err(AppError::Internal(message)) if message.starts_with("The page data could not be read")),
                "{text:?}: {read:?}"
            );
        }
    }
}

//! Live updates for a server-rendered part of a page. When the server's event stream says the
//! data changed, the island fetches the page again and swaps the fresh part in: the markup has
//! one source, the server's view, and the client carries no copy of it.

use leptos::prelude::*;

/// Keeps the element with id `target` current: on each `changed` event from `stream` it is
/// replaced by the same element of a freshly rendered copy of this page.
#[island]
pub fn LiveRegion(stream: String, target: String) -> impl IntoView {
    #[cfg(feature = "hydrate")]
    browser::follow(&stream, target);
    #[cfg(not(feature = "hydrate"))]
    let _ = (stream, target);
}

#[cfg(feature = "hydrate")]
pub use browser::on_change;

#[cfg(feature = "hydrate")]
mod browser {
    use std::cell::{Cell, RefCell};
    use std::rc::Rc;

    use leptos::prelude::*;
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    use web_sys::{DomParser, Event, EventSource, SupportedType};

    /// Calls `handler` on each `changed` event of the sub-account's event stream, and with
    /// `catch_up` also each time the stream opens: a change made after the server rendered the
    /// page but before the stream connected is announced to nobody, so a cheap handler re-reads
    /// then rather than showing a stale value until the next change.
    pub fn on_change(stream: &str, catch_up: bool, handler: impl FnMut() + 'static) {
        let Ok(source) = EventSource::new(stream) else { return };
        let handler = Rc::new(RefCell::new(handler));
        let call = move |_: Event| (handler.borrow_mut())();
        let events: &[&str] = if catch_up { &["changed", "open"] } else { &["changed"] };
        for event in events {
            let listener = Closure::<dyn FnMut(Event)>::new(call.clone());
            let _ = source.add_event_listener_with_callback(event, listener.as_ref().unchecked_ref());
            // The page lives as long as the stream; both stay open until the browser leaves it.
            listener.forget();
        }
        std::mem::forget(source);
    }

    pub fn follow(stream: &str, target: String) {
        // Each refresh gets a number; only the newest one is applied, so a slow response never
        // replaces a newer one.
        let latest = Rc::new(Cell::new(0_u64));
        // Not `catch_up`: that would fetch the whole page again on every page load.
        on_change(stream, false, move || {
            let (latest, target) = (latest.clone(), target.clone());
            let number = latest.get() + 1;
            latest.set(number);
            leptos::task::spawn_local(async move {
                if let Some(fresh) = fetch_fresh(&target).await
                    && latest.get() == number
                    && let Some(current) = document().get_element_by_id(&target)
                {
                    let _ = current.replace_with_with_node_1(&fresh);
                }
            });
        });
    }

    /// The element `target` of this page as the server renders it now.
    async fn fetch_fresh(target: &str) -> Option<web_sys::Element> {
        let url = window().location().href().ok()?;
        let response = gloo_net::http::Request::get(&url).header("Accept", "text/html").send().await.ok()?;
        if !response.ok() {
            return None;
        }
        let html = response.text().await.ok()?;
        let page = DomParser::new().ok()?.parse_from_string(&html, SupportedType::TextHtml).ok()?;
        page.get_element_by_id(target)
    }
}

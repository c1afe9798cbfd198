//! The browser entry point: hydrates the islands of the server-rendered page.

// Leptos views are nested generic types; the settings form needs more than the default depth.
#![recursion_limit = "256"]

// Each island is a wasm export defined in `app`; linking the crate is what keeps them.
use app as _;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
    // Leptos' loader hydrates the islands right after this returns, one after another without
    // waiting on anything; a zero timeout runs once they are all done. Lets end-to-end tests (and
    // anyone curious) see that the page is interactive now.
    leptos::prelude::set_timeout(
        || {
            if let Some(body) = leptos::prelude::document().body() {
                let _ = body.set_attribute("data-hydrated", "true");
            }
        },
        std::time::Duration::ZERO,
    );
}

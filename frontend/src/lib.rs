//! The browser entry point: hydrates the islands of the server-rendered page.

// Leptos views are nested generic types; the settings form needs more than the default depth.
#![recursion_limit = "256"]

// Each island is a wasm export defined in `app`; linking the crate is what keeps them.
use app as _;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // The islands themselves are hydrated by the page's loader (app/src/ui/client_loader.js),
    // right after this returns.
    leptos::mount::hydrate_islands();
}

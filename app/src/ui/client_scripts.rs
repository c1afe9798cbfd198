//! What every page's head carries to bring its islands alive: preloads of the client's script and
//! wasm, and OpsFlow's island loader (`client_loader.js`) in place of the one Leptos'
//! `HydrationScripts` writes (leptos 0.8 `src/hydration/island_script.js`). It differs in four ways:
//! - It starts at once. Leptos' waits for `requestIdleCallback`, which Chromium may never call in a
//!   cross-origin frame the user has not interacted with — OpsFlow inside HighLevel's custom menu —
//!   so a page rendered, looked alive and did nothing. Module scripts run after the document is
//!   parsed and the client's files are preloaded: there is nothing to wait for.
//! - It marks the page when every island, lazy ones included, is alive: `body[data-hydrated]`.
//! - An island hears the values its boxes hold when it comes alive: Back to a page the browser
//!   loads again restores what the boxes held (and a quick person types before the wasm runs),
//!   while the island's state starts from what the server rendered — so Save stored the old
//!   value under the new one shown. Each box whose value is not the rendered one gets an `input`
//!   and a `change` event, as if typed then.
//! - When the client cannot start (a file that did not load, a failure while hydrating), or has
//!   not started after a long wait, the page says so and offers a reload instead of looking alive.
//!
//! `HydrationScripts` also puts the split manifest in context, for preloads of the lazy islands'
//! chunks; Leptos 0.8.23 reads it outside the render's owner (`leptos_integration_utils`
//! `from_app`), so no page ever had them, and the loader does without: a lazy island fetches
//! its chunk when it hydrates.

use leptos::prelude::*;

/// The loader, called with the client's script and wasm addresses.
const LOADER: &str = include_str!("client_loader.js");

#[component]
pub fn ClientScripts(options: LeptosOptions) -> impl IntoView {
    let pkg = format!("/{}", options.site_pkg_dir);
    if options.hash_files {
        leptos::logging::error!("hashed file names are not supported: the pages load /pkg/{}.js", options.output_name);
    }
    // Islands mode: only islands hydrate, so the page around them renders without hydration
    // markers (as `HydrationScripts islands=true` does).
    if let Some(context) = Owner::current_shared_context() {
        context.set_is_hydrating(false);
    }
    let js = format!("{pkg}/{}.js", options.output_name);
    let wasm = format!("{pkg}/{}.wasm", options.output_name);
    let call = format!("{LOADER}({}, {});", quoted(&js), quoted(&wasm));
    // `anonymous`: fetched like the loader's `import()` and `fetch()` (CORS mode, same-origin
    // credentials), so the browser uses the preloaded responses instead of fetching twice.
    view! {
        <link rel="modulepreload" href=js crossorigin="anonymous"/>
        <link rel="preload" href=wasm r#as="fetch" r#type="application/wasm" crossorigin="anonymous"/>
        <script type="module" nonce=leptos::nonce::use_nonce()>{call}</script>
    }
}

/// A JavaScript string literal (the addresses come from the server's configuration).
fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_owned())
}

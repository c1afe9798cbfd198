//! What every page's head carries to bring its islands alive: preloads of the client's script and
//! wasm, and OpsFlow's island loader (`client_loader.js`) in place of the one Leptos'
//! `HydrationScripts` writes (leptos 0.8 `src/hydration/island_script.js`). It differs in three ways:
//! - It starts at once. Leptos' waits for `requestIdleCallback`, which Chromium may never call in a
//!   cross-origin frame the user has not interacted with — OpsFlow inside HighLevel's custom menu —
//!   so a page rendered, looked alive and did nothing. Module scripts run after the document is
//!   parsed and the client's files are preloaded: there is nothing to wait for.
//! - It marks the page when every island, lazy ones included, is alive: `body[data-hydrated]`.
//! - When the client cannot start (a file that did not load, a failure while hydrating), or has
//!   not started after a long wait, the page says so and offers a reload instead of looking alive.

use leptos::prelude::*;

/// The loader, called with the client's script and wasm addresses.
const LOADER: &str = include_str!("client_loader.js");

#[component]
pub fn ClientScripts(options: LeptosOptions) -> impl IntoView {
    let pkg = format!("/{}", options.site_pkg_dir);
    #[cfg(feature = "ssr")]
    split::provide_manifest(&options.site_root, &pkg);
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

/// Lazy islands' chunks: Leptos preloads those a page uses when the split manifest is in context.
#[cfg(feature = "ssr")]
mod split {
    use leptos::WasmSplitManifest;
    use leptos::prelude::*;
    use std::collections::HashMap;
    use std::sync::OnceLock;

    /// The name `cargo leptos build --split` gives the chunks' loader when files are not hashed.
    const SPLIT_LOADER: &str = "__wasm_split.______________________.js";

    pub fn provide_manifest(site_root: &str, pkg: &str) {
        static MANIFEST: OnceLock<Option<WasmSplitManifest>> = OnceLock::new();
        let manifest = MANIFEST.get_or_init(|| {
            let path =
                std::path::Path::new(site_root).join(pkg.trim_start_matches('/')).join("__wasm_split_manifest.json");
            // No manifest: a build without `--split`, whose islands are all in the main wasm.
            let text = std::fs::read_to_string(path).ok()?;
            let chunks: HashMap<String, Vec<String>> = match serde_json::from_str(&text) {
                Ok(chunks) => chunks,
                Err(error) => {
                    leptos::logging::error!(
                        "the wasm split manifest is unreadable ({error}); lazy islands load unpreloaded"
                    );
                    return None;
                }
            };
            Some(WasmSplitManifest(ArcStoredValue::new((pkg.to_owned(), chunks, SPLIT_LOADER.to_owned()))))
        });
        if let Some(manifest) = manifest {
            provide_context(manifest.clone());
        }
    }
}

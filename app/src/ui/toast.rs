//! Toast notifications: short messages in a polite live region, dismissed by the user.
//!
//! Every island on a page posts to the same list, which the `Toaster` island shows. Islands do
//! not share a reactive context, so the list is one per page: a global in the browser (one page,
//! one wasm instance). The server never posts a toast; it renders the empty region.

use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering};

use leptos::prelude::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    Success,
    Error,
    Info,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Toast {
    id: u64,
    pub tone: Tone,
    pub title: String,
    /// One line per item (a writeback result each, say).
    pub lines: Vec<(Tone, String)>,
    /// How many times it was shown while showing.
    repeats: u32,
}

/// The page's toasts. Cheap to copy; every copy posts to the same list.
#[derive(Clone, Copy)]
pub struct Toasts;

static ITEMS: LazyLock<ArcRwSignal<Vec<Toast>>> = LazyLock::new(|| ArcRwSignal::new(Vec::new()));
static NEXT_ID: AtomicU64 = AtomicU64::new(0);

impl Toasts {
    /// Shows a toast. The same message while one is showing replaces it with a count (“×2”) —
    /// a repeat stays visible as new without stacking up copies.
    pub fn show(&self, tone: Tone, title: impl Into<String>, lines: Vec<(Tone, String)>) {
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        let mut toast = Toast { id, tone, title: title.into(), lines, repeats: 1 };
        ITEMS.update(|items| {
            if let Some(at) =
                items.iter().position(|t| t.tone == toast.tone && t.title == toast.title && t.lines == toast.lines)
            {
                toast.repeats += items.remove(at).repeats;
            }
            items.push(toast);
        });
        // Good news fades on its own; errors stay until dismissed.
        #[cfg(feature = "hydrate")]
        if tone != Tone::Error {
            set_timeout(move || Self.dismiss(id), std::time::Duration::from_secs(8));
        }
    }

    fn dismiss(&self, id: u64) {
        ITEMS.update(|items| items.retain(|t| t.id != id));
    }
}

pub fn use_toasts() -> Toasts {
    Toasts
}

fn tone_class(tone: Tone) -> &'static str {
    match tone {
        Tone::Success => "toast-success",
        Tone::Error => "toast-error",
        Tone::Info => "toast-info",
    }
}

#[island]
pub fn Toaster() -> impl IntoView {
    let toasts = use_toasts();
    view! {
        <div class="toaster" role="status" aria-live="polite">
            <For each=move || ITEMS.get() key=|toast| toast.id let:toast>
                <div class=format!("toast {}", tone_class(toast.tone)) data-testid="toast">
                    <div class="toast-head">
                        <strong>
                            {toast.title.clone()}
                            {(toast.repeats > 1).then(|| view! { <span class="toast-repeats">{format!(" ×{}", toast.repeats)}</span> })}
                        </strong>
                        <button
                            class="icon-button"
                            aria-label="Dismiss notification"
                            on:click=move |_| toasts.dismiss(toast.id)
                        >
                            "×"
                        </button>
                    </div>
                    <ul class="toast-lines">
                        {toast
                            .lines
                            .iter()
                            .map(|(tone, line)| view! { <li class=tone_class(*tone)>{line.clone()}</li> })
                            .collect_view()}
                    </ul>
                </div>
            </For>
        </div>
    }
}

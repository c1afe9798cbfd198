//! Toast notifications: short messages in a polite live region, dismissed by the user.

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
}

#[derive(Clone, Copy)]
pub struct Toasts {
    items: RwSignal<Vec<Toast>>,
    next: StoredValue<u64>,
}

impl Toasts {
    pub fn show(&self, tone: Tone, title: impl Into<String>, lines: Vec<(Tone, String)>) {
        let id = self.next.get_value();
        self.next.set_value(id + 1);
        self.items.update(|items| items.push(Toast { id, tone, title: title.into(), lines }));
        // Good news fades on its own; errors stay until dismissed.
        #[cfg(feature = "hydrate")]
        if tone != Tone::Error {
            let toasts = *self;
            set_timeout(move || toasts.dismiss(id), std::time::Duration::from_secs(8));
        }
    }

    fn dismiss(&self, id: u64) {
        self.items.update(|items| items.retain(|t| t.id != id));
    }
}

pub fn provide_toasts() {
    provide_context(Toasts { items: RwSignal::new(Vec::new()), next: StoredValue::new(0) });
}

pub fn use_toasts() -> Toasts {
    use_context::<Toasts>().unwrap_or_else(|| {
        provide_toasts();
        expect_context::<Toasts>()
    })
}

fn tone_class(tone: Tone) -> &'static str {
    match tone {
        Tone::Success => "toast-success",
        Tone::Error => "toast-error",
        Tone::Info => "toast-info",
    }
}

#[component]
pub fn Toaster() -> impl IntoView {
    let toasts = use_toasts();
    view! {
        <div class="toaster" role="status" aria-live="polite">
            <For each=move || toasts.items.get() key=|toast| toast.id let:toast>
                <div class=format!("toast {}", tone_class(toast.tone)) data-testid="toast">
                    <div class="toast-head">
                        <strong>{toast.title.clone()}</strong>
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

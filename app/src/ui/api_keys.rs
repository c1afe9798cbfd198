//! Settings → API keys (admins): the keys scripts and other tools call the REST API with. A new
//! key is shown once, to copy; the list shows each key's first characters, who made it, when it
//! was last used, and revokes it for good.

use leptos::prelude::*;

use super::common::confirm;
use super::island_data::IslandData;
use super::toast::{Tone, use_toasts};
use crate::api::api_keys::{create_api_key, list_api_keys, revoke_api_key};
use crate::api::types::ApiKeyView;
use crate::model::SubAccountId;

#[island(lazy)]
pub fn ApiKeys(sub_account: SubAccountId, keys: IslandData<Vec<ApiKeyView>>) -> impl IntoView {
    let sa = StoredValue::new(sub_account.into_string());
    let toasts = use_toasts();
    let keys = RwSignal::new(keys.0);
    let name = RwSignal::new(String::new());
    let made = RwSignal::new(None::<String>);
    let problem = RwSignal::new(None::<String>);
    let create = Action::new(move |name: &String| create_api_key(sa.get_value().into(), name.clone()));
    // After a revoke the list is read again, so it shows when the server says the key ended.
    let revoke = Action::new(move |id: &String| {
        let id = id.clone();
        async move {
            revoke_api_key(sa.get_value().into(), id).await?;
            list_api_keys(sa.get_value().into()).await
        }
    });
    Effect::new(move |_| match create.value().get() {
        Some(Ok(new_key)) => {
            problem.set(None);
            name.set(String::new());
            made.set(Some(new_key.key));
            keys.update(|list| list.insert(0, new_key.view));
        }
        Some(Err(error)) => problem.set(Some(error.to_string())),
        None => {}
    });
    Effect::new(move |_| match revoke.value().get() {
        Some(Ok(list)) => {
            keys.set(list);
            toasts.show(
                Tone::Success,
                "Key revoked",
                vec![(Tone::Info, "Calls with it are refused from now on.".to_owned())],
            );
        }
        Some(Err(error)) => toasts.show(Tone::Error, "The key was not revoked", vec![(Tone::Error, error.to_string())]),
        None => {}
    });
    let on_submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        create.dispatch(name.get_untracked());
    };
    let copy = move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(key) = made.get_untracked() {
            let _ = window().navigator().clipboard().write_text(&key);
            toasts.show(Tone::Success, "Key copied", Vec::new());
        }
    };
    view! {
        <section class="card settings-section" aria-labelledby="api-keys-heading" data-testid="api-keys">
            <h2 id="api-keys-heading">"API keys"</h2>
            <p class="muted">
                "Scripts and other tools call OpsFlow's REST API with a key: it reads and changes this sub-account's \
                 workflows and sends it events. "
                <a href="/api/v1/docs">"API reference"</a>
            </p>
            {move || made.get().map(|key| view! {
                <div class="new-key" role="status">
                    <p><strong>"Copy this key now: it is not shown again."</strong></p>
                    <div class="field-row">
                        <input dir="auto" class="new-key-value" readonly value=key aria-label="New API key" data-testid="new-api-key"/>
                        <button type="button" class="button" on:click=copy>"Copy"</button>
                    </div>
                </div>
            })}
            {move || {
                let list = keys.get();
                (!list.is_empty()).then(|| view! {
                    <table class="table">
                        <thead>
                            <tr>
                                <th scope="col">"Name"</th>
                                <th scope="col">"Key"</th>
                                <th scope="col">"Made"</th>
                                <th scope="col">"Last used"</th>
                                <th scope="col"><span class="sr-only">"Status"</span></th>
                            </tr>
                        </thead>
                        <tbody>
                            {list.into_iter().map(|key| {
                                let id = key.id.clone();
                                let revoked = key.revoked_at.clone();
                                view! {
                                    <tr>
                                        <td data-label="Name">{key.name.clone()}</td>
                                        <td data-label="Key"><code>{format!("{}…", key.prefix)}</code></td>
                                        <td data-label="Made">{format!("{} by {}", key.created_at, key.created_by)}</td>
                                        <td data-label="Last used">{key.last_used_at.clone().unwrap_or_else(|| "Never".to_owned())}</td>
                                        <td class="actions">
                                            {(key.maker_not_admin && revoked.is_none()).then(|| view! {
                                                <span class="badge badge-error">
                                                    {format!("Stopped: {} is no longer an admin here", key.created_by)}
                                                </span>
                                            })}
                                            {match revoked {
                                                Some(at) => view! { <span class="badge">{format!("Revoked {at}")}</span> }.into_any(),
                                                None => view! {
                                                    <button
                                                        type="button"
                                                        class="button button-small button-danger"
                                                        aria-label=format!("Revoke {}", key.name)
                                                        on:click=move |_| {
                                                            if confirm("Revoke this key? Calls with it are refused from then on, for good.") {
                                                                revoke.dispatch(id.clone());
                                                            }
                                                        }
                                                    >"Revoke"</button>
                                                }.into_any(),
                                            }}
                                        </td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                })
            }}
            <form class="api-key-form" on:submit=on_submit>
                <div class="field">
                    <label for="api-key-name">"Name"</label>
                    <input dir="auto" id="api-key-name" maxlength="100" placeholder="What will use it, like “Zapier”"
                        prop:value=move || name.get() on:input=move |e| name.set(event_target_value(&e))/>
                </div>
                {move || problem.get().map(|text| view! { <div class="alert alert-error" role="alert">{text}</div> })}
                <button type="submit" class="button" disabled=move || create.pending().get()>"Make a key"</button>
            </form>
        </section>
    }
}

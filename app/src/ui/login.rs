//! Sign-in: a plain HTML form post to the page's own address, with or without the wasm. A refused
//! sign-in comes back as this page, rendered by the server with the email as typed and why.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::auth::safe_next;
use crate::api::types::RefusedSignIn;

#[component]
pub fn LoginPage() -> impl IntoView {
    let query = use_query_map();
    let next = move || safe_next(query.read().get("next").as_deref());
    let refused = use_context::<RefusedSignIn>();
    let email = refused.as_ref().map(|r| r.email.clone()).unwrap_or_default();
    // The address keeps `next`: the form posts back to the page it is on.
    let action = move || {
        format!(
            "/login{}",
            query
                .read()
                .get("next")
                .map(|n| format!("?next={}", super::common::encode_component(&n)))
                .unwrap_or_default()
        )
    };
    view! {
        <Title text="Sign in"/>
        <main class="login">
            <div class="card login-card">
                <h1 class="brand brand-large">
                    <span class="brand-mark" aria-hidden="true">"◆"</span>
                    "OpsFlow"
                </h1>
                <p class="muted">"Internal forms and workflow automation for your CRM team."</p>
                <form method="post" action=action>
                    <input type="hidden" name="next" value=next/>
                    <div class="field">
                        <label for="email">"Email"</label>
                        <input id="email" name="email" type="email" autocomplete="username" required value=email/>
                    </div>
                    <div class="field">
                        <label for="password">"Password"</label>
                        <input
                            id="password"
                            name="password"
                            type="password"
                            autocomplete="current-password"
                            required
                            autofocus=refused.is_some()
                        />
                    </div>
                    {refused.map(|r| view! { <p class="alert alert-error" role="alert">{r.message}</p> })}
                    <button type="submit" class="button button-primary button-block">"Sign in"</button>
                </form>
            </div>
        </main>
    }
}

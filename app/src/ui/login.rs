//! Sign-in: a plain HTML form post, with or without the wasm. A refused sign-in comes back as
//! the sign-in page with the server's error in its URL, which `ServerAction` reads there.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::auth::{SignIn, safe_next};

#[component]
pub fn LoginPage() -> impl IntoView {
    let sign_in = ServerAction::<SignIn>::new();
    let query = use_query_map();
    let next = move || safe_next(query.read().get("next").as_deref());
    let error = move || sign_in.value().get().and_then(Result::err).map(|e| e.to_string());
    view! {
        <Title text="Sign in"/>
        <main class="login">
            <div class="card login-card">
                <h1 class="brand brand-large">
                    <span class="brand-mark" aria-hidden="true">"◆"</span>
                    "OpsFlow"
                </h1>
                <p class="muted">"Internal forms and workflow automation for your CRM team."</p>
                <form method="post" action=SignIn::PATH>
                    <input type="hidden" name="next" value=next/>
                    <div class="field">
                        <label for="email">"Email"</label>
                        <input id="email" name="email" type="email" autocomplete="username" required/>
                    </div>
                    <div class="field">
                        <label for="password">"Password"</label>
                        <input id="password" name="password" type="password" autocomplete="current-password" required/>
                    </div>
                    {move || error().map(|message| view! { <p class="alert alert-error" role="alert">{message}</p> })}
                    <button type="submit" class="button button-primary button-block">"Sign in"</button>
                </form>
            </div>
        </main>
    }
}

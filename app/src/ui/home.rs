//! The agency view: the sub-accounts the signed-in user belongs to.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use super::common::{ErrorView, Loading, load_first};
use super::layout::TopBar;
use crate::api::AppError;
use crate::api::auth::me;
use crate::api::sub_accounts::list_sub_accounts;

#[component]
pub fn HomePage() -> impl IntoView {
    let data = load_first(async move {
        let user = me().await?.ok_or(AppError::NotSignedIn)?;
        Ok::<_, AppError>((user, list_sub_accounts().await?))
    });
    view! {
        <Title text="Sub-accounts"/>
        <Suspense fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok((user, sub_accounts)) => {
                        let agency = user.agency_name.clone();
                        view! {
                            <TopBar user/>
                            <main class="page">
                                <h1>{agency}</h1>
                                <p class="muted">"Each sub-account has its own templates, triggers and forms."</p>
                                <ul class="card-grid" aria-label="Sub-accounts">
                                    {sub_accounts
                                        .into_iter()
                                        .map(|s| {
                                            let pending = match s.pending_forms.unwrap_or_default() {
                                                0 => "No pending forms".to_owned(),
                                                1 => "1 pending form".to_owned(),
                                                n => format!("{n} pending forms"),
                                            };
                                            view! {
                                                <li class="card sub-account-card">
                                                    <A href=format!("/s/{}/inbox", s.id)>
                                                        <span class="card-title">{s.name}</span>
                                                        <span class="muted">{pending}</span>
                                                    </A>
                                                </li>
                                            }
                                        })
                                        .collect_view()}
                                </ul>
                            </main>
                        }
                        .into_any()
                    }
                    Err(error) => view! { <main class="page narrow"><ErrorView error/></main> }.into_any(),
                }
            })}
        </Suspense>
    }
}

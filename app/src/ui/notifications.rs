//! In-app notifications: what workflows' `send_notification` steps tell people. The bell in the
//! top bar counts the unread ones and follows the sub-account's event stream, so a new one
//! shows without a reload; the list marks them read (plain form posts).

use leptos::prelude::*;
use leptos_meta::Title;

use super::common::{ErrorPage, Loading, load_first, sub_account_id};
use crate::api::workflows::{NotificationView, notifications};
use crate::model::SubAccountId;

fn bell_label(unread: i64) -> String {
    match unread {
        0 => "Notifications, none unread".to_owned(),
        1 => "Notifications, 1 unread".to_owned(),
        n => format!("Notifications, {n} unread"),
    }
}

/// The bell: a link to the list with the unread count, kept current while the page is open.
#[island]
pub fn Bell(sub_account: SubAccountId, unread: i64) -> impl IntoView {
    let count = RwSignal::new(unread);
    // Said to screen readers when the count changes while the page is open (not on load).
    let announced = RwSignal::new(String::new());
    #[cfg(feature = "hydrate")]
    {
        let stream = format!("/s/{sub_account}/inbox/stream");
        let sub_account = sub_account.clone();
        // Each read gets a number and only the newest one's answer is shown: two reads in flight
        // (the stream opening, a change) may answer out of order.
        let latest = std::rc::Rc::new(std::cell::Cell::new(0_u64));
        super::live::on_change(&stream, true, move || {
            let (sub_account, latest) = (sub_account.clone(), latest.clone());
            let number = latest.get() + 1;
            latest.set(number);
            leptos::task::spawn_local(async move {
                if let Ok(unread) = crate::api::workflows::unread_notifications(sub_account).await
                    && latest.get() == number
                    && unread != count.get_untracked()
                {
                    count.set(unread);
                    announced.set(bell_label(unread));
                }
            });
        });
    }
    view! {
        <a
            href=format!("/s/{sub_account}/notifications")
            class="bell"
            data-testid="bell"
            aria-label=move || bell_label(count.get())
        >
            // Drawn, not an emoji: not every system has a font with one.
            <svg class="bell-icon" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
                <path d="M12 3a6 6 0 0 0-6 6v3.6L4.3 15.3A1 1 0 0 0 5.2 17h13.6a1 1 0 0 0 .9-1.7L18 12.6V9a6 6 0 0 0-6-6Zm-2.4 15.5a2.5 2.5 0 0 0 4.8 0Z" fill="currentColor"/>
            </svg>
            <span class="bell-count" aria-hidden="true" hidden=move || count.get() == 0>{move || count.get()}</span>
        </a>
        <span class="sr-only" role="status" data-testid="bell-announcement">{move || announced.get()}</span>
    }
}

#[component]
pub fn NotificationsPage() -> impl IntoView {
    let sa = sub_account_id().get_untracked();
    let list = load_first(notifications(sa.clone()));
    view! {
        <Title text="Notifications"/>
        <Suspense fallback=|| view! { <Loading/> }>
            {move || {
                let sa = sa.clone();
                Suspend::new(async move {
                    match list.await {
                        Ok(list) => {
                            let empty = list.items.is_empty();
                            let items = list.items.into_iter().map(|item| view! { <Item sa=sa.clone() item/> }).collect_view();
                            let unread = list.unread;
                            view! {
                                <div class="page-head">
                                    <h1>"Notifications"</h1>
                                    <span class="muted">{format!("{unread} unread")}</span>
                                    {(unread > 0).then(|| view! {
                                        <form method="post" action="/api/notifications/read" class="inline-form head-actions">
                                            <input type="hidden" name="sub_account" value=sa.to_string()/>
                                            <button type="submit" class="button">"Mark all read"</button>
                                        </form>
                                    })}
                                </div>
                                {empty.then(|| view! { <p class="empty">"Nothing yet. Workflows that notify you put their messages here."</p> })}
                                <ul class="notifications" data-testid="notifications">{items}</ul>
                            }
                            .into_any()
                        }
                        Err(error) => view! { <ErrorPage error back=format!("/s/{sa}/inbox") back_label="← Inbox"/> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn Item(sa: SubAccountId, item: NotificationView) -> impl IntoView {
    let NotificationView { id, title, message, link, created_at, read } = item;
    let title = match link {
        Some(link) => view! { <a href=link>{title}</a> }.into_any(),
        None => view! { <span>{title}</span> }.into_any(),
    };
    view! {
        <li class="notification" class:unread=!read>
            <div class="notification-head">
                <strong>{title}</strong>
                <span class="muted small">{created_at}</span>
                {(!read).then(|| view! {
                    <form method="post" action="/api/notifications/read" class="inline-form">
                        <input type="hidden" name="sub_account" value=sa.to_string()/>
                        <input type="hidden" name="notification" value=id/>
                        <button type="submit" class="button button-small">"Mark read"</button>
                    </form>
                })}
            </div>
            {(!message.is_empty()).then(|| view! { <p>{message}</p> })}
        </li>
    }
}

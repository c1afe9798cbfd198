//! The palette of field kinds and the canvas of fields. Dragging is one way to arrange fields;
//! every drag has a button and a shortcut that does the same, so keyboard, touch and
//! screen-reader users are not left out. Each move is announced.

use leptos::prelude::*;

use super::editor::Editor;
use crate::model::FieldKind;
use crate::model::editing::{duplicate_field, insert_field, move_field, remove_field};

/// What is being dragged: a new field from the palette, or a field of the canvas.
#[derive(Clone, Copy, PartialEq)]
enum Dragged {
    Kind(FieldKind),
    Field(usize),
}

/// The drag in progress and where it would land, shared by the palette and the canvas.
#[derive(Clone, Copy)]
pub struct Drag {
    dragged: RwSignal<Option<Dragged>>,
    /// The position a drop would insert at (before the field at that position).
    target: RwSignal<Option<usize>>,
}

impl Drag {
    pub fn new() -> Self {
        Self { dragged: RwSignal::new(None), target: RwSignal::new(None) }
    }

    fn start(&self, ev: &leptos::ev::DragEvent, what: Dragged) {
        // Firefox starts a drag only when it carries data; a private type, so dropping it on a
        // text box does not type anything.
        if let Some(data) = ev.data_transfer() {
            let _ = data.set_data("application/x-opsflow-field", "");
            data.set_effect_allowed("move");
        }
        self.dragged.set(Some(what));
    }

    fn end(&self) {
        self.dragged.set(None);
        self.target.set(None);
    }

    /// Drops what is dragged at position `at`.
    fn drop_at(&self, editor: Editor, at: usize) {
        let Some(dragged) = self.dragged.get_untracked() else { return };
        self.end();
        match dragged {
            Dragged::Kind(kind) => add_field(editor, at, kind),
            // Moving down, the field leaves a gap above the drop point.
            Dragged::Field(from) => move_to(editor, from, if at > from { at - 1 } else { at }),
        }
    }
}

fn add_field(editor: Editor, at: usize, kind: FieldKind) {
    let mut landed = 0;
    editor.edit(|t| landed = insert_field(&mut t.fields, at, kind));
    editor.selected.set(Some(landed));
    let count = editor.template.with_untracked(|t| t.fields.len());
    editor.announcement.set(format!("Added {} at position {} of {count}.", kind.label(), landed + 1));
    reveal_selected();
}

/// Scrolls the selected field into view once it is rendered: on a phone the form is below the
/// palette, and a tapped kind must not land out of sight.
fn reveal_selected() {
    #[cfg(feature = "hydrate")]
    request_animation_frame(|| {
        if let Ok(Some(row)) = document().query_selector(".canvas-row.selected") {
            let options = web_sys::ScrollIntoViewOptions::new();
            options.set_block(web_sys::ScrollLogicalPosition::Center);
            row.scroll_into_view_with_scroll_into_view_options(&options);
        }
    });
}

/// Moves a field and keeps it selected, announcing where it went.
pub fn move_to(editor: Editor, from: usize, to: usize) {
    let count = editor.template.with_untracked(|t| t.fields.len());
    if to >= count || from == to {
        return;
    }
    let label = editor.label_at(from);
    editor.edit(|t| {
        move_field(&mut t.fields, from, to);
    });
    editor.selected.set(Some(to));
    editor.announcement.set(format!("Moved “{label}” to position {} of {count}.", to + 1));
}

#[component]
pub fn Palette(editor: Editor, drag: Drag) -> impl IntoView {
    // On a phone the palette folds away under its heading, so the form stays in view; a tap
    // on a kind adds it and folds the palette again.
    let open = RwSignal::new(false);
    view! {
        <section class="builder-pane palette" class:is-open=move || open.get() aria-labelledby="palette-title">
            <h2 id="palette-title">"Add a field"</h2>
            <button
                type="button"
                class="button button-small palette-toggle"
                aria-expanded=move || open.get().to_string()
                aria-controls="palette-list"
                on:click=move |_| open.update(|o| *o = !*o)
            >
                {move || if open.get() { "Hide field kinds" } else { "Show field kinds" }}
            </button>
            <p class="hint">
                <span class="hint-pointer">"Drag onto the form, or click to add at the end."</span>
                <span class="hint-touch">"Tap a kind to add it at the end of the form."</span>
            </p>
            <ul class="palette-list" id="palette-list">
                {FieldKind::ALL
                    .into_iter()
                    .map(|kind| {
                        view! {
                            <li>
                                <button
                                    type="button"
                                    class="palette-item"
                                    draggable="true"
                                    data-kind=kind.label()
                                    on:dragstart=move |ev| drag.start(&ev, Dragged::Kind(kind))
                                    on:dragend=move |_| drag.end()
                                    on:click=move |_| {
                                        let end = editor.template.with_untracked(|t| t.fields.len());
                                        add_field(editor, end, kind);
                                        open.set(false);
                                    }
                                >
                                    <span class="kind-icon" aria-hidden="true">{kind_icon(kind)}</span>
                                    {kind.label()}
                                </button>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </section>
    }
}

/// A one-glyph hint of each kind, for scanning the palette and the canvas.
pub fn kind_icon(kind: FieldKind) -> &'static str {
    match kind {
        FieldKind::ShortText => "T",
        FieldKind::LongText => "¶",
        FieldKind::Number => "#",
        FieldKind::Currency => "$",
        FieldKind::Date => "▦",
        FieldKind::Dropdown => "▾",
        FieldKind::Radio => "◉",
        FieldKind::MultiSelect => "☰",
        FieldKind::Checkbox => "☑",
        FieldKind::Phone => "☎",
        FieldKind::Email => "@",
        FieldKind::Section => "§",
    }
}

#[component]
pub fn Canvas(editor: Editor, drag: Drag) -> impl IntoView {
    let keys = move || editor.template.with(|t| t.fields.iter().map(|f| f.key.clone()).collect::<Vec<_>>());
    let count = move || editor.template.with(|t| t.fields.len());
    let end_target = move || drag.target.get() == Some(count()) && drag.dragged.with(Option::is_some);
    view! {
        <section class="builder-pane canvas" aria-labelledby="canvas-title">
            <h2 id="canvas-title">"Form"</h2>
            <p class="hint" id="canvas-help">
                "Select a field to edit it. Alt+↑ and Alt+↓ move the selected field."
            </p>
            <ol class="canvas-list" aria-describedby="canvas-help">
                <For each=keys key=|key| key.clone() let:key>
                    <CanvasRow editor drag field_key=key/>
                </For>
                <li
                    class="canvas-end"
                    class:drop-before=end_target
                    on:dragover=move |ev| {
                        ev.prevent_default();
                        drag.target.set(Some(count()));
                    }
                    on:drop=move |ev| {
                        ev.prevent_default();
                        drag.drop_at(editor, count());
                    }
                >
                    {move || if count() == 0 { "Drag a field here to start." } else { "Drop here to add at the end." }}
                </li>
            </ol>
        </section>
    }
}

/// What a canvas row shows of its field. One memo per row: an edit elsewhere recomputes it, finds
/// it unchanged and touches nothing on screen, which keeps a 200-field canvas quick.
#[derive(Clone, Default, PartialEq)]
struct RowView {
    label: String,
    kind: Option<FieldKind>,
    required: bool,
    conditional: bool,
}

#[component]
fn CanvasRow(editor: Editor, drag: Drag, field_key: String) -> impl IntoView {
    let key = StoredValue::new(field_key);
    let index = Memo::new(move |_| key.with_value(|key| editor.position_of(key)).unwrap_or(0));
    let view_of = Memo::new(move |_| {
        editor.template.with(|t| {
            t.fields
                .get(index.get())
                .map(|f| RowView {
                    label: if f.label.trim().is_empty() { "(no label)".to_owned() } else { f.label.clone() },
                    kind: Some(f.kind),
                    required: f.required,
                    conditional: f.show_if.is_some(),
                })
                .unwrap_or_default()
        })
    });
    let label = move || view_of.with(|v| v.label.clone());
    let kind = move || view_of.with(|v| v.kind.map(FieldKind::label).unwrap_or_default());
    let icon = move || view_of.with(|v| v.kind.map(kind_icon).unwrap_or_default());
    let flags = move || view_of.with(|v| (v.required, v.conditional));
    let problems = Memo::new(move |_| key.with_value(|key| editor.problems_of(key).len()));
    let selected = move || editor.selected.get() == Some(index.get());
    let count = move || editor.field_count();
    // (Comparisons stay out of `view!`, whose parser would read `>` as the end of a tag.)
    let is_first = move || index.get() == 0;
    let is_last = move || index.get() + 1 >= count();
    let row_id = move || key.with_value(|key| format!("row-{key}"));

    let select = move || editor.selected.set(Some(index.get_untracked()));
    let step = move |down: bool| {
        let from = index.get_untracked();
        let to = if down { from + 1 } else { from.wrapping_sub(1) };
        move_to(editor, from, to);
        refocus(&row_id());
    };
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        if ev.alt_key() && (ev.key() == "ArrowUp" || ev.key() == "ArrowDown") {
            ev.prevent_default();
            step(ev.key() == "ArrowDown");
        }
    };
    let duplicate = move |_| {
        let from = index.get_untracked();
        let mut copy = None;
        editor.edit(|t| copy = duplicate_field(&mut t.fields, from));
        editor.selected.set(copy);
        editor.announcement.set(format!("Duplicated “{}”.", editor.label_at(from)));
    };
    let remove = move |_| {
        let at = index.get_untracked();
        let label = editor.label_at(at);
        editor.edit(|t| {
            remove_field(&mut t.fields, at);
        });
        let left = count();
        editor.selected.set(if left == 0 { None } else { Some(at.min(left - 1)) });
        editor.announcement.set(format!("Removed “{label}”. Undo with Ctrl+Z."));
    };
    let over = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        let at = index.get_untracked();
        drag.target.set(Some(if in_lower_half(&ev) { at + 1 } else { at }));
    };
    let drop_before = move || drag.dragged.with(Option::is_some) && drag.target.get() == Some(index.get());
    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        let at = index.get_untracked();
        drag.drop_at(editor, if in_lower_half(&ev) { at + 1 } else { at });
    };
    let has_problem = move || problems.get() != 0;

    view! {
        <li
            class="canvas-row"
            class:selected=selected
            class:drop-before=drop_before
            class:has-problem=has_problem
            draggable="true"
            data-field=move || key.get_value()
            on:dragstart=move |ev| drag.start(&ev, Dragged::Field(index.get_untracked()))
            on:dragend=move |_| drag.end()
            on:dragover=over
            on:drop=on_drop
        >
            <button
                type="button"
                class="row-main"
                id=row_id
                aria-pressed=move || selected().to_string()
                aria-keyshortcuts="Alt+ArrowUp Alt+ArrowDown"
                on:click=move |_| select()
                on:focus=move |_| select()
                on:keydown=on_keydown
            >
                <span class="kind-icon" aria-hidden="true">{icon}</span>
                <span class="row-text">
                    <span class="row-label">{label}</span>
                    <span class="row-kind">
                        {kind}
                        {move || flags().0.then_some(" · required")}
                        {move || flags().1.then_some(" · shown conditionally")}
                    </span>
                </span>
                {move || {
                    let n = problems.get();
                    (n != 0).then(|| view! {
                        <span class="badge badge-error">{if n == 1 { "1 problem".to_owned() } else { format!("{n} problems") }}</span>
                    })
                }}
            </button>
            <span class="row-actions">
                <button type="button" class="icon-button" aria-label=move || format!("Move {} up", label())
                    disabled=is_first on:click=move |_| step(false)>"↑"</button>
                <button type="button" class="icon-button" aria-label=move || format!("Move {} down", label())
                    disabled=is_last on:click=move |_| step(true)>"↓"</button>
                <button type="button" class="icon-button" aria-label=move || format!("Duplicate {}", label())
                    on:click=duplicate>"❐"</button>
                <button type="button" class="icon-button danger" aria-label=move || format!("Delete {}", label())
                    on:click=remove>"✕"</button>
            </span>
        </li>
    }
}

/// Whether the pointer is over the lower half of the row: dropping there inserts after it.
fn in_lower_half(ev: &leptos::ev::DragEvent) -> bool {
    use wasm_bindgen::JsCast;
    let Some(row) = ev.current_target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) else { return false };
    let rect = row.get_bounding_client_rect();
    f64::from(ev.client_y()) > rect.top() + rect.height() / 2.0
}

/// Puts focus back on an element after the view has caught up with a change (a moved row is
/// re-inserted, which drops focus).
pub fn refocus(id: &str) {
    #[cfg(feature = "hydrate")]
    {
        let id = id.to_owned();
        request_animation_frame(move || {
            use wasm_bindgen::JsCast;
            let element = document().get_element_by_id(&id);
            if let Some(element) = element.and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
                let _ = element.focus();
            }
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = id;
}

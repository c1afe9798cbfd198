// OpsFlow's island loader: why it differs from Leptos' own is in client_scripts.rs.
((jsUrl, wasmUrl) => {
  const childrenCallbacks = [];
  const failures = [];
  let alive = false;
  let broken = false;
  let notice = null;

  function say(text) {
    if (!notice) {
      notice = document.createElement('div');
      notice.className = 'client-notice';
      notice.setAttribute('role', 'alert');
      notice.dataset.testid = 'client-notice';
      const reload = document.createElement('button');
      reload.type = 'button';
      reload.className = 'button primary';
      reload.textContent = 'Reload';
      reload.addEventListener('click', () => window.location.reload());
      notice.append(document.createElement('p'), reload);
      document.body.prepend(notice);
    }
    notice.firstChild.textContent = text;
  }

  function failed(error) {
    if (broken) return;
    broken = true;
    clearTimeout(slow);
    console.error('OpsFlow could not start this page:', error);
    say(alive
      ? 'Something went wrong on this page, so its buttons and fields may not respond. Reload to try again.'
      : 'This page did not finish loading, so its buttons and fields may not respond. Reload to try again.');
  }

  const slow = setTimeout(() => {
    say('This page is taking long to load; its buttons and fields may not respond yet. Reload to try again.');
  }, 15000);

  // A panic traps the wasm outside the loader's promises (a lazy chunk that did not load panics in
  // its load callback): while the page starts any uncaught error means it did not — and the page
  // stays marked as not alive, since what the error broke cannot be known; later, only a trap.
  window.addEventListener('error', (event) => {
    if (!alive || event.error instanceof WebAssembly.RuntimeError) failed(event.error ?? event.message);
  });
  window.addEventListener('unhandledrejection', (event) => {
    if (!alive) failed(event.reason);
  });

  // The option a select shows when nothing was chosen: the last one marked `selected`, else the
  // first that can be chosen.
  function renderedChoice(select) {
    const options = [...select.options];
    const marked = options.findLastIndex((option) => option.defaultSelected);
    return marked >= 0 ? marked : options.findIndex((option) => !option.disabled);
  }

  // The island's own boxes whose value is not the one the server rendered: restored by the
  // browser (Back to a page it did not keep alive) or typed before the island came alive.
  // Boxes marked `autocomplete="off"` act at once when changed (moving a deal): the browser does
  // not restore them, and neither is a value typed before the island came alive replayed.
  function changedBoxes(element) {
    const own = (box) => box.closest('leptos-island') === element && box.autocomplete !== 'off'
      && !['hidden', 'file', 'submit', 'button', 'reset', 'image'].includes(box.type);
    const changed = (box) => {
      if (box.type === 'checkbox') return box.checked !== box.defaultChecked;
      // A radio group changed is heard through the radio now checked.
      if (box.type === 'radio') return box.checked && !box.defaultChecked;
      if (box.tagName === 'SELECT') {
        return box.multiple
          ? [...box.options].some((option) => option.selected !== option.defaultSelected)
          : box.selectedIndex !== renderedChoice(box);
      }
      return box.value !== box.defaultValue;
    };
    return [...element.querySelectorAll('input, textarea, select')].filter((box) => own(box) && changed(box))
      .map((box) => ({
        box,
        value: box.value,
        checked: box.checked,
        chosen: box.tagName === 'SELECT' ? [...box.options].map((option) => option.selected) : null,
      }));
  }

  async function hydrateIsland(element, id, mod) {
    const islandFn = mod[id];
    // A page newer than the client it loaded (a release under way, a cached file).
    if (!islandFn) throw new Error(`The client has no island ${id}.`);
    const childrenCallback = childrenCallbacks[childrenCallbacks.length - 1];
    if (childrenCallback) childrenCallback();
    const changed = changedBoxes(element);
    await islandFn(element);
    // What a box shows is what the island saves: it hears each such value as if typed now.
    for (const { box, value, checked, chosen } of changed) {
      if (box.type === 'checkbox' || box.type === 'radio') box.checked = checked;
      else if (chosen) chosen.forEach((selected, i) => { box.options[i].selected = selected; });
      else box.value = value;
      box.dispatchEvent(new Event('input', { bubbles: true }));
      box.dispatchEvent(new Event('change', { bubbles: true }));
    }
  }

  // Depth first, in document order, as Leptos does: an island's children after it. One island
  // that fails does not keep the others dead. Children are copied before the walk: the notice is
  // put at the top of the body while it may be under way, and a live list would then visit a
  // child (and hydrate its islands) twice.
  async function traverse(node, mod) {
    if (node.nodeType !== Node.ELEMENT_NODE) return;
    const tag = node.tagName.toLowerCase();
    if (tag === 'leptos-island') {
      try {
        await hydrateIsland(node, node.dataset.component || null, mod);
      } catch (error) {
        failures.push(error);
      }
    } else if (tag === 'leptos-children') {
      childrenCallbacks.push(node.$$on_hydrate);
    }
    for (const child of [...node.children]) await traverse(child, mod);
    if (tag === 'leptos-children') childrenCallbacks.pop();
  }

  import(jsUrl)
    .then(async (mod) => {
      window.__hydrateIsland = (element, id) => hydrateIsland(element, id, mod);
      await mod.default({ module_or_path: wasmUrl });
      mod.hydrate();
      await traverse(document.body, mod);
      if (failures.length) throw failures.length === 1 ? failures[0] : new AggregateError(failures, `${failures.length} islands failed`);
      if (broken) return;
      alive = true;
      clearTimeout(slow);
      notice?.remove();
      notice = null;
      document.body.dataset.hydrated = 'true';
    })
    .catch(failed);
})

// Measures how the template builder keeps up with a 200-field template in Chromium: the time
// from an input event to the next painted frame, for the edits an admin makes most.
//   node bench/builder-200.mjs http://127.0.0.1:3200
// Prints the median and 95th percentile of each, in milliseconds. Run by scripts/bench-builder.sh.
import { chromium } from '@playwright/test';

const base = process.argv[2] ?? 'http://127.0.0.1:3200';
const samples = Number(process.env.SAMPLES ?? 40);

/** 200 fields of every kind; every fifth is shown by a rule on a dropdown before it. */
function bigTemplate() {
  const kinds = ['short_text', 'long_text', 'number', 'currency', 'date', 'dropdown', 'radio', 'multi_select',
    'checkbox', 'phone', 'email'];
  const fields = [];
  let lastDropdown = null;
  for (let i = 0; i < 200; i++) {
    const kind = i % 20 === 19 ? 'section' : kinds[i % kinds.length];
    const field = { key: `field_${i}`, label: `Question ${i + 1}`, kind };
    if (['dropdown', 'radio', 'multi_select'].includes(kind)) field.options = ['Yes', 'No', 'Maybe'];
    if (i % 5 === 4 && lastDropdown && kind !== 'section') {
      field.show_if = { logic: 'OR', rules: [{ field: lastDropdown, operator: 'not_equals', value: 'No' }] };
    }
    if (kind === 'dropdown') lastDropdown = field.key;
    fields.push(field);
  }
  return { format: 'opsflow-template/1', template: { name: 'Two hundred fields', fields } };
}

/** Runs `act` in the page `samples` times; each sample is input event → next frame. */
async function measure(page, label, act) {
  const times = [];
  for (let i = 0; i < samples; i++) {
    times.push(await page.evaluate(act, i));
  }
  times.sort((a, b) => a - b);
  const at = (q) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
  console.log(`${label.padEnd(44)} median ${at(0.5).toFixed(1).padStart(6)} ms   p95 ${at(0.95).toFixed(1).padStart(6)} ms`);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
const page = await browser.newPage({ baseURL: base, viewport: { width: 1440, height: 900 } });
await page.goto('/login');
await page.getByLabel('Email').fill('admin@opsflow.test');
await page.getByLabel('Password').fill('opsflow-admin');
await page.getByRole('button', { name: 'Sign in' }).click();
await page.getByRole('link', { name: 'Acme Plumbing' }).click();
await page.getByRole('navigation', { name: 'Sub-account' }).getByRole('link', { name: 'Templates' }).click();
// The template list is a lazy island: wait for its code before choosing the file.
await page.locator('body[data-hydrated="true"]').waitFor({ state: 'attached' });
await page.locator('#import-file').setInputFiles({
  name: 'big.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(bigTemplate())),
});
await page.locator('[data-testid="builder"], [data-testid="import-problems"]').first().waitFor();
await page.locator('body[data-hydrated="true"]').waitFor({ state: 'attached' });
if (await page.getByTestId('import-problems').count()) {
  throw new Error(`the template was not imported: ${await page.getByTestId('import-problems').innerText()}`);
}
console.log(`builder with ${await page.locator('.canvas-row').count()} fields, ${samples} samples each`);

// Everything is measured inside the page, so the test driver's latency is not counted.
const nextFrame = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
await page.evaluate(`window.__nextFrame = ${nextFrame.toString()}`);

await measure(page, 'type in a preview field (field 198)', async (i) => {
  const input = document.querySelector('.preview-form #f-field_197');
  const t0 = performance.now();
  input.value = 'x'.repeat(i + 1);
  input.dispatchEvent(new Event('input', { bubbles: true }));
  await window.__nextFrame();
  return performance.now() - t0;
});

await measure(page, 'answer a dropdown (every rule re-evaluated)', async (i) => {
  const select = document.querySelector('.preview-form #f-field_5');
  const t0 = performance.now();
  select.value = ['Yes', 'No', 'Maybe'][i % 3];
  select.dispatchEvent(new Event('change', { bubbles: true }));
  await window.__nextFrame();
  return performance.now() - t0;
});

await page.locator('.canvas-row').nth(100).locator('.row-main').click();
await measure(page, 'type in the selected field’s label', async (i) => {
  const input = document.querySelector('#p-label');
  const t0 = performance.now();
  input.value = `Question ${i}`;
  input.dispatchEvent(new Event('input', { bubbles: true }));
  await window.__nextFrame();
  return performance.now() - t0;
});

await measure(page, 'move a field with Alt+↓ / Alt+↑', async (i) => {
  const button = document.activeElement?.classList.contains('row-main')
    ? document.activeElement
    : document.querySelector('.canvas-row.selected .row-main');
  const t0 = performance.now();
  button.dispatchEvent(new KeyboardEvent('keydown', { key: i % 2 ? 'ArrowUp' : 'ArrowDown', altKey: true, bubbles: true }));
  await window.__nextFrame();
  return performance.now() - t0;
});

// A whole drag and drop, from `source` onto the top edge of `target`, timed to the next frame.
const dragOnto = async (source, target) => {
  const data = new DataTransfer();
  const t0 = performance.now();
  source.dispatchEvent(new DragEvent('dragstart', { bubbles: true, dataTransfer: data }));
  const box = target.getBoundingClientRect();
  const at = { bubbles: true, cancelable: true, dataTransfer: data, clientX: box.left + 10, clientY: box.top + 2 };
  target.dispatchEvent(new DragEvent('dragover', at));
  target.dispatchEvent(new DragEvent('drop', at));
  source.dispatchEvent(new DragEvent('dragend', { bubbles: true, dataTransfer: data }));
  await window.__nextFrame();
  return performance.now() - t0;
};
await page.evaluate(`window.__dragOnto = ${dragOnto.toString()}`);

await measure(page, 'drag a field from position 10 to 150', () => {
  const rows = document.querySelectorAll('.canvas-row');
  return window.__dragOnto(rows[10], rows[150]);
});

await measure(page, 'drop a new field from the palette at 100', () => {
  const item = document.querySelector('.palette-item[data-kind="Short text"]');
  return window.__dragOnto(item, document.querySelectorAll('.canvas-row')[100]);
});

await browser.close();

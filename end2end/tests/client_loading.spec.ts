import { expect, hydrated, openSubAccount, signIn, snap, test } from './helpers';

// How a page's client starts (app/src/ui/client_loader.js): without waiting for idle time, which
// Chromium may never grant a cross-origin frame (OpsFlow inside HighLevel), and, when a file of
// the client does not arrive, by saying so and offering a reload instead of looking alive.

test('a page comes alive when the browser never grants idle time', async ({ page }) => {
  // What Chromium does to a cross-origin frame nobody has clicked in: idle callbacks never run.
  await page.addInitScript(() => {
    window.requestIdleCallback = () => 0;
  });
  await signIn(page);
  await openSubAccount(page, 'Acme Plumbing');
  await page.getByRole('navigation', { name: 'Sub-account' }).getByRole('link', { name: 'Settings' }).click();
  await hydrated(page);
  await page.getByLabel('Create a form from').selectOption({ label: 'Call Disposition' });
  await expect(page.getByRole('button', { name: 'Add trigger' })).toBeEnabled();
});

test('a client that does not load says so and offers a reload', async ({ page, browserErrors }) => {
  browserErrors.allow(/opsflow\.wasm: Failed to load resource: net::ERR_FAILED/);
  browserErrors.allow(/OpsFlow could not start this page/);
  await signIn(page);
  await openSubAccount(page, 'Acme Plumbing');
  const url = page.url().replace(/\/inbox$/, '/settings');
  await page.route('**/pkg/opsflow.wasm', (route) => route.abort('failed'));
  await page.goto(url);
  const notice = page.getByTestId('client-notice');
  await expect(notice).toContainText('This page did not finish loading, so its buttons and fields may not respond.');
  await expect(page.locator('body[data-hydrated]')).toHaveCount(0);
  await snap(page, '90-client-did-not-load');

  // The file arrives again: Reload brings the page alive, and the notice is gone.
  await page.unroute('**/pkg/opsflow.wasm');
  await notice.getByRole('button', { name: 'Reload' }).click();
  await hydrated(page);
  await expect(notice).toHaveCount(0);
});

test('a lazy island whose chunk does not load says so', async ({ page, browserErrors }) => {
  browserErrors.allow(/chunk_\d+\.wasm: Failed to load resource: net::ERR_FAILED/);
  // Leptos' lazy loader logs the failed fetch, then panics; the panic traps the wasm.
  browserErrors.allow(/__wasm_split\.[_a-z0-9]+\.js: TypeError: Failed to fetch/);
  browserErrors.allow(/panicked at .*\n\s*load callback should succeed/);
  browserErrors.allow(/page error at .*\/templates: unreachable/);
  browserErrors.allow(/OpsFlow could not start this page/);
  await signIn(page);
  await openSubAccount(page, 'Acme Plumbing');
  await page.route('**/pkg/chunk_*.wasm', (route) => route.abort('failed'));
  // The template list is a lazy island: its code is a chunk of its own.
  await page.getByRole('navigation', { name: 'Sub-account' }).getByRole('link', { name: 'Templates' }).click();
  await expect(page.getByTestId('client-notice')).toContainText('This page did not finish loading');
  await expect(page.locator('body[data-hydrated]')).toHaveCount(0);
  await snap(page, '91-client-chunk-did-not-load');
});

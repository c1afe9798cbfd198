import { expect, hydrated, openSubAccount, signIn, snap, staff, test } from './helpers';

// An admin makes an API key in Settings, sees it once, calls the Workflows API with it, and
// revokes it; staff never see keys. The API reference page reads without a script.

test('an API key is made once, calls the Workflows API, and is revoked', async ({ page, browser }) => {
  await signIn(page);
  await openSubAccount(page, 'Acme Plumbing');
  await page.getByRole('link', { name: 'Settings' }).click();
  await hydrated(page);
  const keys = page.getByTestId('api-keys');
  await keys.getByLabel('Name').fill('Zapier');
  await keys.getByRole('button', { name: 'Make a key' }).click();
  const shown = page.getByTestId('new-api-key');
  await expect(shown).toHaveValue(/^opsf_[A-Za-z0-9_-]{40,}$/);
  await expect(keys.getByText('Copy this key now: it is not shown again.')).toBeVisible();
  const key = await shown.inputValue();
  await snap(page, '52a-api-key-made');

  // The key works from outside a page: a script creates a workflow and lists it.
  const auth = { authorization: `Bearer ${key}` };
  const workflow = {
    name: 'Wait, then nothing',
    triggerModule: 'leads',
    triggerType: 'lead_created',
    actions: [{ actionType: 'wait', config: { amount: 1, unit: 'hours' }, sortOrder: 1 }],
  };
  const created = await page.request.post('/api/v1/workflows', { headers: auth, data: workflow });
  expect(created.status()).toBe(201);
  expect((await created.json()).version).toBe(1);
  const listed = await page.request.get('/api/v1/workflows', { headers: auth });
  expect((await listed.json()).map((w: { name: string }) => w.name)).toContain('Wait, then nothing');

  // Back on Settings the secret is gone; the key is listed by its first characters, used.
  await page.reload();
  await hydrated(page);
  await expect(page.getByTestId('new-api-key')).toHaveCount(0);
  const row = keys.getByRole('row', { name: /Zapier/ });
  await expect(row).toContainText(key.slice(0, 9));
  await expect(row).not.toContainText('Never');
  expect(await page.content()).not.toContain(key);

  page.once('dialog', (dialog) => dialog.accept());
  await row.getByRole('button', { name: 'Revoke Zapier' }).click();
  await expect(row).toContainText('Revoked');
  await snap(page, '52b-api-key-revoked');
  const refused = await page.request.get('/api/v1/workflows', { headers: auth });
  expect(refused.status()).toBe(401);
  expect((await refused.json()).error).toBe('api_key_required');

  // Staff see no keys.
  const staffContext = await browser.newContext({ baseURL: test.info().project.use.baseURL });
  const staffPage = await staffContext.newPage();
  await signIn(staffPage, staff);
  await openSubAccount(staffPage, 'Acme Plumbing');
  await staffPage.getByRole('link', { name: 'Settings' }).click();
  await hydrated(staffPage);
  await expect(staffPage.getByTestId('api-keys')).toHaveCount(0);
  await staffContext.close();

  // The reference, generated from the same document as /api/v1/openapi.json.
  await page.goto('/api/v1/docs');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('OpsFlow API, version 1');
  await expect(page.getByText('/api/v1/workflows/{id}/toggle')).toBeVisible();
  await snap(page, '52c-api-reference');
});

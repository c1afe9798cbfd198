import { expect, test } from '@playwright/test';
import { signIn, snap, subAccountIdFrom } from './helpers';

// With JavaScript disabled: sign-in is a plain form post, and pages render on the server.
test('a form renders without JavaScript', async ({ page }) => {
  await signIn(page);
  await page.getByRole('link', { name: 'Brightside Dental' }).click();
  await expect(page.getByTestId('sub-account-name')).toHaveText('Brightside Dental');
  const sa = subAccountIdFrom(page.url());

  // Set up a pending form through the same server functions the UI calls, as the page would
  // (a browser names the page's origin; OpsFlow refuses changes without it).
  const headers = { origin: new URL(page.url()).origin };
  const templates = await (await page.request.post('/api/templates/list', { headers, form: { sub_account: sa } })).json();
  const template = templates.find((t: { name: string }) => t.name === 'Call Disposition');
  const added = await page.request.post('/api/triggers/add', {
    headers,
    data: { sub_account: sa, config: { event: { type: 'call_completed' }, template_id: template.id, writebacks: { note: true } } },
  });
  expect(added.ok()).toBeTruthy();
  const board = await (await page.request.post('/api/crm/board', { headers, form: { sub_account: sa } })).json();
  const contact = board.contacts[0];
  const logged = await page.request.post('/api/crm/log_call', {
    headers,
    form: { sub_account: sa, contact_id: contact.id, summary: 'Booked a check-up', transcript: '' },
  });
  expect(logged.ok()).toBeTruthy();

  await page.goto(`/s/${sa}/inbox`);
  const row = page
    .getByTestId('pending-forms')
    .getByRole('row', { name: new RegExp(contact.name) })
    .filter({ hasText: 'Call Disposition' });
  await expect(row).toContainText('Call Completed');
  await row.getByRole('link', { name: 'Open' }).click();

  await expect(page.getByRole('heading', { name: 'Call Disposition' })).toBeVisible();
  await expect(page.getByLabel('Call outcome')).toBeVisible();
  await expect(page.getByLabel('Call notes')).toBeVisible();
  await expect(page.getByLabel('Callback date')).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Submit' })).toBeVisible();
  await snap(page, '11-form-without-javascript');
});

// Sign-in is a plain form post: a refusal comes back as the sign-in page with the server's message.
test('a refused sign-in explains itself without JavaScript', async ({ page }) => {
  await page.goto('/login');
  await page.getByLabel('Email').fill('admin@opsflow.test');
  await page.getByLabel('Password').fill('not-the-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/login/);
  await expect(page.getByRole('alert')).toHaveText('That email and password do not match an account.');
  await signIn(page);
  await expect(page.getByRole('link', { name: 'Acme Plumbing' })).toBeVisible();
});

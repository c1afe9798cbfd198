import { expect, signIn, snap, subAccountIdFrom, test } from './helpers';

// With JavaScript disabled: sign-in is a plain form post, and pages render on the server.
test('a form can be filled in and submitted without JavaScript', async ({ page, browserErrors }) => {
  // The form sent with a required answer missing is answered 422, with the problems.
  browserErrors.allowRefusal(422, /\/s\/[0-9a-f]+\/forms\/[0-9a-f]+/);
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
  // (Playwright's text search skips <noscript>; the notice is found by its class.)
  await expect(page.locator('.noscript-notice')).toContainText('JavaScript is off. Forms can still be filled in and submitted');
  await expect(page.getByLabel('Call outcome')).toBeVisible();
  await expect(page.getByLabel('Call notes')).toBeVisible();
  // Nothing shows or hides fields here: every conditional field is shown, with when it applies.
  await expect(page.getByLabel('Callback date')).toBeVisible();
  await expect(page.getByText('Answer only if “Call outcome” equals “Callback requested”.').first()).toBeVisible();
  await expect(page.getByText('Answer only if “Interest level” is one of “Hot”, “Warm”.')).toBeVisible();
  await snap(page, '11-form-without-javascript');

  // Submitted with a mistake: the page comes back with the answers as typed and what is wrong.
  const form = page.url();
  await page.getByLabel('Call outcome').selectOption('Interested');
  await page.getByLabel('Hot').check();
  await page.getByLabel('Stated budget').fill('1,5');
  await page.getByLabel('Call notes').fill('Wants a quote <soon> & a visit');
  await page.getByRole('button', { name: 'Submit' }).click();
  await expect(page).toHaveURL(form);
  await expect(page.getByText('Enter an amount with at most two decimals')).toBeVisible();
  await expect(page.getByLabel('Stated budget')).toHaveValue('1,5');
  await expect(page.getByLabel('Call notes')).toHaveValue('Wants a quote <soon> & a visit');
  await expect(page.getByLabel('Hot')).toBeChecked();
  await expect(page.getByLabel('Call outcome')).toHaveValue('Interested');
  expect(new URL(page.url()).search).toBe('');
  await snap(page, '11b-form-without-javascript-refused');

  // Corrected: the completed form, recorded once.
  await page.getByLabel('Stated budget').fill('1500');
  await page.getByRole('button', { name: 'Submit' }).click();
  await expect(page).toHaveURL(form);
  await expect(page.getByText('Submitted by Avery Admin')).toBeVisible();
  await expect(page.getByTestId('responses')).toContainText('$1,500.00');
  await expect(page.getByTestId('responses')).toContainText('Wants a quote <soon> & a visit');
  await snap(page, '11c-form-without-javascript-submitted');
});

// Sign-in is a plain form post: a refusal comes back as the sign-in page with the server's message.
test('a refused sign-in explains itself without JavaScript', async ({ page, browserErrors }) => {
  // The refused sign-in is answered 401.
  browserErrors.allowRefusal(401, /\/login/);
  await page.goto('/login');
  await page.getByLabel('Email').fill('admin@opsflow.test');
  await page.getByLabel('Password').fill('not-the-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByRole('alert')).toHaveText('That email and password do not match an account.');
  // The email stays; the address carries no error codes or internal parameters.
  await expect(page.getByLabel('Email')).toHaveValue('admin@opsflow.test');
  expect(page.url()).not.toMatch(/__err|__path/);
  await signIn(page);
  await expect(page.getByRole('link', { name: 'Acme Plumbing' })).toBeVisible();
});

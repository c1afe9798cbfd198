import { expect, hydrated, openSubAccount, signIn, snap, subAccountIdFrom, test } from './helpers';

// The whole loop in the browser: a trigger, a move on the board, a live inbox, a conditional
// form, writebacks on the contact, and the completed view.
test.describe.configure({ mode: 'serial' });

test('stage change → pending form → conditional form → writebacks', async ({ page, context }) => {
  await signIn(page);
  await snap(page, '01-sub-accounts');
  await openSubAccount(page, 'Acme Plumbing');

  // Settings: a stage trigger with every writeback.
  await page.getByRole('navigation', { name: 'Sub-account' }).getByRole('link', { name: 'Settings' }).click();
  await hydrated(page);
  await page.getByLabel('Create a form from').selectOption({ label: 'Job Complete' });
  await page.getByLabel('Pipeline', { exact: true }).selectOption({ label: 'Service Jobs' });
  await page.getByLabel('Stage', { exact: true }).selectOption({ label: 'Job Complete' });
  await page.locator('#map-invoice_amount').selectOption({ label: 'Invoice Amount (Monetary)' });
  await page.getByLabel('Create a follow-up task due the next day').check();
  await page.getByLabel('Then move the opportunity to').selectOption({ label: 'Invoiced' });
  await snap(page, '02-settings-new-trigger');
  await page.getByRole('button', { name: 'Add trigger' }).click();
  await expect(page.getByTestId('triggers')).toContainText('Service Jobs › Job Complete');
  await expect(page.getByTestId('triggers')).toContainText('Move to Invoiced');

  // A second tab on the inbox, to see the form arrive without a reload.
  const inbox = await context.newPage();
  await inbox.goto(page.url().replace('/settings', '/inbox'));
  await hydrated(inbox);
  await expect(inbox.getByText('No pending forms')).toBeVisible();

  // CRM: drag the deal into the trigger's stage.
  await page.getByRole('navigation', { name: 'Sub-account' }).getByRole('link', { name: 'CRM' }).click();
  await hydrated(page);
  const deal = page.locator('[data-deal="Lane service call"]');
  // While dragging, the column under the deal is highlighted as the drop target.
  const target = page.locator('.column[data-stage="Job Complete"]');
  await deal.hover();
  await page.mouse.down();
  const box = await target.boundingBox();
  if (!box) throw new Error('no Job Complete column');
  await page.mouse.move(box.x + box.width / 2, box.y + 40, { steps: 5 });
  await page.mouse.move(box.x + box.width / 2, box.y + 60, { steps: 2 });
  await expect(target).toHaveClass(/drop-target/);
  await expect(page.locator('.column.drop-target')).toHaveCount(1);
  await snap(page, '03a-crm-board-drop-target');
  await page.mouse.up();
  await expect(page.locator('.column.drop-target')).toHaveCount(0);
  await expect(page.getByTestId('toast').filter({ hasText: 'Moved to Job Complete' })).toBeVisible();
  await expect(page.locator('.column[data-stage="Job Complete"] [data-deal="Lane service call"]')).toBeVisible();
  await snap(page, '03-crm-board');

  // The inbox updates by itself.
  const row = inbox.getByTestId('pending-forms').getByRole('row', { name: /Devon Lane/ });
  await expect(row).toContainText('Job Complete');
  await expect(row).toContainText('Service Jobs › Job Complete');
  await snap(inbox, '04-inbox-pending');

  // The form: the satisfaction field appears only once the job is completed.
  await row.getByRole('link', { name: 'Open' }).click();
  await hydrated(inbox);
  const satisfaction = inbox.getByLabel('Customer satisfaction (1–10)');
  await expect(inbox.getByRole('heading', { name: 'Job Complete' })).toBeVisible();
  await expect(satisfaction).toBeHidden();
  await inbox.getByRole('button', { name: 'Submit' }).click();
  await expect(inbox.getByText('This field is required.')).toBeVisible();
  // Focus lands on the first invalid field, a radio group here: its first choice.
  await expect(inbox.locator('input[name="completed"]').first()).toBeFocused();
  await snap(inbox, '05-form-required');
  await inbox.getByLabel('Yes', { exact: true }).first().check();
  await expect(satisfaction).toBeVisible();
  await inbox.getByLabel('Partially').check();
  await expect(satisfaction).toBeHidden();
  await expect(inbox.getByLabel('What is left to do?')).toBeVisible();
  await inbox.getByLabel('Yes', { exact: true }).first().check();
  await inbox.getByLabel('Hours on site').fill('30');
  await inbox.getByLabel('Hours on site').blur();
  await expect(inbox.getByText('Enter 24 or less.')).toBeVisible();
  await inbox.getByLabel('Hours on site').fill('2.5');
  await inbox.getByLabel('Invoice amount').fill('450');
  await satisfaction.fill('9');
  await inbox.getByLabel('Repair').check();
  await snap(inbox, '06-form-filled');
  await inbox.getByRole('button', { name: 'Submit' }).click();

  // One toast with every writeback's result, then the completed view.
  const toast = inbox.getByTestId('toast').filter({ hasText: 'Form submitted' });
  await expect(toast).toContainText('Contact note: Note added to Devon Lane.');
  await expect(toast).toContainText('Custom fields: Updated Invoice Amount.');
  await expect(toast).toContainText('Follow-up task: Task “Follow up: Job Complete”');
  await expect(toast).toContainText('Pipeline move: Opportunity moved to Invoiced.');
  await expect(inbox.getByText('Submitted by Avery Admin')).toBeVisible();
  await snap(inbox, '07-form-submitted');

  // The contact shows the note, the field, the task and the new stage.
  await page.getByRole('link', { name: 'Devon Lane' }).first().click();
  await expect(page.getByTestId('contact-name')).toHaveText('Devon Lane');
  await expect(page.getByTestId('contact-notes')).toContainText('--- OpsFlow: Job Complete ---');
  await expect(page.getByTestId('contact-notes')).toContainText('Contact: Devon Lane');
  await expect(page.getByTestId('contact-notes')).toContainText('Customer satisfaction (1–10): 9');
  await expect(page.getByTestId('contact-fields')).toContainText('Invoice Amount');
  await expect(page.getByTestId('contact-tasks')).toContainText('Follow up: Job Complete');
  await expect(page.getByTestId('contact-opportunities')).toContainText('Service Jobs › Invoiced');
  await snap(page, '08-contact-after-writebacks');

  // Completed tab.
  await inbox.goto(inbox.url().replace(/\/forms\/.*/, '/inbox?tab=completed'));
  const done = inbox.getByTestId('completed-forms').getByRole('row', { name: /Devon Lane/ });
  await expect(done).toContainText('Avery Admin');
  await done.getByRole('link', { name: 'View' }).click();
  await expect(inbox.getByTestId('responses')).toContainText('Invoice amount');
  await expect(inbox.getByTestId('writebacks')).toContainText('Pipeline move');
  await snap(inbox, '09-completed-view');
});

test('a template with pending forms cannot be deleted', async ({ page }) => {
  await signIn(page);
  await openSubAccount(page, 'Acme Plumbing');
  const nav = page.getByRole('navigation', { name: 'Sub-account' });
  await nav.getByRole('link', { name: 'Settings' }).click();
  await hydrated(page);
  await page.getByLabel('When').selectOption({ label: 'A Voice AI call ends' });
  await page.getByLabel('Create a form from').selectOption({ label: 'Call Disposition' });
  await page.getByRole('button', { name: 'Add trigger' }).click();
  await expect(page.getByTestId('triggers')).toContainText('Call Completed');

  // Log a call for a contact: a Call Completed form appears.
  await nav.getByRole('link', { name: 'CRM' }).click();
  await page.getByRole('link', { name: 'Priya Patel' }).first().click();
  await hydrated(page);
  await page.getByLabel('Summary').fill('Asked for a quote on a water heater.');
  await page.getByLabel('Transcript').fill('bot: Hello!\nhuman: I need a quote.');
  await page.getByRole('button', { name: 'Log call' }).click();
  await expect(page.getByTestId('toast').filter({ hasText: 'Call logged' })).toBeVisible();

  // Remove the trigger: its pending form stays.
  await nav.getByRole('link', { name: 'Settings' }).click();
  await hydrated(page);
  page.once('dialog', (dialog) => dialog.accept());
  await page.getByRole('button', { name: 'Remove trigger Call Completed' }).click();
  await expect(page.getByTestId('toast').filter({ hasText: 'Trigger removed' })).toBeVisible();
  await nav.getByRole('link', { name: 'Inbox' }).click();
  await expect(page.getByTestId('pending-forms').getByRole('row', { name: /Priya Patel/ })).toContainText('Call Completed');

  // The templates list says why, and so does the server when asked anyway.
  await nav.getByRole('link', { name: 'Templates' }).click();
  await hydrated(page);
  const row = page.getByTestId('templates').getByRole('row', { name: /Call Disposition/ });
  await expect(row).toContainText('Has 1 pending form — complete them first.');
  await snap(page, '10-templates-in-use');
  await expect(row.getByRole('button', { name: 'Delete Call Disposition' })).toBeDisabled();
  await expect(row.getByRole('button', { name: 'Delete Call Disposition' })).toHaveAccessibleDescription(
    'Has 1 pending form — complete them first.',
  );
  // The server refuses the deletion anyway, with the same reason.
  const [headers, sa] = [{ origin: new URL(page.url()).origin }, subAccountIdFrom(page.url())];
  const templates = await (await page.request.post('/api/templates/list', { headers, form: { sub_account: sa } })).json();
  const inUse = templates.find((t: { name: string }) => t.name === 'Call Disposition');
  const refused = await page.request.post('/api/templates/delete', {
    headers,
    form: { sub_account: sa, template_id: inUse.id },
  });
  expect(refused.status()).toBe(409);
  expect((await refused.json()).details).toBe('This template has 1 pending form. Complete it before deleting the template.');
  await expect(row).toBeVisible();

  // An unused template can be deleted.
  const unused = page.getByTestId('templates').getByRole('row', { name: /Appointment Follow-Up/ });
  page.once('dialog', (dialog) => dialog.accept());
  await unused.getByRole('button', { name: 'Delete Appointment Follow-Up' }).click();
  await expect(page.getByTestId('toast').filter({ hasText: 'Template deleted' })).toBeVisible();
  await expect(unused).toHaveCount(0);
});

test('staff see only their sub-account and cannot change settings', async ({ page }) => {
  await signIn(page, { email: 'sam@opsflow.test', password: 'opsflow-staff' });
  await expect(page.getByRole('list', { name: 'Sub-accounts' }).getByRole('listitem')).toHaveCount(1);
  await openSubAccount(page, 'Acme Plumbing');
  await page.getByRole('navigation', { name: 'Sub-account' }).getByRole('link', { name: 'Settings' }).click();
  await expect(page.getByRole('heading', { name: 'Triggers' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Add trigger' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: /Remove trigger/ })).toHaveCount(0);
});

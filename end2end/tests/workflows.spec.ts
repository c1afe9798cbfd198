import {
  addAction, axeViolations, expect, hydrated, newWorkflow, openSubAccount, openWorkflows, overflowX, saveWorkflow as save, signIn, snap,
  staff, test,
} from './helpers';

test('an admin builds a workflow; a new lead runs it; the notification arrives live', async ({ page }) => {
  await signIn(page);
  await openSubAccount(page, 'Acme Plumbing');
  await openWorkflows(page);
  await snap(page, '60a-workflows-empty');

  await newWorkflow(page, 'Welcome website leads', 'Leads', 'A lead is created');
  // The trigger's filter, in the rule builder the templates use: only leads from the website.
  await page.locator('.workflow-editor fieldset.rule-builder').first().getByRole('button', { name: 'Add condition' }).click();
  const condition = page.locator('.workflow-editor fieldset.rule-builder').first().locator('.condition');
  await expect(condition.getByLabel('Field')).toBeFocused();
  await condition.getByLabel('Field').selectOption({ label: 'Source' });
  await condition.getByLabel('Comparison').selectOption({ label: 'equals' });
  await condition.getByLabel('Value').fill('website');

  // An in-app notification to the admin, with the lead's name filled in. Added, the action has
  // the focus, and screen readers hear what was added (issue 29).
  const notify = await addAction(page, 'send_notification');
  await expect(notify.locator('input, select, textarea').first()).toBeFocused();
  await expect(page.locator('.wf-add [role="status"]').last()).toHaveText('Added “In-app notification” as step 1 here.');
  await notify.getByLabel("The record's owner").uncheck();
  await notify.getByLabel('Avery Admin').check();
  await notify.getByLabel('Title').fill('New website lead: {{trigger.firstName}} {{trigger.last_name}}');
  await notify.getByLabel('Message').fill('Score {{trigger.score}}');

  // A problem is shown where it is, in the model's words, and nothing is saved.
  const task = await addAction(page, 'create_task');
  await page.getByTestId('save-workflow').click();
  await expect(task.locator('.field-problems')).toContainText('Required');
  await expect(page.getByTestId('problem-count')).toHaveText('1 thing to fix before saving.');
  await snap(page, '60b-workflow-problem');
  // The editor with its problems shown passes axe-core (issue 29).
  expect(await axeViolations(page)).toEqual([]);
  await task.getByLabel('Title').fill('Call {{trigger.firstName}} back');
  await expect(page.getByTestId('problem-count')).toHaveText('Ready to save.');
  await save(page);
  await snap(page, '60c-workflow-saved');

  // Ctrl+S saves; saving nothing new makes no version (issue 29).
  await page.getByLabel('Name').first().fill('Welcome website leads!');
  await page.keyboard.press('Control+s');
  await expect(page.getByRole('status').filter({ hasText: 'Saved as version 2.' })).toBeVisible();
  await page.keyboard.press('Control+s');
  await expect(page.getByRole('status').filter({ hasText: 'Nothing changed: still version 2.' })).toBeVisible();
  // Leaving with unsaved changes asks first; staying keeps them.
  await page.getByLabel('Name').first().fill('Welcome website leads');
  page.once('dialog', (dialog) => {
    expect(dialog.type()).toBe('beforeunload');
    void dialog.dismiss();
  });
  await page.getByRole('navigation', { name: 'Sub-account' }).getByRole('link', { name: 'Workflows' }).click();
  await expect(page.getByLabel('Name').first()).toHaveValue('Welcome website leads');
  await page.keyboard.press('Control+s');
  await expect(page.getByRole('status').filter({ hasText: 'Saved as version 3.' })).toBeVisible();

  // The list: on, never run.
  await openWorkflows(page);
  const row = page.getByTestId('workflows').locator('tr', { hasText: 'Welcome website leads' });
  await expect(row).toContainText('A lead is created');
  await expect(row).toContainText('Never');
  await expect(row.getByRole('switch')).toHaveAttribute('aria-checked', 'true');
  await expect(page.getByRole('link', { name: /Notifications, none unread/ })).toBeVisible();

  // A lead from the website, created in the CRM's records: the run starts and the bell counts
  // the notification without a reload.
  await page.getByRole('link', { name: 'Records' }).click();
  await page.getByRole('link', { name: 'New', exact: true }).click();
  await hydrated(page);
  await page.getByLabel('First name').fill('Wren');
  await page.getByLabel('Last name').fill('Park');
  await page.getByLabel('Email').fill('wren.park@example.com');
  await page.getByLabel('Source').fill('website');
  await page.getByLabel('Score').fill('40');
  await page.getByRole('button', { name: 'Create' }).click();
  await expect(page.getByTestId('record-title')).toHaveText('Wren Park');
  await expect(page.getByRole('link', { name: 'Notifications, 1 unread' })).toBeVisible({ timeout: 15_000 });
  await snap(page, '60d-bell-unread');

  // The run, completed, with each step's input and output.
  await openWorkflows(page);
  await expect(row.locator('[data-status]')).toHaveText('completed');
  await row.locator('[data-status]').click();
  await expect(page.getByRole('heading', { level: 1, name: /Run/ })).toContainText('completed');
  const steps = page.getByTestId('steps');
  await expect(steps.locator('.step')).toHaveCount(2);
  await expect(steps.locator('.step').first()).toContainText('New website lead: Wren Park');
  await expect(steps.locator('.step').nth(1)).toContainText('Call Wren back');
  await snap(page, '60e-run-detail');
  expect(await axeViolations(page)).toEqual([]);
  // At 360 px the run, its output included, fits the screen (issue 29: 428 px).
  await page.setViewportSize({ width: 360, height: 740 });
  expect(await overflowX(page)).toBe(0);
  expect(await axeViolations(page)).toEqual([]);
  await snap(page, '60e-run-detail-phone');
  await page.setViewportSize({ width: 1280, height: 900 });

  // The notification, read.
  await page.getByRole('link', { name: 'Notifications, 1 unread' }).click();
  await expect(page.getByTestId('notifications')).toContainText('New website lead: Wren Park');
  await snap(page, '60f-notifications');
  await page.getByRole('button', { name: 'Mark read' }).click();
  await expect(page.getByRole('link', { name: 'Notifications, none unread' })).toBeVisible();

  // A lead from elsewhere starts nothing; switched off, the workflow starts nothing either. The
  // switch asks first, saying what switching off cancels; dismissed, nothing changes.
  await openWorkflows(page);
  const question = /Its runs that have not finished are cancelled — steps queued and waits included/;
  page.once('dialog', (dialog) => {
    expect(dialog.message()).toMatch(question);
    void dialog.dismiss();
  });
  await row.getByRole('switch').click();
  await expect(row.getByRole('switch')).toHaveAttribute('aria-checked', 'true');
  page.once('dialog', (dialog) => {
    expect(dialog.message()).toMatch(question);
    void dialog.accept();
  });
  await row.getByRole('switch').click();
  await expect(row.getByRole('switch')).toHaveAttribute('aria-checked', 'false');
  await expect(row.getByRole('link', { name: '1', exact: true })).toBeVisible();
});

test('a branch chooses its path and the run waits; staff cannot open workflows', async ({ page, browserErrors }) => {
  // Staff are refused the run history (403).
  browserErrors.allowRefusal(403, /\/s\/[0-9a-f]+\/workflows\/[0-9a-f]+\/runs/);
  await signIn(page);
  await openSubAccount(page, 'Acme Plumbing');
  await openWorkflows(page);
  await newWorkflow(page, 'Nurture new contacts', 'Contacts', 'A contact is created');

  await addAction(page, 'branch');
  const branch = page.locator('.wf-action[data-action="branch"]');
  const rules = branch.locator('fieldset.rule-builder').first();
  await rules.getByRole('button', { name: 'Add condition' }).click();
  await rules.locator('.condition').getByLabel('Field').selectOption({ label: 'Email' });
  await rules.locator('.condition').getByLabel('Comparison').selectOption({ label: 'contains' });
  await rules.locator('.condition').getByLabel('Value').fill('@example.com');
  const then = branch.locator('.wf-path[data-path="then"]');
  const tag = await addAction(page, 'add_tag', then);
  await tag.getByLabel('Tags').fill('nurture, {{trigger.source}}');
  const wait = await addAction(page, 'wait', then);
  await wait.getByLabel('Wait').fill('2');
  await wait.getByLabel('Unit').selectOption('days');
  const otherwise = branch.locator('.wf-path[data-path="else"]');
  await addAction(page, 'add_tag', otherwise).then((a) => a.getByLabel('Tags').fill('other'));
  await snap(page, '61a-branch-editor');
  await save(page);

  // A contact whose email matches: tagged on the "then" path, then waiting two days.
  await page.getByRole('link', { name: 'Records' }).click();
  await page.getByRole('navigation', { name: 'Modules' }).getByRole('link', { name: 'Contacts', exact: true }).click();
  await page.getByRole('link', { name: 'New', exact: true }).click();
  await hydrated(page);
  await page.getByLabel('First name').fill('Ola');
  await page.getByLabel('Last name').fill('Berg');
  await page.getByLabel('Email').fill('ola.berg@example.com');
  await page.getByLabel('Source').fill('referral');
  await page.getByRole('button', { name: 'Create' }).click();
  await expect(page.getByTestId('record-title')).toHaveText('Ola Berg');

  await openWorkflows(page);
  const row = page.getByTestId('workflows').locator('tr', { hasText: 'Nurture new contacts' });
  await expect(async () => {
    await page.reload();
    await expect(row.locator('[data-status]')).toHaveText('waiting', { timeout: 1_000 });
  }).toPass({ timeout: 15_000 });
  await row.locator('[data-status]').click();
  const steps = page.getByTestId('steps').locator('.step');
  await expect(steps).toHaveCount(3);
  await expect(steps.nth(0)).toContainText('"path": "then"');
  await expect(steps.nth(1)).toContainText('referral');
  await expect(steps.nth(2).locator('[data-status]')).toHaveText('waiting');
  await expect(page.getByText('Resumes')).toBeVisible();
  await snap(page, '61b-run-waiting');

  // The run history lists it.
  await page.getByRole('link', { name: 'Runs' }).click();
  await expect(page.getByTestId('runs')).toContainText('A contact is created');
  await snap(page, '61c-run-history');

  // Staff see no Workflows tab, and the page itself says only admins may.
  const url = page.url();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await signIn(page, staff);
  await openSubAccount(page, 'Acme Plumbing');
  await expect(page.getByRole('navigation', { name: 'Sub-account' }).getByRole('link', { name: 'Workflows' })).toHaveCount(0);
  const response = await page.goto(url);
  expect(response?.status()).toBe(403);
  await expect(page.getByText('Only admins can see and change workflows.')).toBeVisible();
});

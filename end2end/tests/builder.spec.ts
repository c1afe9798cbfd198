import { type Locator, type Page } from '@playwright/test';
import { axeViolations, expect, hydrated, openSubAccount, signIn, snap, test } from './helpers';

// The template builder: build a form by dragging and by keyboard, give a field a rule with a
// nested group, watch the preview obey it, save, and fill a form made from the template.
test.describe.configure({ mode: 'serial' });

/** Waits for the builder's own code (a lazily loaded wasm chunk) to be live. */
async function builderLive(page: Page) {
  await page.getByTestId('builder').waitFor();
  await hydrated(page);
}

function canvasRows(page: Page): Locator {
  return page.locator('.canvas-row');
}

/** The canvas row of the field labelled `label`, as the button that selects it. */
function fieldRow(page: Page, label: string): Locator {
  return page.locator('.canvas').getByRole('button', { name: new RegExp(`^${label.replace(/[?]/g, '\\?')}`) });
}

async function expectOrder(page: Page, labels: string[]) {
  await expect(canvasRows(page).locator('.row-label')).toHaveText(labels);
}

/** Fails on any axe-core violation, listing them. */
async function expectAccessible(page: Page) {
  expect(await axeViolations(page)).toEqual([]);
}

test('build a template, preview its rule, save it and fill a form made from it', async ({ page }) => {
  await signIn(page);
  await openSubAccount(page, 'Brightside Dental');
  const nav = page.getByRole('navigation', { name: 'Sub-account' });
  await nav.getByRole('link', { name: 'Templates' }).click();
  await hydrated(page);
  await page.getByRole('button', { name: 'New template' }).click();
  await expect(page).toHaveURL(/\/templates\/[0-9a-f]+$/);
  await builderLive(page);
  const builderUrl = page.url();
  await page.getByLabel('Template name').fill('Site inspection');

  // Three kinds from the palette: at the end, before the first field, at the end again.
  const palette = (kind: string) => page.locator(`.palette-item[data-kind="${kind}"]`);
  await palette('Dropdown').dragTo(page.locator('.canvas-end'));
  await palette('Number').dragTo(canvasRows(page).first(), { targetPosition: { x: 30, y: 4 } });
  await palette('Date').dragTo(page.locator('.canvas-end'));
  await expectOrder(page, ['Number', 'Short text', 'Dropdown', 'Date']);

  // Reorder by dragging a field, then by keyboard with an announcement.
  await canvasRows(page).nth(3).dragTo(canvasRows(page).first(), { targetPosition: { x: 30, y: 4 } });
  await expectOrder(page, ['Date', 'Number', 'Short text', 'Dropdown']);
  await fieldRow(page, 'Number').focus();
  await page.keyboard.press('Alt+ArrowDown');
  await expectOrder(page, ['Date', 'Short text', 'Number', 'Dropdown']);
  await expect(page.getByTestId('announcer')).toHaveText('Moved “Number” to position 3 of 4.');
  await expect(fieldRow(page, 'Number')).toBeFocused();
  await page.getByRole('button', { name: 'Move Number up' }).click();
  await expectOrder(page, ['Date', 'Number', 'Short text', 'Dropdown']);

  // Properties: labels (the keys follow), options.
  const properties = page.locator('.properties');
  await fieldRow(page, 'Number').click();
  await properties.getByLabel('Label', { exact: true }).fill('Hours on site');
  await expect(properties.getByLabel('Key', { exact: true })).toHaveValue('hours_on_site');
  await fieldRow(page, 'Dropdown').click();
  await properties.getByLabel('Label', { exact: true }).fill('Outcome');
  await properties.getByLabel('Option 1', { exact: true }).fill('Fixed');
  await properties.getByLabel('Option 2', { exact: true }).fill('Not fixed');
  await properties.getByRole('button', { name: 'Add option' }).click();
  await properties.getByLabel('Option 3', { exact: true }).fill('Needs parts');

  // A problem is shown where it is, and goes away when fixed.
  await properties.getByLabel('Option 3', { exact: true }).fill('Fixed');
  await expect(page.getByTestId('field-problems')).toContainText('Field “Outcome” lists the option “Fixed” twice.');
  await expect(page.getByTestId('problem-summary')).toBeVisible();
  await properties.getByLabel('Option 3', { exact: true }).fill('Needs parts');
  await expect(page.getByTestId('problem-summary')).toHaveCount(0);

  // The rule: show "What is left to do?" when Outcome is "Not fixed" and (hours > 5).
  await fieldRow(page, 'Short text').click();
  await properties.getByLabel('Label', { exact: true }).fill('What is left to do?');
  await properties.getByLabel('Required').check();
  await properties.getByLabel('Show this field only when…').check();
  const rules = properties.locator('.rule-builder');
  await rules.locator('#r-0-field').selectOption({ label: 'Outcome' });
  await rules.locator('#r-0-operator').selectOption({ label: 'equals' });
  await rules.locator('#r-0-value').selectOption('Not fixed');
  await rules.getByRole('button', { name: 'Add group' }).click();
  await rules.locator('#r-1-0-field').selectOption({ label: 'Hours on site' });
  await rules.locator('#r-1-0-operator').selectOption({ label: 'is greater than' });
  await rules.locator('#r-1-0-value').fill('5');
  await expect(rules.locator('.rule-group.nested')).toHaveCount(1);
  await expect(page.getByTestId('problem-summary')).toHaveCount(0);

  // The preview obeys the rule as it is edited.
  const preview = page.getByRole('form', { name: 'Form preview' });
  const leftToDo = preview.getByLabel('What is left to do?');
  await expect(leftToDo).toHaveCount(0);
  await preview.getByLabel('Outcome').selectOption('Not fixed');
  await expect(leftToDo).toHaveCount(0);
  await preview.getByLabel('Hours on site').fill('8');
  await expect(leftToDo).toBeVisible();
  await preview.getByLabel('Outcome').selectOption('Fixed');
  await expect(leftToDo).toHaveCount(0);
  await preview.getByLabel('Outcome').selectOption('Not fixed');
  await expect(leftToDo).toBeVisible();
  // The panes scroll on their own, so the screen is the picture.
  await snap(page, '20-builder', false);
  await expectAccessible(page);

  // Undo and redo a deletion.
  // A row's buttons show once it is selected.
  await fieldRow(page, 'Date').click();
  await page.getByRole('button', { name: 'Delete Date' }).click();
  await expectOrder(page, ['Hours on site', 'What is left to do?', 'Outcome']);
  await page.getByRole('button', { name: 'Undo' }).click();
  await expectOrder(page, ['Date', 'Hours on site', 'What is left to do?', 'Outcome']);
  await page.getByRole('button', { name: 'Redo' }).click();
  await expectOrder(page, ['Hours on site', 'What is left to do?', 'Outcome']);

  // Leaving with unsaved changes asks first.
  await expect(page.getByTestId('builder-status')).toContainText('Unsaved changes');
  let asked = false;
  page.once('dialog', async (dialog) => {
    asked = dialog.type() === 'beforeunload';
    await dialog.dismiss();
  });
  await page.getByRole('link', { name: '← Templates' }).click();
  await expect.poll(() => asked).toBe(true);
  await expect(page).toHaveURL(builderUrl);

  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByTestId('toast').filter({ hasText: 'Saved as version 2' })).toBeVisible();
  await expect(page.getByTestId('builder-status')).toHaveText('Saved · v2');

  // A trigger on a Voice AI call uses the template; a logged call makes a form.
  await nav.getByRole('link', { name: 'Settings' }).click();
  await hydrated(page);
  await page.getByLabel('When').selectOption({ label: 'A Voice AI call ends' });
  await page.getByLabel('Create a form from').selectOption({ label: 'Site inspection' });
  await page.getByRole('button', { name: 'Add trigger' }).click();
  await expect(page.getByTestId('triggers')).toContainText('Site inspection');
  await nav.getByRole('link', { name: 'CRM' }).click();
  await page.getByRole('link', { name: 'Olivia Hart' }).first().click();
  await hydrated(page);
  await page.getByLabel('Summary').fill('Checked the surgery after the leak.');
  await page.getByLabel('Transcript').fill('bot: How did it go?\nhuman: The leak is fixed for now.');
  await page.getByRole('button', { name: 'Log call' }).click();
  await expect(page.getByTestId('toast').filter({ hasText: 'Call logged' })).toBeVisible();

  // Another save while the form is pending: the form keeps version 2.
  await page.goto(builderUrl);
  await builderLive(page);
  await fieldRow(page, 'Outcome').click();
  await properties.getByLabel('Help text', { exact: true }).fill('As agreed with the practice manager.');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByTestId('builder-status')).toHaveText('Saved · v3');
  await nav.getByRole('link', { name: 'Templates' }).click();
  const row = page.getByTestId('templates').getByRole('row', { name: /Site inspection/ });
  await expect(row).toContainText('v3');
  await expect(row.getByTestId('pending-versions')).toHaveText('(v2: 1)');

  // Fill and submit it from the inbox.
  await nav.getByRole('link', { name: 'Inbox' }).click();
  await hydrated(page);
  await expectAccessible(page);
  const pending = page.getByTestId('pending-forms').getByRole('row', { name: /Olivia Hart/ });
  await expect(pending).toContainText('v2');
  await pending.getByRole('link', { name: 'Open' }).click();
  await hydrated(page);
  await expect(page.getByText('Template v2')).toBeVisible();
  await expect(page.getByText('As agreed with the practice manager.')).toHaveCount(0);
  await page.getByLabel('Outcome').selectOption('Not fixed');
  await page.getByLabel('Hours on site').fill('6');
  await page.getByLabel('What is left to do?').fill('Replace the valve under the sink.');
  await expectAccessible(page);
  await snap(page, '21-form-from-built-template');
  await page.getByRole('button', { name: 'Submit' }).click();
  await expect(page.getByTestId('toast').filter({ hasText: 'Form submitted' })).toBeVisible();
  await expect(page.getByTestId('responses')).toContainText('Replace the valve under the sink.');
});

test('export a template, import it back, and see every problem of a broken file', async ({ page, browserErrors }) => {
  // Broken files are refused (422).
  browserErrors.allowRefusal(422, /\/api\/templates\/import/);
  await signIn(page);
  await openSubAccount(page, 'Brightside Dental');
  await page.getByRole('navigation', { name: 'Sub-account' }).getByRole('link', { name: 'Templates' }).click();
  await hydrated(page);
  const row = page.getByTestId('templates').getByRole('row', { name: /Site inspection/ });

  const download = page.waitForEvent('download');
  await row.getByRole('button', { name: 'Export Site inspection' }).click();
  const file = await download;
  expect(file.suggestedFilename()).toBe('site-inspection.opsflow.json');
  const exported = JSON.parse(await streamText(await file.createReadStream()));
  expect(exported.format).toBe('opsflow-template/1');

  // A broken file: nothing is saved, and the reason says where.
  await page.locator('#import-file').setInputFiles({
    name: 'broken.json',
    mimeType: 'application/json',
    buffer: Buffer.from('{"format": "opsflow-template/1", "template": {"name": "Half", "fields": [}'),
  });
  await expect(page.getByTestId('import-problems')).toContainText('line 1, column');
  // A readable file with template problems lists each of them.
  const outcome = exported.template.fields.find((f: { kind: string }) => f.kind === 'dropdown');
  exported.template.name = '';
  outcome.options = [];
  await page.locator('#import-file').setInputFiles({
    name: 'problems.json',
    mimeType: 'application/json',
    buffer: Buffer.from(JSON.stringify(exported)),
  });
  const problems = page.getByTestId('import-problems');
  await expect(problems).toContainText('The template needs a name.');
  await expect(problems).toContainText('without options');
  await snap(page, '22-import-problems');

  // The file as exported imports, and opens in the builder.
  exported.template.name = 'Site inspection (imported)';
  outcome.options = ['Fixed', 'Not fixed', 'Needs parts'];
  await page.locator('#import-file').setInputFiles({
    name: 'good.json',
    mimeType: 'application/json',
    buffer: Buffer.from(JSON.stringify(exported)),
  });
  await builderLive(page);
  await expect(page.getByLabel('Template name')).toHaveValue('Site inspection (imported)');

  // Duplicating from the list adds a copy.
  await page.getByRole('link', { name: '← Templates' }).click();
  await hydrated(page);
  await page.getByRole('button', { name: 'Duplicate Site inspection (imported)' }).click();
  await expect(page.getByTestId('templates').getByRole('row', { name: /Site inspection \(imported\) \(copy\)/ })).toBeVisible();
});

test('the builder works on a 360 px screen and inside an iframe', async ({ page, browserErrors }) => {
  // The page that frames the builder is made on /readyz, which has no icon: Chromium asks for /favicon.ico.
  browserErrors.allowRefusal(404, /\/favicon\.ico/);
  await signIn(page);
  await openSubAccount(page, 'Brightside Dental');
  await page.getByRole('navigation', { name: 'Sub-account' }).getByRole('link', { name: 'Templates' }).click();
  await page.getByRole('link', { name: 'Edit Site inspection', exact: true }).click();
  await builderLive(page);
  const builderUrl = page.url();

  await page.setViewportSize({ width: 360, height: 780 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  // On a phone the palette folds under its heading; a tapped kind is added, selected and shown.
  await expect(page.locator('.palette-item[data-kind="Email"]')).toBeHidden();
  await page.getByRole('button', { name: 'Show field kinds' }).click();
  await snap(page, '23a-builder-360px-palette-open');
  await page.locator('.palette-item[data-kind="Email"]').click();
  await expect(canvasRows(page).last()).toContainText('Email');
  await expect(canvasRows(page).last()).toHaveClass(/selected/);
  await expect(canvasRows(page).last()).toBeInViewport();
  await expect(page.locator('.palette-item[data-kind="Email"]')).toBeHidden();
  await snap(page, '23-builder-360px');

  // Embedded, as in a CRM's custom menu: the same page in a frame of another page.
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto('/readyz');
  await page.evaluate((src) => {
    document.body.innerHTML = `<iframe title="OpsFlow" src="${src}" style="width: 1000px; height: 800px; border: 0"></iframe>`;
  }, builderUrl);
  const frame = page.frameLocator('iframe[title="OpsFlow"]');
  await frame.locator('body[data-hydrated="true"]').waitFor({ state: 'attached' });
  await frame.locator('.palette-item[data-kind="Phone"]').click();
  await expect(frame.locator('.canvas-row').last()).toContainText('Phone');
  await snap(page, '24-builder-in-iframe', false);
});

async function streamText(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

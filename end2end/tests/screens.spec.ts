import { type Page } from '@playwright/test';
import { axeViolations, expect, hydrated, overflowX, signIn, snap, staff, subAccountIdFrom, test } from './helpers';

// Every screen, on a desktop and on a 360 px phone: axe-core finds nothing, no page is wider
// than the screen, and a screenshot of each is kept for a person to look at. Runs after the other hydrated tests, so the pages hold
// what they left: pending and completed forms, a template whose deletion is blocked.

const sizes = [
  { name: 'desktop', width: 1280, height: 900 },
  { name: 'phone', width: 360, height: 740 },
];

async function api(page: Page, name: string, form: Record<string, string>) {
  const response = await page.request.post(`/api/${name}`, { headers: { origin: new URL(page.url()).origin }, form });
  expect(response.ok(), name).toBeTruthy();
  return response.json();
}

/**
 * Visits each page at each size, checks it with axe-core and screenshots it. `scripted`: the
 * pages load the app's wasm (the API reference does not), so they are checked once hydrated.
 */
async function review(page: Page, pages: [string, string][], scripted = true): Promise<string[]> {
  const found: string[] = [];
  for (const size of sizes) {
    await page.setViewportSize({ width: size.width, height: size.height });
    for (const [name, path] of pages) {
      await page.goto(path);
      if (scripted) await hydrated(page);
      found.push(...(await axeViolations(page)).map((v) => `${name} (${size.name}): ${v}`));
      const over = await overflowX(page);
      if (over > 0) found.push(`${name} (${size.name}): ${over} px wider than the screen`);
      await snap(page, `50-${name}-${size.name}`);
    }
  }
  return found;
}

test('every page passes axe-core on a desktop and at 360 px', async ({ page, browser, browserErrors }) => {
  // The not-found page (404) and the staff member's refused builder (403) are among the screens.
  browserErrors.allowRefusal(404, /\/s\/0000000000000000\/inbox/);
  browserErrors.allowRefusal(403, /\/s\/[0-9a-f]+\/templates\/[0-9a-f]+/);
  await signIn(page);
  await page.getByRole('link', { name: 'Acme Plumbing' }).click();
  await hydrated(page);
  const sa = subAccountIdFrom(page.url());
  const pending = (await api(page, 'forms/pending', { sub_account: sa })).rows;
  const completed = (await api(page, 'forms/completed', { sub_account: sa })).rows;
  const templates = await api(page, 'templates/list', { sub_account: sa });
  const board = await api(page, 'crm/board', { sub_account: sa });
  expect(pending.length).toBeGreaterThan(0);
  expect(completed.length).toBeGreaterThan(0);
  // The template list has a blocked Delete (a template with a pending form).
  expect(templates.some((t: { pending_forms: number }) => t.pending_forms > 0)).toBe(true);

  const found = await review(page, [
    ['sub-accounts', '/'],
    ['inbox', `/s/${sa}/inbox`],
    ['inbox-completed', `/s/${sa}/inbox?tab=completed`],
    ['form', `/s/${sa}/forms/${pending[0].id}`],
    ['form-completed', `/s/${sa}/forms/${completed[0].id}`],
    ['templates', `/s/${sa}/templates`],
    ['builder', `/s/${sa}/templates/${templates[0].id}`],
    ['settings', `/s/${sa}/settings`],
    ['crm', `/s/${sa}/crm`],
    ['contact', `/s/${sa}/crm/contacts/${board.contacts[0].id}`],
    ['records', `/s/${sa}/records/opportunities`],
    ['record', `/s/${sa}/records/contacts/${board.contacts[0].id}`],
    ['record-new', `/s/${sa}/records/tasks/new`],
    ['activity', `/s/${sa}/activity`],
    ['workflows', `/s/${sa}/workflows`],
    ['workflow-new', `/s/${sa}/workflows/new`],
    ['notifications', `/s/${sa}/notifications`],
    ['not-found', '/s/0000000000000000/inbox'],
  ]);

  // A staff member: the admin-only builder answers a page that says so.
  const baseURL = test.info().project.use.baseURL;
  const staffContext = await browser.newContext({ baseURL });
  const staffPage = await staffContext.newPage();
  await signIn(staffPage, staff);
  found.push(...(await review(staffPage, [['staff-on-builder', `/s/${sa}/templates/${templates[0].id}`]])));
  // Signed out: the sign-in page.
  const anonymous = await browser.newContext({ baseURL });
  const signInPage = await anonymous.newPage();
  await signInPage.goto('/login');
  found.push(...(await review(signInPage, [['sign-in', '/login']])));
  // The API reference, which anyone may read.
  found.push(...(await review(signInPage, [['api-reference', '/api/v1/docs']], false)));

  expect(found).toEqual([]);
});

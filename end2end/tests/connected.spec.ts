import { type Frame, type FrameLocator, type Page } from '@playwright/test';
import CryptoJS from 'crypto-js';
import { createPrivateKey, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { connectedBase, highlevel, hostBase, hostPort, sharedSecret, standInBase } from '../connected';
import { bodyHydrated, expect, snap, test } from './helpers';

// OpsFlow inside HighLevel, against the stand-in HighLevel: the agency installs it through
// OAuth; a host page in HighLevel's place frames the custom-menu page and answers
// REQUEST_USER_DATA with a payload CryptoJS encrypted; a signed stage-change webhook makes a
// form; a staff member submits it in the frame and the writebacks reach HighLevel; an admin
// retries the one HighLevel refused.
test.describe.configure({ mode: 'serial' });

// The host page is served from a real server on this machine: Chromium lets only a page from a
// local address frame one on a local address (its local-network-access checks).
let hostPage = '';
const hostServer = createServer((_, response) => {
  response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  response.end(hostPage);
});
test.beforeAll(() => new Promise<void>((resolve) => hostServer.listen(hostPort, 'localhost', resolve)));
test.afterAll(() => new Promise<void>((resolve) => hostServer.close(() => resolve())));

const webhookKey = createPrivateKey(readFileSync(join(__dirname, '../fixtures/webhook-ed25519.pem')));

/** OpsFlow's frame inside the host page, as a frame (a FrameLocator cannot run a script in it). */
function opsflowFrame(page: Page): Frame {
  const frame = page.frames().find((candidate) => candidate.url().startsWith(connectedBase));
  if (!frame) throw new Error(`no frame of ${connectedBase} in ${page.url()}`);
  return frame;
}

/**
 * Shows OpsFlow's custom page the way HighLevel does, for this user, and waits for the inbox. The
 * host page is another site than OpsFlow's (localhost against 127.0.0.1), so the frame is
 * cross-site, as inside HighLevel.
 */
async function openInHighLevel(page: Page, user: HighLevelUser): Promise<FrameLocator> {
  const context = {
    userId: user.id, companyId: highlevel.company, role: user.role, type: 'location',
    activeLocation: highlevel.location, userName: user.name, email: user.email,
  };
  const payload = CryptoJS.AES.encrypt(JSON.stringify(context), sharedSecret).toString();
  const host = `<!doctype html><html><head><meta charset="utf-8"><title>HighLevel</title></head>
    <body style="margin:0;font-family:sans-serif">
      <header style="background:#1f2937;color:#fff;padding:10px 16px">HighLevel · Acme Plumbing · OpsFlow</header>
      <iframe id="opsflow" src="${connectedBase}/sso" style="border:0;width:100%;height:820px"></iframe>
      <script>
        window.addEventListener('message', (event) => {
          if (event.data && event.data.message === 'REQUEST_USER_DATA') {
            event.source.postMessage({ message: 'REQUEST_USER_DATA_RESPONSE', payload: ${JSON.stringify(payload)} }, '*');
          }
        });
      </script>
    </body></html>`;
  hostPage = host;
  await page.goto(`${hostBase}/v2/location/${highlevel.location}/custom-page-link/opsflow`);
  const frame = page.frameLocator('#opsflow');
  await expect(frame.getByTestId('sub-account-name')).toHaveText('Acme Plumbing');
  await bodyHydrated(opsflowFrame(page));
  return frame;
}

async function deliverStageChange(page: Page, stage: string, webhookId: string) {
  const body = JSON.stringify({
    type: 'OpportunityStageUpdate', locationId: highlevel.location, id: highlevel.opportunity,
    contactId: highlevel.contact, name: 'Kitchen remodel', pipelineId: highlevel.pipeline, pipelineStageId: stage,
    status: 'open', webhookId, timestamp: new Date().toISOString(),
  });
  const signature = sign(null, Buffer.from(body), webhookKey).toString('base64');
  const response = await page.request.post(`${connectedBase}/webhooks/highlevel`, {
    headers: { 'content-type': 'application/json', 'x-ghl-signature': signature }, data: body,
  });
  expect(response.status()).toBe(200);
}

async function standInCrm(page: Page) {
  return (await page.request.get(`${standInBase}/standin/crm`)).json();
}

type HighLevelUser = { id: string; role: string; name: string; email: string };
const admin = { id: highlevel.agencyAdmin, role: 'admin', name: 'Avery Agency', email: 'avery@northwind.example' };
const staff = { id: highlevel.user, role: 'user', name: 'Sam Rivera', email: 'sam@acme.example' };

test('install from HighLevel, sign in inside its frame, and write a form back to HighLevel', async ({ page, browserErrors }) => {
  // The agency installs the app: OAuth through the stand-in's location chooser.
  await page.goto(`${connectedBase}/oauth/highlevel/install`);
  await expect(page.getByText('OpsFlow is installed in 1 sub-account: Acme Plumbing.')).toBeVisible();
  await snap(page, '30-highlevel-installed');

  // An admin, inside HighLevel: settings read HighLevel's pipelines and fields.
  let frame = await openInHighLevel(page, admin);
  await frame.getByRole('navigation', { name: 'Sub-account' }).getByRole('link', { name: 'Settings' }).click();
  await expect(frame.getByTestId('crm-source')).toContainText('read from HighLevel');
  await bodyHydrated(opsflowFrame(page));
  await frame.getByLabel('Create a form from').selectOption({ label: 'Call Disposition' });
  await frame.getByLabel('Pipeline', { exact: true }).selectOption({ label: 'Renovations' });
  await frame.getByLabel('Stage', { exact: true }).selectOption({ label: 'Site inspection' });
  await frame.locator('#map-budget').selectOption({ label: 'Budget (Monetary)' });
  await frame.getByLabel('Create a follow-up task due the next day').check();
  await frame.getByLabel('Then move the opportunity to').selectOption({ label: 'Quoted' });
  await frame.getByRole('button', { name: 'Add trigger' }).click();
  await expect(frame.getByTestId('triggers')).toContainText('Renovations › Site inspection');
  await frame.getByRole('button', { name: 'Refresh from HighLevel' }).click();
  await expect(frame.getByTestId('triggers')).toContainText('Move to Quoted');
  await snap(page, '31-highlevel-settings-in-frame');

  // The opportunity moves in HighLevel; its signed webhook makes a form.
  await deliverStageChange(page, highlevel.inspection, 'e2e-stage-1');

  // A staff member, inside HighLevel, lands in the sub-account's inbox.
  frame = await openInHighLevel(page, staff);
  const row = frame.getByTestId('pending-forms').getByRole('row', { name: /Olivia Hart/ });
  await expect(row).toContainText('Renovations › Site inspection');
  // HighLevel is this sub-account's CRM: OpsFlow's own CRM pages are not offered.
  await expect(frame.getByRole('navigation', { name: 'Sub-account' }).getByRole('link', { name: 'CRM' })).toHaveCount(0);
  await snap(page, '32-highlevel-inbox-in-frame');
  await row.getByRole('link', { name: 'Open' }).click();
  await bodyHydrated(opsflowFrame(page));
  await frame.getByLabel('Call outcome').selectOption('Interested');
  await frame.getByLabel('Hot').check();
  await frame.getByLabel('Stated budget').fill('5000');
  // HighLevel refuses the custom field update this once, and is down when the task is sent.
  await page.request.post(`${standInBase}/standin/fail`, { data: { method: 'PUT', path: '/contacts/', status: 422 } });
  await page.request.post(`${standInBase}/standin/fail`, { data: { method: 'POST', path: '/tasks', status: 500 } });
  await frame.getByRole('button', { name: 'Submit' }).click();
  const toast = frame.getByTestId('toast').filter({ hasText: 'Form submitted' });
  await expect(toast).toContainText('1 writeback failed');
  await expect(toast).toContainText('Contact note: Note added to Olivia Hart.');
  await expect(toast).toContainText('Follow-up task: Attempt 1 of 10 failed');
  await expect(toast).toContainText('Pipeline move: Opportunity moved to Quoted.');
  const writebacks = frame.getByTestId('writebacks');
  await expect(writebacks.locator('li[data-kind="CustomFields"]')).toContainText('Failed');
  await expect(writebacks.locator('li[data-kind="Task"]')).toContainText('Pending');
  await expect(writebacks.getByRole('button', { name: 'Retry' })).toHaveCount(0);
  await snap(page, '33-highlevel-submitted-in-frame');
  // The worker retries the task after its backoff; the open page shows it land by itself.
  await expect(writebacks.locator('li[data-kind="Task"]')).toContainText('Done', { timeout: 20_000 });
  await expect(writebacks.locator('li[data-kind="Task"]')).toContainText('Task “Follow up: Call Disposition” due');
  await snap(page, '33b-highlevel-retried-by-the-worker');

  // What HighLevel received.
  let crm = await standInCrm(page);
  expect(crm.notes).toHaveLength(1);
  expect(crm.notes[0].body).toContain('--- OpsFlow: Call Disposition ---\nContact: Olivia Hart\n');
  expect(crm.notes[0].userId).toBe(highlevel.user);
  expect(crm.tasks).toHaveLength(1);
  expect(crm.moves).toEqual([[highlevel.opportunity, highlevel.quoted]]);
  expect(crm.fieldUpdates).toHaveLength(0);

  // An admin retries the refused writeback from the completed form.
  frame = await openInHighLevel(page, admin);
  await frame.getByRole('tab', { name: 'Completed' }).click();
  await frame.getByTestId('completed-forms').getByRole('row', { name: /Olivia Hart/ }).getByRole('link', { name: 'View' })
    .click();
  await bodyHydrated(opsflowFrame(page));
  const failed = frame.getByTestId('writebacks').locator('li[data-kind="CustomFields"]');
  await snap(page, '34-highlevel-failed-writeback');
  // HighLevel refuses it once more: the retry says so, rather than leaving the page as it was.
  await page.request.post(`${standInBase}/standin/fail`, { data: { method: 'PUT', path: '/contacts/', status: 422 } });
  await failed.getByRole('button', { name: 'Retry' }).click();
  await expect(frame.getByTestId('toast').filter({ hasText: 'Custom fields failed again' })).toBeVisible();
  await expect(failed).toContainText('Failed');
  await snap(page, '34b-highlevel-retry-failed-again');
  await failed.getByRole('button', { name: 'Retry' }).click();
  await expect(frame.getByTestId('toast').filter({ hasText: 'Custom fields done' })).toBeVisible();
  await expect(failed).toContainText('Done');
  await expect(failed).toContainText('Updated Budget.');
  await snap(page, '35-highlevel-retried');
  crm = await standInCrm(page);
  expect(crm.fieldUpdates).toEqual([[{ id: '3sv6UEo51C9Bmpo1cKTq', key: 'budget', field_value: 5000 }]]);
  expect(crm.notes).toHaveLength(1);

  // Another page inside HighLevel (the frame's cookie is SameSite=None, so the browser sends it)
  // tries to sign the admin out. The request reaches OpsFlow with the cookie, and is refused: the
  // admin is still signed in.
  // The browser reports the refusal (no CORS headers for another site) as errors.
  browserErrors.allow(/Access to fetch at '[^']*\/api\/auth\/sign_out' from origin '[^']*' has been blocked by CORS policy/);
  browserErrors.allow(/sign_out: Failed to load resource: net::ERR_FAILED/);
  await page.evaluate(async (base) => {
    await fetch(`${base}/api/auth/sign_out`, {
      method: 'POST', credentials: 'include', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '',
    }).catch(() => undefined);
  }, connectedBase);
  await frame.getByRole('navigation', { name: 'Sub-account' }).getByRole('link', { name: 'Settings' }).click();
  await expect(frame.getByTestId('crm-source')).toContainText('read from HighLevel');
});

test('a browser that keeps no cookies in the frame continues in a tab the frame opened', async ({ page, context, browserErrors }) => {
  // As if the browser dropped the frame's cookie: OpsFlow's check says no session (which the
  // browser reports as a failed load).
  browserErrors.allow(/sso\/session: Failed to load resource: the server responded with a status of 401/);
  await context.route(`${connectedBase}/sso/session`, (route) => route.fulfill({ status: 401, body: '{}' }));
  const payload = CryptoJS.AES.encrypt(JSON.stringify({
    userId: staff.id, companyId: highlevel.company, role: 'user', type: 'location',
    activeLocation: highlevel.location, userName: staff.name, email: staff.email,
  }), sharedSecret).toString();
  hostPage = `<!doctype html><html><body>
    <iframe id="opsflow" src="${connectedBase}/sso" style="border:0;width:100%;height:400px"></iframe>
    <script>
      window.addEventListener('message', (event) => {
        if (event.data && event.data.message === 'REQUEST_USER_DATA') {
          event.source.postMessage({ message: 'REQUEST_USER_DATA_RESPONSE', payload: ${JSON.stringify(payload)} }, '*');
        }
      });
    </script></body></html>`;
  await page.goto(`${hostBase}/v2/location/${highlevel.location}/custom-page-link/opsflow`);
  const frame = page.frameLocator('#opsflow');
  const open = frame.getByRole('link', { name: 'Open OpsFlow in a new tab' });
  await expect(open).toBeVisible();
  await snap(page, '37-highlevel-continue-in-a-tab');
  const href = await open.getAttribute('href');
  expect(href).toMatch(/^\/sso\/handoff#/);
  const [tab] = await Promise.all([context.waitForEvent('page'), open.click()]);
  await expect(tab.getByTestId('sub-account-name')).toHaveText('Acme Plumbing');
  expect(new URL(tab.url()).pathname).toBe(`/s/${highlevel.location}/inbox`);
  await snap(tab, '38-highlevel-signed-in-in-a-tab');
  // The same link in a tab the frame did not open: no verifier to ask for, and it is used up.
  const again = await context.newPage();
  await again.goto(`${connectedBase}${href}`);
  await expect(again.locator('#handoff-status')).toContainText('already used or has expired');
  await context.unroute(`${connectedBase}/sso/session`);
});

test('the custom page ignores a user context posted by any window but its parent', async ({ page }) => {
  // The host page answers nothing; a frame of another site beside OpsFlow's posts a context.
  const context = {
    userId: highlevel.user, companyId: highlevel.company, role: 'user', type: 'location',
    activeLocation: highlevel.location, userName: 'Mallory', email: 'mallory@evil.example',
  };
  const payload = CryptoJS.AES.encrypt(JSON.stringify(context), sharedSecret).toString();
  const sibling = `<script>
    setTimeout(() => parent.frames[0].postMessage({ message: 'REQUEST_USER_DATA_RESPONSE', payload: ${JSON.stringify(payload)} }, '*'), 500);
  </script>`;
  hostPage = `<!doctype html><html><body>
    <iframe id="opsflow" src="${connectedBase}/sso" style="border:0;width:100%;height:400px"></iframe>
    <iframe id="sibling" srcdoc="${sibling.replace(/"/g, '&quot;')}"></iframe></body></html>`;
  await page.goto(`${hostBase}/v2/location/${highlevel.location}/custom-page-link/opsflow`);
  const frame = page.frameLocator('#opsflow');
  await expect(frame.locator('#sso-status')).toHaveText('Signing you in with your HighLevel account…');
  await page.waitForTimeout(1500);
  await expect(frame.locator('#sso-status')).toHaveText('Signing you in with your HighLevel account…');
  await expect(frame.getByTestId('sub-account-name')).toHaveCount(0);
  await snap(page, '36-highlevel-forged-context-ignored');
});

import AxeBuilder from '@axe-core/playwright';
import { test as base, expect, type BrowserContext, type Frame, type Page } from '@playwright/test';

export { expect };

/** Console errors and uncaught exceptions a test provokes on purpose; anything else fails it. */
export type BrowserErrors = {
  /** Declares an error the test expects, matched against lines like `console error at URL: text`. */
  allow(pattern: RegExp): void;
  /**
   * Declares a refusal the test provokes: the browser reports any 4xx answer as a failed load,
   * a page the server answered with a refused form included. `path` matches the whole path.
   */
  allowRefusal(status: number, path: RegExp): void;
};

/**
 * Every test watches every page of its browser context, and the frames inside them (HighLevel's
 * custom page is a cross-site frame), for console errors and uncaught exceptions — a failed
 * chunk, a refused script, a panic while hydrating — and fails on any it did not declare with
 * `browserErrors.allow`, even when every assertion passed.
 */
export const test = base.extend<{ browserErrors: BrowserErrors }>({
  browserErrors: [
    async ({ browser, context }, use) => {
      const seen: string[] = [];
      const allowed: RegExp[] = [];
      const watchPage = (page: Page) => {
        page.on('console', (message) => {
          if (message.type() === 'error') {
            seen.push(`console error at ${message.location().url || page.url()}: ${message.text()}`);
          }
        });
        page.on('pageerror', (error) => seen.push(`page error at ${page.url()}: ${error.message}`));
      };
      const watch = (watched: BrowserContext) => {
        watched.pages().forEach(watchPage);
        watched.on('page', watchPage);
      };
      watch(context);
      // Contexts a test makes itself (a second user's browser) are watched the same way.
      browser.on('context', watch);
      try {
        await use({
          allow: (pattern) => allowed.push(pattern),
          allowRefusal: (status, path) => allowed.push(new RegExp(
            `^console error at https?://[^/\\s]+${path.source}(\\?\\S*)?: `
              + `Failed to load resource: the server responded with a status of ${status} `,
          )),
        });
      } finally {
        browser.off('context', watch);
      }
      const unexpected = seen.filter((line) => !allowed.some((pattern) => pattern.test(line)));
      expect(unexpected, 'console errors and page errors the test did not expect').toEqual([]);
    },
    { auto: true },
  ],
});

export const admin = { email: 'admin@opsflow.test', password: 'opsflow-admin' };
export const staff = { email: 'sam@opsflow.test', password: 'opsflow-staff' };

/** Screenshots a reviewer looks at after each run. */
export async function snap(page: Page, name: string, fullPage = true) {
  await page.screenshot({ path: `artifacts/${name}.png`, fullPage });
}

/**
 * Waits until the wasm has hydrated the page, so clicks reach Leptos handlers — lazy islands (the
 * builder, the template list) included: the loader marks the body once every island is alive.
 */
export async function hydrated(page: Page) {
  await bodyHydrated(page);
  // Every page has a title. Once (in 20 CI runs) axe found none right after hydration on a page
  // whose server-rendered head has one — never reproduced, in 120 concurrent loads or locally —
  // so wait for it here: a page that really lacks one still fails, after the timeout.
  await expect(page).toHaveTitle(/\S/);
}

export async function signIn(page: Page, who = admin, next = '/') {
  await page.goto(`/login?next=${encodeURIComponent(next)}`);
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(next);
}

export async function openSubAccount(page: Page, name: string) {
  await page.getByRole('link', { name }).click();
  await expect(page.getByTestId('sub-account-name')).toHaveText(name);
  await hydrated(page);
}

export function subAccountIdFrom(url: string): string {
  const match = url.match(/\/s\/([0-9a-f]+)/);
  if (!match) throw new Error(`no sub-account in ${url}`);
  return match[1];
}

/** Every axe-core violation on the page, one line each: the rule, what it asks, where. */
export async function axeViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target).join(', ')})`);
}

/** How many px the page is wider than its window (0 when it fits): at 360 px nothing may be. */
export async function overflowX(page: Page): Promise<number> {
  return page.evaluate(() => Math.max(0, document.documentElement.scrollWidth - window.innerWidth));
}

/**
 * Waits for the client to hydrate a page or a frame (`body[data-hydrated]`). When it does not
 * come, the failure says how far the page got: its ready state, what the loader said, whether it
 * ran, and when each of the client's files was fetched.
 */
export async function bodyHydrated(target: Page | Frame, timeout = 10_000) {
  try {
    await target.locator('body[data-hydrated="true"]').waitFor({ state: 'attached', timeout });
  } catch (error) {
    const report = await target.evaluate(() => ({
      url: location.href,
      readyState: document.readyState,
      msSinceNavigation: Math.round(performance.now()),
      notice: document.querySelector('[data-testid="client-notice"]')?.textContent ?? null,
      loaderRan: typeof (window as unknown as { __hydrateIsland?: unknown }).__hydrateIsland === 'function',
      islands: document.querySelectorAll('leptos-island').length,
      files: performance.getEntriesByType('resource')
        .filter((entry) => new URL(entry.name).pathname.startsWith('/pkg/'))
        .map((entry) => {
          const resource = entry as PerformanceResourceTiming;
          return `${new URL(resource.name).pathname} ${Math.round(resource.startTime)}–${Math.round(resource.responseEnd)} ms `
            + `status ${resource.responseStatus}`;
        }),
    })).catch((reason) => ({ unavailable: String(reason) }));
    throw new Error(`the page did not hydrate: ${JSON.stringify(report, null, 2)}\n${error}`);
  }
}

export async function openWorkflows(page: Page) {
  await page.getByRole('navigation', { name: 'Sub-account' }).getByRole('link', { name: 'Workflows' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Workflows' })).toBeVisible();
}

export async function newWorkflow(page: Page, name: string, records: string, event: string) {
  await page.getByRole('link', { name: 'New workflow' }).click();
  await hydrated(page);
  await page.getByLabel('Name').first().fill(name);
  await page.locator('#wf-module').selectOption({ label: records });
  await page.locator('#wf-event').selectOption({ label: event });
}

/** Adds an action of `type` at the end of a place (`within`: the top level or a branch path);
 * the last action of that type there. */
export async function addAction(page: Page, type: string, within = page.locator('.workflow-editor > section').last()) {
  const add = within.locator('.wf-add').last();
  await add.locator('select').selectOption(type);
  await add.getByRole('button', { name: 'Add action' }).click();
  return within.locator(`.wf-action[data-action="${type}"]`).last();
}

export async function saveWorkflow(page: Page) {
  await page.getByTestId('save-workflow').click();
  await expect(page).toHaveURL(/\/workflows\/[0-9a-zA-Z-]+$/);
  await expect(page.getByRole('heading', { level: 1, name: /Workflow · v\d+/ })).toBeVisible();
  await hydrated(page);
}

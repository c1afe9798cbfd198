import AxeBuilder from '@axe-core/playwright';
import { expect, type Page } from '@playwright/test';

export const admin = { email: 'admin@opsflow.test', password: 'opsflow-admin' };
export const staff = { email: 'sam@opsflow.test', password: 'opsflow-staff' };

/** Screenshots a reviewer looks at after each run. */
export async function snap(page: Page, name: string, fullPage = true) {
  await page.screenshot({ path: `artifacts/${name}.png`, fullPage });
}

/**
 * Waits until the wasm has hydrated the page, so clicks reach Leptos handlers — including lazy
 * islands (the builder, the template list), whose code arrives later and which say so with
 * `data-live`.
 */
export async function hydrated(page: Page) {
  await page.locator('body[data-hydrated="true"]').waitFor({ state: 'attached' });
  await expect(page.locator('[data-live="false"]')).toHaveCount(0);
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

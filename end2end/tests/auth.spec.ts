import { expect, hydrated, signIn, snap, test } from './helpers';

// Sign-in and sign-out are plain form posts: the same path with and without the wasm.
test('a wrong password is refused on the sign-in page, and sign-out ends the session', async ({ page, browserErrors }) => {
  // The refused sign-in is answered 401.
  browserErrors.allowRefusal(401, /\/login/);
  await page.goto('/login');
  await page.getByLabel('Email').fill('admin@opsflow.test');
  await page.getByLabel('Password').fill('not-the-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toHaveText('That email and password do not match an account.');
  await expect(page).toHaveURL(/\/login/);
  await snap(page, '00-sign-in-refused');

  await signIn(page);
  await expect(page.getByRole('link', { name: 'Acme Plumbing' })).toBeVisible();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login/);

  // The session is gone: a page behind sign-in sends the visitor back to the sign-in page.
  await page.goto('/');
  await expect(page).toHaveURL(/\/login\?next=/);
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
});

// Every page runs under a strict Content-Security-Policy (scripts only from OpsFlow or with the
// response's nonce): each one still hydrates, lazy chunks included, and nothing is blocked.
test('every page hydrates under the Content-Security-Policy without a violation', async ({ page }) => {
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { cspViolations: string[] }).cspViolations = seen;
    document.addEventListener('securitypolicyviolation', (event) => {
      seen.push(`${event.violatedDirective} ${event.blockedURI}`);
    });
  });
  const violations: string[] = [];
  const check = async () => {
    await hydrated(page);
    violations.push(...(await page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations)));
  };
  const policy = (await page.goto('/login'))?.headers()['content-security-policy'] ?? '';
  expect(policy).toContain("default-src 'self'");
  expect(policy).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9_-]+' 'wasm-unsafe-eval'/);
  const scripts = policy.split(';').find((directive) => directive.trim().startsWith('script-src')) ?? '';
  expect(scripts).not.toContain('unsafe-inline');
  await check();
  await signIn(page);
  await check();
  await page.getByRole('link', { name: 'Acme Plumbing' }).click();
  await check();
  for (const name of ['Templates', 'Settings', 'CRM']) {
    await page.getByRole('navigation', { name: 'Sub-account' }).getByRole('link', { name }).click();
    await check();
  }
  await page.getByRole('navigation', { name: 'Sub-account' }).getByRole('link', { name: 'Templates' }).click();
  await hydrated(page);
  await page.getByRole('link', { name: 'Edit Job Complete' }).click();
  await page.getByTestId('builder').waitFor();
  await check();
  expect(violations).toEqual([]);
});

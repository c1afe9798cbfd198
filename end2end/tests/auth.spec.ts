import { expect, test } from '@playwright/test';
import { signIn, snap } from './helpers';

// Sign-in and sign-out are plain form posts: the same path with and without the wasm.
test('a wrong password is refused on the sign-in page, and sign-out ends the session', async ({ page }) => {
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

import { expect, screenshot, test } from '../support/fixtures.js';

test('without a session every page is the sign-in page, which explains how to get a login URL', async ({
  page,
}, testInfo) => {
  for (const path of ['/', '/settings', '/setup']) {
    await page.goto(path);
    await expect(page.getByRole('heading', { level: 1, name: 'Sign in to this hub' })).toBeVisible();
  }
  await expect(page.getByText('launchpad login-url', { exact: true })).toBeVisible();
  await expect(page.getByText(/Each link works once/)).toBeVisible();
  await expect(page.getByRole('navigation', { name: 'Main' })).toHaveCount(0);
  expect((await page.request.get('/api/settings')).status()).toBe(401);
  await screenshot(page, testInfo, 'signed-out');
});

test('the login URL signs in once; signing out returns to the sign-in page', async ({ page, hub }) => {
  await page.goto(hub.loginUrl);
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
  const status = await (await page.request.get('/api/status')).json();
  expect(status.signedIn).toBe(true);

  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Sign in to this hub' })).toBeVisible();
  expect((await page.request.get('/api/settings')).status()).toBe(401);

  // Each link works once.
  const again = await page.goto(hub.loginUrl);
  expect(again?.status()).toBe(401);
  await expect(page.getByRole('heading', { name: 'This sign-in link does not work' })).toBeVisible();
});

test('a session ended elsewhere sends the page back to sign-in on its next request', async ({
  signedInPage: page,
}) => {
  await page.getByRole('button', { name: 'Not now' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Overview' })).toBeVisible();
  // The same cookie, used outside the page: as if "Sign out everywhere" was clicked in another tab.
  expect((await page.request.post('/api/auth/logout-all', { data: {} })).status()).toBe(200);
  await page.getByRole('link', { name: 'Settings' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Sign in to this hub' })).toBeVisible();
});

test('sign out everywhere asks first, then ends every session', async ({ signedInPage: page }) => {
  await page.getByRole('button', { name: 'Sign out everywhere…' }).click();
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
  await page.getByRole('button', { name: 'Sign out everywhere…' }).click();
  await page.getByRole('button', { name: 'Sign out everywhere', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Sign in to this hub' })).toBeVisible();
  expect((await page.request.get('/api/settings')).status()).toBe(401);
});

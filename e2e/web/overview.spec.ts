import { statusSchema } from '../../server/api/index.js';
import { expect, screenshot, test } from '../support/fixtures.js';

test('Overview shows the TLS fingerprints, ports, URLs and data dir that /api/status reports', async ({
  signedInPage: page,
  hub,
}, testInfo) => {
  await page.getByRole('button', { name: 'Not now' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Overview' })).toBeVisible();
  const status = statusSchema.parse(await (await page.request.get('/api/status')).json());

  await expect(page.getByTestId('leaf-fingerprint')).toHaveText(status.tls.leafFingerprint);
  await expect(page.getByText(status.tls.caFingerprint!, { exact: true })).toBeVisible();
  const addresses = page.getByRole('region', { name: 'Addresses' });
  await expect(addresses.getByRole('link', { name: hub.url })).toBeVisible();
  // A Plus hub runs no SSH server, and says so.
  expect(status.sshd).toBeNull();
  await expect(addresses.getByText('Not running: Plus needs no SSH server.')).toBeVisible();
  await expect(page.getByText(hub.dataDir, { exact: true })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Hub' }).getByText('Plus', { exact: true })).toBeVisible();
  await expect(page.getByText('Live', { exact: true })).toBeVisible();
  // No restart pending on a fresh hub.
  await expect(page.getByRole('region', { name: 'Restart required' })).toHaveCount(0);

  // Uptime is a local clock from startedAt: it moves without asking the hub again.
  const uptime = page.getByRole('region', { name: 'Hub' }).locator('dd').nth(2);
  const before = await uptime.textContent();
  await expect(uptime).not.toHaveText(before ?? '', { timeout: 3000 });
  await screenshot(page, testInfo, 'overview');
});

test.describe('dark mode', () => {
  test.use({ colorScheme: 'dark' });

  test('follows the system setting', async ({ signedInPage: page }, testInfo) => {
    await page.getByRole('button', { name: 'Not now' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Overview' })).toBeVisible();
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const [r, g, b] = (background.match(/\d+/g) ?? []).map(Number);
    expect((r ?? 255) + (g ?? 255) + (b ?? 255)).toBeLessThan(150);
    await screenshot(page, testInfo, 'overview-dark');
  });
});

import { expect, screenshot, test } from '../support/fixtures.js';

test('when the hub goes away the page says it is reconnecting, and a page that needs it offers Retry', async ({
  signedInPage: page,
  hub,
}, testInfo) => {
  await page.getByRole('button', { name: 'Not now' }).click();
  await expect(page.getByText('Live', { exact: true })).toBeVisible();

  await hub.stop();
  await expect(page.getByText('Reconnecting…', { exact: true })).toBeVisible();
  await expect(page.getByText(/The hub is not answering/)).toBeVisible();

  await page.getByRole('link', { name: 'Settings' }).click();
  const panel = page.getByRole('alert');
  await expect(panel.getByRole('heading', { name: 'Cannot reach the hub' })).toBeVisible();
  await expect(panel.getByRole('button', { name: 'Retry' })).toBeVisible();
  await screenshot(page, testInfo, 'settings-unreachable');
});

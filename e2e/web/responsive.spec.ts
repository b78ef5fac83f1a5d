import { expect, screenshot, scrollsHorizontally, test } from '../support/fixtures.js';

test.use({ viewport: { width: 360, height: 740 } });

test('every page fits a 360 px wide screen without horizontal scrolling', async ({ page, hub }, testInfo) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1, name: 'Sign in to this hub' })).toBeVisible();
  expect(await scrollsHorizontally(page)).toBe(false);
  await screenshot(page, testInfo, 'signed-out-360');

  await page.goto(hub.loginUrl);
  await expect(page.getByRole('heading', { level: 1, name: 'Welcome to Launchpad' })).toBeVisible();
  expect(await scrollsHorizontally(page)).toBe(false);
  await page.getByRole('radio', { name: /^Launchpad local network/ }).check();
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('textbox', { name: 'Base port' }).fill('70000');
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page.getByRole('textbox', { name: 'Base port' })).toHaveAttribute('aria-invalid', 'true');
  expect(await scrollsHorizontally(page)).toBe(false);
  await screenshot(page, testInfo, 'wizard-360');
  await page.getByRole('textbox', { name: 'Base port' }).fill(String(hub.port));
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page.getByRole('heading', { name: 'Restart needed' })).toBeVisible();
  expect(await scrollsHorizontally(page)).toBe(false);

  await page.getByRole('link', { name: 'Overview' }).first().click();
  await expect(page.getByRole('heading', { level: 1, name: 'Overview' })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Restart required' })).toBeVisible();
  expect(await scrollsHorizontally(page)).toBe(false);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
  await screenshot(page, testInfo, 'overview-360');

  await page.getByRole('link', { name: 'Settings' }).click();
  await expect(page.getByRole('textbox', { name: 'Public host' })).toBeVisible();
  expect(await scrollsHorizontally(page)).toBe(false);
  await screenshot(page, testInfo, 'settings-360');
});

import type { SetupResponse } from '../../server/api/index.js';
import { basePortSchema, settingsResponseSchema } from '../../server/api/index.js';
import { expect, screenshot, test } from '../support/fixtures.js';

test('first run: choose Launchpad local, a bad port is refused with the schema message, applying asks for a restart', async ({
  signedInPage: page,
  hub,
}, testInfo) => {
  // A fresh data dir opens the wizard by itself.
  await expect(page).toHaveURL(/\/setup$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Welcome to Launchpad' })).toBeVisible();
  for (const name of [/^Plus/, /^Launchpad local network/, /^Launchpad cloud/]) {
    await expect(page.getByRole('radio', { name })).toBeVisible();
  }
  await expect(
    page.getByText('This computer is a hub; other machines on your network join it.'),
  ).toBeVisible();

  // Keyboard: the choices are one radio group (arrow keys move and select).
  await page.getByRole('radio', { name: /^Plus/ }).focus();
  await page.keyboard.press('ArrowDown');
  await expect(page.getByRole('radio', { name: /^Launchpad local network/ })).toBeChecked();
  await screenshot(page, testInfo, 'wizard');
  await page.getByRole('button', { name: 'Continue' }).click();

  const port = page.getByRole('textbox', { name: 'Base port' });
  await expect(port).toHaveValue(String(hub.port));
  await port.fill('70000');
  let posted = false;
  page.on('request', (r) => {
    if (r.url().endsWith('/api/setup')) posted = true;
  });
  await page.getByRole('button', { name: 'Apply' }).click();
  const expected = basePortSchema.safeParse(70000).error?.issues[0]?.message;
  expect(expected).toBeTruthy();
  await expect(page.getByText(expected!, { exact: true })).toBeVisible();
  await expect(port).toHaveAttribute('aria-invalid', 'true');
  await expect(port).toBeFocused();
  expect(posted).toBe(false);
  await screenshot(page, testInfo, 'wizard-error');

  // A refusal from the hub lands under the field it names.
  const dataDir = page.getByRole('textbox', { name: 'Data dir' });
  await port.fill(String(hub.port));
  await dataDir.fill(`${hub.dataDir}/launchpad.db`);
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page.getByText(/exists and is not a directory/)).toBeVisible();
  await expect(dataDir).toHaveAttribute('aria-invalid', 'true');

  await dataDir.fill(hub.dataDir);
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/api/setup')),
    page.getByRole('button', { name: 'Apply' }).click(),
  ]);
  expect(response.status()).toBe(200);
  const body = (await response.json()) as SetupResponse;
  await expect(page.getByRole('heading', { name: 'Restart needed' })).toBeVisible();
  // In a browser (no desktop bridge) the exact command to run is shown, not a button.
  await expect(page.getByText(body.restart.command, { exact: true })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Restart hub' })).toHaveCount(0);
  await screenshot(page, testInfo, 'wizard-done');

  await page.getByRole('link', { name: 'Go to Overview' }).click();
  const banner = page.getByRole('region', { name: 'Restart required' });
  await expect(banner).toBeVisible();
  await expect(banner.getByText(`launchpad --server --data-dir ${hub.dataDir}`)).toBeVisible();

  const settings = settingsResponseSchema.parse(await (await page.request.get('/api/settings')).json());
  const product = settings.settings.find((s) => s.key === 'product');
  const mode = settings.settings.find((s) => s.key === 'deploymentMode');
  expect([product?.value, mode?.value, settings.restartRequired]).toEqual(['launchpad', 'local', true]);

  // Answered once, the wizard no longer opens by itself.
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1, name: 'Overview' })).toBeVisible();
});

test('the wizard is reachable from Settings and can be cancelled', async ({ signedInPage: page }) => {
  await page.getByRole('button', { name: 'Not now' }).click();
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByRole('link', { name: 'run the setup wizard' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Setup' })).toBeVisible();
  await page.getByRole('link', { name: 'Cancel' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible();
});

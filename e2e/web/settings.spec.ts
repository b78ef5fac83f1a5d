import { basePortSchema, settingsResponseSchema } from '../../server/api/index.js';
import { expect, screenshot, test } from '../support/fixtures.js';

test('Settings shows where each value comes from, validates, saves, and says a restart is required', async ({
  signedInPage: page,
}, testInfo) => {
  await page.getByRole('button', { name: 'Not now' }).click();
  await page.getByRole('link', { name: 'Settings' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible();

  const network = page.getByRole('region', { name: 'Network' });
  const basePort = network.getByRole('textbox', { name: 'Base port' });
  const publicHost = network.getByRole('textbox', { name: 'Public host' });
  // The base port comes from COCALC_BASE_PORT (the test hub's free port).
  await expect(network.getByText('env', { exact: true }).first()).toBeVisible();
  await expect(page.getByRole('button', { name: 'Save changes' })).toBeDisabled();

  // Client-side validation with the contract's schema; nothing is sent.
  await basePort.fill('70000');
  await page.getByRole('button', { name: 'Save changes' }).click();
  const message = basePortSchema.safeParse(70000).error?.issues[0]?.message;
  await expect(network.getByText(message!, { exact: true })).toBeVisible();
  await page.getByRole('button', { name: 'Discard' }).click();

  // A refusal from the hub lands under the field it names (a certificate needs its key).
  await page.getByRole('textbox', { name: 'Certificate file' }).fill('/etc/ssl/certs/hub.pem');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByRole('textbox', { name: 'Key file' })).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByText(/COCALC_TLS_KEY/).first()).toBeVisible();
  await page.getByRole('button', { name: 'Discard' }).click();

  await publicHost.fill('hub.example.lan');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByText('Saved. Takes effect at restart.')).toBeVisible();
  await expect(page.getByRole('region', { name: 'Restart required' })).toBeVisible();
  await expect(network.getByText(/takes effect at restart/)).toBeVisible();
  await expect(network.getByText('setting', { exact: true })).toBeVisible();
  await expect(network.getByRole('textbox', { name: 'Public host' })).toHaveValue('hub.example.lan');

  const settings = settingsResponseSchema.parse(await (await page.request.get('/api/settings')).json());
  expect(settings.settings.find((s) => s.key === 'publicHost')).toMatchObject({
    value: 'hub.example.lan',
    source: 'setting',
  });
  await screenshot(page, testInfo, 'settings');
});

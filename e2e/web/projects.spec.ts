import type { Page } from '@playwright/test';
import { projectResponseSchema, THIS_MACHINE_HOST_ID } from '../../server/api/index.js';
import { expect, screenshot, scrollsHorizontally, test } from '../support/fixtures.js';
import { LAUNCHPAD_LOCAL_ENV } from '../support/hub.js';

// A project server on this machine starts in a few seconds; give it room on a busy CI machine.
const RUNNING_WITHIN_MS = 30_000;
const PHONE = { width: 360, height: 740 };
const DESKTOP = { width: 1280, height: 860 };

/** Past the first-run wizard ("Not now") to the Projects page, the first link of the navigation. */
async function openProjectsPage(page: Page) {
  await expect(page.getByRole('heading', { level: 1, name: 'Welcome to Launchpad' })).toBeVisible();
  await page.getByRole('button', { name: 'Not now' }).click();
  const nav = page.getByRole('navigation', { name: 'Main' });
  await expect(nav.getByRole('link').first()).toHaveText('Projects');
  await nav.getByRole('link', { name: 'Projects' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Projects' })).toBeVisible();
}

test.describe('on a Launchpad hub', () => {
  test.use({ hubOptions: { env: LAUNCHPAD_LOCAL_ENV } });

  test('a project is created on this machine, runs, stops, starts again and is deleted', async ({
    signedInPage: page,
  }, testInfo) => {
    test.setTimeout(120_000);
    await openProjectsPage(page);
    await expect(page.getByRole('heading', { name: 'No projects yet — create one' })).toBeVisible();
    const host = page.getByRole('combobox', { name: 'Host' });
    await expect(host).toHaveValue('');
    await expect(host.locator('option:checked')).toHaveText('Automatic (least busy online host)');
    await expect(host.locator(`option[value="${THIS_MACHINE_HOST_ID}"]`)).toHaveText(
      /\(this machine\) — online$/,
    );
    await screenshot(page, testInfo, 'projects-empty');

    // The form checks the name with the hub's own schema before asking it.
    await page.getByRole('button', { name: 'Create project' }).click();
    await expect(page.getByText('a project needs a name')).toBeVisible();
    await expect(page.getByRole('textbox', { name: 'Name' })).toHaveAttribute('aria-invalid', 'true');

    await page.getByRole('textbox', { name: 'Name' }).fill('E2E project');
    await host.selectOption(THIS_MACHINE_HOST_ID);
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/api/projects') && r.request().method() === 'POST'),
      page.getByRole('button', { name: 'Create project' }).click(),
    ]);
    expect(response.status()).toBe(201);
    const { project } = projectResponseSchema.parse(await response.json());
    expect(project.hostId).toBe(THIS_MACHINE_HOST_ID);
    await expect(page.getByRole('status').filter({ hasText: 'Created E2E project' })).toBeVisible();
    await expect(page.getByRole('textbox', { name: 'Name' })).toHaveValue('');

    const row = page.getByRole('table', { name: 'Projects' }).getByRole('row', { name: /E2E project/ });
    await expect(row.getByText('Running', { exact: true })).toBeVisible({ timeout: RUNNING_WITHIN_MS });
    await expect(row.getByText('online', { exact: true })).toBeVisible();
    await expect(
      row
        .getByRole('cell')
        .filter({ hasText: /ago|just now/ })
        .first(),
    ).toBeVisible();
    const open = row.getByRole('link', { name: 'Open E2E project' });
    await expect(open).toHaveAttribute('href', project.url);
    await expect(open).not.toHaveAttribute('target');
    await expect(page.getByRole('heading', { name: 'No projects yet — create one' })).toHaveCount(0);
    await expect(page.getByText('1 of 1 running')).toBeVisible();
    await screenshot(page, testInfo, 'projects-running');

    // Open goes to the workspace in the same tab; Back loads the app again (the first-run wizard
    // included, since this hub was never set up).
    await Promise.all([
      page.waitForURL(new RegExp(`^https://[^/]+${project.url}`), { waitUntil: 'commit' }),
      open.click(),
    ]);
    // The hub proxies the project's workspace: its name, its id, and the live channel.
    await expect(page.getByRole('heading', { level: 1, name: 'E2E project' })).toBeVisible();
    await expect(page.getByText(project.id)).toBeVisible();
    await expect(page.getByText('Live', { exact: true })).toBeVisible();
    await page.goBack();
    await openProjectsPage(page);
    await expect(row.getByText('Running', { exact: true })).toBeVisible();

    await row.getByRole('button', { name: 'Stop E2E project' }).click();
    await expect(row.getByText('Stopped', { exact: true })).toBeVisible({ timeout: RUNNING_WITHIN_MS });
    await expect(open).toHaveCount(0);
    await expect(page.getByText('0 of 1 running')).toBeVisible();
    await screenshot(page, testInfo, 'projects-stopped');

    await row.getByRole('button', { name: 'Start E2E project' }).click();
    await expect(row.getByText('Running', { exact: true })).toBeVisible({ timeout: RUNNING_WITHIN_MS });
    await expect(open).toBeVisible();

    await page.setViewportSize(PHONE);
    expect(await scrollsHorizontally(page)).toBe(false);
    await screenshot(page, testInfo, 'projects-running-360');
    await page.setViewportSize(DESKTOP);

    // Delete asks first; the files stay unless the box is ticked, and the dialog says which.
    const remove = row.getByRole('button', { name: 'Delete E2E project' });
    await remove.click();
    const dialog = page.getByRole('dialog', { name: 'Delete E2E project?' });
    await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
    const deleteFiles = dialog.getByRole('checkbox', { name: 'Also delete the project’s files on the host' });
    await expect(deleteFiles).not.toBeChecked();
    await expect(dialog).toContainText('Otherwise its files are kept on');
    await screenshot(page, testInfo, 'projects-delete', { fullPage: false });
    await deleteFiles.check();
    await expect(dialog).toContainText('are deleted for good');
    await screenshot(page, testInfo, 'projects-delete-files', { fullPage: false });
    await deleteFiles.uncheck();
    // Escape cancels and gives focus back to Delete.
    await page.keyboard.press('Escape');
    await expect(dialog).toHaveCount(0);
    await expect(remove).toBeFocused();

    await remove.click();
    const [deleted] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'DELETE'),
      dialog.getByRole('button', { name: 'Delete project' }).click(),
    ]);
    expect(deleted.status()).toBe(204);
    expect(new URL(deleted.url()).searchParams.get('deleteFiles')).toBe('false');
    await expect(dialog).toHaveCount(0);
    await expect(row).toHaveCount(0);
    await expect(page.getByRole('heading', { name: 'No projects yet — create one' })).toBeVisible();
  });

  test('what the hub refuses is shown in the form, in its words', async ({ signedInPage: page }) => {
    await openProjectsPage(page);
    await page.route('**/api/projects', (route) =>
      route.request().method() === 'POST'
        ? route.fulfill({
            status: 409,
            json: { error: { code: 'no_host_online', message: 'No host is online to run the project' } },
          })
        : route.fallback(),
    );
    await page.getByRole('textbox', { name: 'Name' }).fill('nowhere');
    await page.getByRole('button', { name: 'Create project' }).click();
    await expect(page.getByRole('alert')).toHaveText('No host is online to run the project');
    await expect(page.getByRole('textbox', { name: 'Name' })).toHaveValue('nowhere');
  });
});

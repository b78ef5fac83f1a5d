import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import {
  type ProjectView,
  projectResponseSchema,
  restoreResponseSchema,
  THIS_MACHINE_HOST_ID,
} from '../../server/api/index.js';
import { expect, screenshot, scrollsHorizontally, test } from '../support/fixtures.js';
import { LAUNCHPAD_LOCAL_ENV } from '../support/hub.js';

// restic on a busy CI machine: a few seconds for the files below, much more to be safe.
const BACKUP_WITHIN_MS = 120_000;
const PHONE = { width: 360, height: 740 };
const DESKTOP = { width: 1280, height: 860 };
const NOTES = 20;
const DATA_DIRS = 40;
const FILES_PER_DIR = 100;
const BIG_MIB = 160;

/** Past the first-run wizard ("Not now") to the Backups page, the link after Projects. */
async function openBackupsPage(page: Page) {
  await expect(page.getByRole('heading', { level: 1, name: 'Welcome to Launchpad' })).toBeVisible();
  await page.getByRole('button', { name: 'Not now' }).click();
  const nav = page.getByRole('navigation', { name: 'Main' });
  await expect(nav.getByRole('link').nth(0)).toHaveText('Projects');
  await expect(nav.getByRole('link').nth(1)).toHaveText('Backups');
  await nav.getByRole('link', { name: 'Backups' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Backups' })).toBeVisible();
}

/** A project on this machine, made through the API as the Projects page would. */
async function createProject(page: Page, name: string): Promise<ProjectView> {
  const res = await page.request.post('/api/projects', { data: { name, hostId: THIS_MACHINE_HOST_ID } });
  expect(res.status()).toBe(201);
  return projectResponseSchema.parse(await res.json()).project;
}

/**
 * Enough to make a backup last a moment: a few thousand small files and one large file of
 * random bytes (nothing for restic to deduplicate), plus notes/ to restore later.
 */
function fillProject(dir: string) {
  mkdirSync(join(dir, 'notes'), { recursive: true });
  for (let i = 0; i < NOTES; i++) {
    writeFileSync(join(dir, 'notes', `n-${String(i).padStart(2, '0')}.md`), `# Note ${i}\n\nkept safe\n`);
  }
  for (let d = 0; d < DATA_DIRS; d++) {
    const sub = join(dir, 'data', `d${String(d).padStart(2, '0')}`);
    mkdirSync(sub, { recursive: true });
    for (let f = 0; f < FILES_PER_DIR; f++) writeFileSync(join(sub, `f${f}.txt`), `${d}/${f}\n`.repeat(20));
  }
  const fd = openSync(join(dir, 'big.bin'), 'w');
  try {
    for (let i = 0; i < BIG_MIB; i++) writeSync(fd, randomBytes(1024 * 1024));
  } finally {
    closeSync(fd);
  }
}

test.describe('on a Launchpad hub', () => {
  test.use({ hubOptions: { env: LAUNCHPAD_LOCAL_ENV } });

  test('a project is backed up with live progress, and one path of its snapshot restored into a new folder', async ({
    signedInPage: page,
    hub,
  }, testInfo) => {
    test.setTimeout(300_000);
    await openBackupsPage(page);
    const empty = page.getByRole('heading', { name: 'No projects to back up — create a project first' });
    await expect(empty).toBeVisible();
    await expect(page.getByRole('link', { name: 'Projects page' })).toHaveAttribute('href', '/projects');
    await screenshot(page, testInfo, 'backups-empty');

    // The list follows the hub: the new project appears without a reload.
    const name = 'Backup E2E';
    const project = await createProject(page, name);
    const projectDir = join(hub.dataDir, 'projects', project.id);
    fillProject(projectDir);
    const table = page.getByRole('table', { name: 'Projects' });
    const row = page.getByTestId(`backup-${project.id}`);
    await expect(row.getByRole('rowheader')).toHaveText(`${name} on ${project.hostName}`);
    await expect(empty).toHaveCount(0);
    await expect(table).toBeVisible();

    // Snapshots, before there are any.
    const toggle = row.getByRole('button', { name: `Show snapshots of ${name}` });
    await expect(toggle).toHaveAttribute('aria-expanded', 'false');
    await toggle.click();
    await expect(toggle).toHaveAttribute('aria-expanded', 'true');
    const panel = row.getByRole('region', { name: `Snapshots of ${name}` });
    await expect(panel.getByText(/^No snapshots yet — /)).toBeVisible();

    // The hub may have started its scheduled first backup already (a new project is due at
    // once); Back up now is then disabled while it runs, which is what this test wants to see.
    const backUp = row.getByRole('button', { name: `Back up ${name} now` });
    const bar = page.getByRole('progressbar', { name: `Backup of ${name}` });
    if (await backUp.isEnabled()) {
      const [started] = await Promise.all([
        page.waitForResponse(
          (r) => r.url().endsWith(`/api/projects/${project.id}/backups`) && r.request().method() === 'POST',
        ),
        backUp.click(),
      ]);
      expect([202, 409]).toContain(started.status());
    }
    await expect(bar).toBeVisible();
    await expect(backUp).toBeDisabled();
    await expect(row.getByText('Running', { exact: true })).toBeVisible();
    // Once restic reports (or the run is already over), a picture with numbers in it.
    await page.waitForFunction(() => {
      const el = document.querySelector('[role="progressbar"]');
      return el === null || el.hasAttribute('aria-valuenow');
    });
    if (await bar.isVisible()) {
      await expect(bar).toHaveAttribute('aria-valuemin', '0');
      await expect(bar).toHaveAttribute('aria-valuemax', '100');
      await expect(row).toContainText(/\d+%/);
      await expect(row).toContainText(/of [\d,]+ files/);
      await screenshot(page, testInfo, 'backups-running');
    }

    // Done: status OK, the size of the snapshot, and the snapshot in the open panel.
    await expect(row.getByText('OK', { exact: true })).toBeVisible({ timeout: BACKUP_WITHIN_MS });
    await expect(bar).toHaveCount(0);
    await expect(backUp).toBeEnabled();
    const cells = row.getByRole('row').first().getByRole('cell');
    await expect(cells.filter({ hasText: /^\d+ MiB$/ })).toBeVisible();
    await expect(cells.filter({ hasText: /ago|just now/ })).toBeVisible();
    const restore = panel.getByRole('button', { name: /^Restore snapshot [0-9a-f]{8}$/ });
    await expect(restore).toHaveCount(1);
    const totalFiles = NOTES + DATA_DIRS * FILES_PER_DIR + 1;
    await expect(panel).toContainText(`${totalFiles.toLocaleString('en-US')} files`);
    await screenshot(page, testInfo, 'backups-snapshot');

    // Restore one path: the dialog says where the files go, and nothing is overwritten.
    const shortId = ((await restore.getAttribute('aria-label')) ?? '').replace('Restore snapshot ', '');
    await restore.click();
    const dialog = page.getByRole('dialog', { name: `Restore snapshot ${shortId}?` });
    await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
    await expect(dialog).toContainText(`inside ${name}`);
    await expect(dialog).toContainText('nothing is overwritten');
    const promised = (await dialog.locator('code').textContent()) ?? '';
    expect(promised).toMatch(/^restore-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ\/$/);
    const only = dialog.getByRole('textbox', { name: /Only this path/ });
    // A path outside the project is refused before the hub is asked.
    await only.fill('../etc');
    await dialog.getByRole('button', { name: 'Restore' }).click();
    await expect(dialog.getByRole('alert')).toContainText('inside the project');
    await only.fill('notes');
    await screenshot(page, testInfo, 'backups-restore-dialog', { fullPage: false });
    const [restored] = await Promise.all([
      page.waitForResponse(
        (r) => r.url().endsWith(`/api/projects/${project.id}/restore`) && r.request().method() === 'POST',
        { timeout: BACKUP_WITHIN_MS },
      ),
      dialog.getByRole('button', { name: 'Restore' }).click(),
    ]);
    expect(restored.status()).toBe(200);
    const result = restoreResponseSchema.parse(await restored.json());
    expect(result.restoredTo).toBe(promised);
    expect(result.files).toBe(NOTES);
    await expect(dialog).toHaveCount(0);
    await expect(panel.getByRole('status')).toContainText(
      new RegExp(
        `^Restored to ${result.restoredTo.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(${NOTES} files, [\\d.]+ (B|KiB)\\)$`,
      ),
    );

    // On disk: the folder inside the project, with just that path in it, and the original untouched.
    const folder = join(projectDir, result.restoredTo);
    expect(existsSync(folder)).toBe(true);
    expect(readFileSync(join(folder, 'notes', 'n-07.md'), 'utf8')).toBe('# Note 7\n\nkept safe\n');
    expect(existsSync(join(folder, 'data'))).toBe(false);
    expect(existsSync(join(folder, 'big.bin'))).toBe(false);
    expect(readFileSync(join(projectDir, 'notes', 'n-07.md'), 'utf8')).toBe('# Note 7\n\nkept safe\n');
    await screenshot(page, testInfo, 'backups-restored');

    // Narrow and dark: one card per project, nothing wider than the screen.
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.setViewportSize(PHONE);
    expect(await scrollsHorizontally(page)).toBe(false);
    await screenshot(page, testInfo, 'backups-restored-360-dark');
    await page.setViewportSize(DESKTOP);
    await page.emulateMedia({ colorScheme: 'light' });
  });

  test('a refused backup is shown in the hub’s words', async ({ signedInPage: page }) => {
    await openBackupsPage(page);
    const project = await createProject(page, 'Busy project');
    const backUp = page.getByRole('button', { name: 'Back up Busy project now' });
    await expect(backUp).toBeVisible();
    await page.route(`**/api/projects/${project.id}/backups`, (route) =>
      route.request().method() === 'POST'
        ? route.fulfill({
            status: 409,
            json: {
              error: { code: 'backup_running', message: 'A backup of Busy project is already running' },
            },
          })
        : route.fallback(),
    );
    // The scheduler may be backing it up for real; then the button waits for it.
    await expect(backUp).toBeEnabled({ timeout: BACKUP_WITHIN_MS });
    await backUp.click();
    await expect(page.getByTestId(`backup-${project.id}`).getByRole('alert')).toHaveText(
      'A backup of Busy project is already running',
    );
  });
});

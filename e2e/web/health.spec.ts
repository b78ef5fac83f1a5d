import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, screenshot, scrollsHorizontally, test } from '../support/fixtures.js';
import { LAUNCHPAD_LOCAL_ENV } from '../support/hub.js';

// Health in the UI: a Launchpad hub whose backup repository turns read-only (chattr +i) shows the
// failed SFTP check on the Health page and an Error banner on the Overview, live, and recovers.

function chattr(flag: '+i' | '-i', path: string): void {
  const r = spawnSync('chattr', [flag, path]);
  if (r.status !== 0) throw new Error(`chattr ${flag} ${path}: ${r.stderr.toString()}`);
}

test.describe('on a Launchpad hub', () => {
  // Checks every second instead of every 30 s, so the page changes within the test's time.
  test.use({ hubOptions: { env: { ...LAUNCHPAD_LOCAL_ENV, COCALC_HEALTH_INTERVAL_MS: '1000' } } });

  test('a read-only backup repository: Error banner on the Overview, the failed SFTP check with its fix on Health', async ({
    signedInPage: page,
    hub,
  }, testInfo) => {
    const repo = join(hub.dataDir, 'backup-repo');
    await page.getByRole('button', { name: 'Not now' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Overview' })).toBeVisible();
    const banner = page.getByTestId('health-banner');
    await expect(banner).toHaveAttribute('data-summary', 'ready');
    await expect(banner).toContainText('Ready: all 4 health checks pass');
    await screenshot(page, testInfo, 'health-overview-ready');

    chattr('+i', repo);
    try {
      // Live: the banner turns red without a reload.
      await expect(banner).toHaveAttribute('data-summary', 'error');
      await expect(banner.getByRole('heading')).toHaveText('Health: Error');
      await expect(banner).toContainText(
        `Backup repository (SFTP): Cannot write to the backup repository ${repo}`,
      );
      await screenshot(page, testInfo, 'health-overview-error');

      await banner.getByRole('link', { name: 'Open Health' }).click();
      await expect(page.getByRole('heading', { level: 1, name: 'Health' })).toBeVisible();
      await expect(page.getByTestId('health-summary')).toHaveText('Error');
      const hubGroup = page.getByRole('region', { name: 'Hub' });
      const sftp = hubGroup.getByTestId('health-check-sftp-write');
      await expect(sftp).toContainText('Backup repository (SFTP)');
      await expect(sftp).toContainText('Error');
      await expect(sftp).toContainText(`Cannot write to the backup repository ${repo}: Permission denied`);
      await expect(sftp).toContainText(`Fix: Make ${repo} writable`);
      await expect(sftp).toContainText(/since (just now|\d+ ?s ago)/);
      // The other hub checks pass; the groups are all there, the empty ones saying why.
      for (const id of ['sshd', 'tls', 'disk']) {
        await expect(hubGroup.getByTestId(`health-check-${id}`)).toContainText('OK');
      }
      await expect(page.getByRole('region', { name: 'Hosts' })).toContainText(
        'No hosts have joined this hub',
      );
      await expect(page.getByRole('region', { name: 'Projects' })).toBeVisible();
      await screenshot(page, testInfo, 'health-page-error');
    } finally {
      chattr('-i', repo);
    }

    // Writable again: Ready, still live.
    await expect(page.getByTestId('health-summary')).toHaveText('Ready');
    await expect(page.getByTestId('health-check-sftp-write')).toContainText('OK');
    await screenshot(page, testInfo, 'health-page-ready');
  });

  test.describe('on a phone', () => {
    test.use({ viewport: { width: 360, height: 740 } });

    test('the Health page reads without sideways scrolling', async ({
      signedInPage: page,
      hub,
    }, testInfo) => {
      const repo = join(hub.dataDir, 'backup-repo');
      await page.getByRole('button', { name: 'Not now' }).click();
      chattr('+i', repo);
      try {
        // In-app navigation: a reload would bring the first-run wizard back (Not now lasts one visit).
        await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Health' }).click();
        await expect(page.getByTestId('health-summary')).toHaveText('Error');
        expect(await scrollsHorizontally(page)).toBe(false);
        await screenshot(page, testInfo, 'health-page-phone');
      } finally {
        chattr('-i', repo);
      }
    });
  });
});

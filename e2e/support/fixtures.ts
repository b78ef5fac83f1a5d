import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test as base, expect, type Page, type TestInfo } from '@playwright/test';
import { type Hub, startHub } from './hub.js';
import { SCREENSHOT_DIR } from './paths.js';

interface Fixtures {
  /** A real hub on a fresh data dir, started for this test and stopped after it. */
  hub: Hub;
  /** `page`, signed in through the hub's one-time login URL. */
  signedInPage: Page;
}

export const test = base.extend<Fixtures>({
  // biome-ignore lint/correctness/noEmptyPattern: Playwright reads a fixture's dependencies from this pattern.
  hub: async ({}, use, testInfo) => {
    const hub = await startHub();
    try {
      await use(hub);
    } finally {
      try {
        await hub.stop();
      } finally {
        await testInfo.attach('hub output', { body: hub.output(), contentType: 'text/plain' });
      }
    }
  },
  baseURL: async ({ hub }, use) => {
    await use(hub.url);
  },
  signedInPage: async ({ page, hub }, use) => {
    await page.goto(hub.loginUrl);
    await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
    await use(page);
  },
});

export { expect };

/**
 * A full-page screenshot kept under test-results/e2e/screenshots/<name>.png and attached to the
 * report. Waits for fonts so pictures are not taken mid-render.
 */
export async function screenshot(page: Page, testInfo: TestInfo, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  // From the top: sticky parts (the sidebar) are drawn where the viewport was.
  await page.evaluate(async () => {
    window.scrollTo(0, 0);
    await document.fonts.ready;
  });
  await page.screenshot({ path, fullPage: true, animations: 'disabled' });
  await testInfo.attach(name, { path, contentType: 'image/png' });
  return path;
}

/** True when the page scrolls sideways (content wider than the viewport). */
export function scrollsHorizontally(page: Page): Promise<boolean> {
  return page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
}

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test as base, expect, type Page, type TestInfo } from '@playwright/test';
import { type Agent, startAgent } from './agent.js';
import { type Hub, type HubOptions, startHub } from './hub.js';
import { SCREENSHOT_DIR } from './paths.js';

interface Fixtures {
  /** A real hub on a fresh data dir, started for this test and stopped after it. */
  hub: Hub;
  /** `page`, signed in through the hub's one-time login URL. */
  signedInPage: Page;
  /** Starts host agents (`--server --join`); all of them are stopped after the test, before the hub. */
  agents: { start(token: string): Promise<Agent> };
}

interface Options {
  /** How the hub is started, e.g. `test.use({ hubOptions: { env: LAUNCHPAD_LOCAL_ENV } })`; Plus by default. */
  hubOptions: HubOptions;
}

export const test = base.extend<Fixtures & Options>({
  hubOptions: [{}, { option: true }],
  hub: async ({ hubOptions }, use, testInfo) => {
    const hub = await startHub(hubOptions);
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
  // Depends on the hub so it is torn down first: agents stop while their hub still answers.
  agents: async ({ hub: _hub }, use, testInfo) => {
    const started: Agent[] = [];
    try {
      await use({
        start: async (token) => {
          const agent = startAgent(token);
          started.push(agent);
          return agent;
        },
      });
    } finally {
      for (const [i, agent] of started.entries()) {
        await agent.stop();
        await testInfo.attach(`agent ${i + 1} output`, { body: agent.output(), contentType: 'text/plain' });
      }
    }
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
 * report. Waits for fonts so pictures are not taken mid-render. `fullPage: false` takes the
 * viewport only: a modal dialog's backdrop covers the viewport, not the whole page.
 */
export async function screenshot(
  page: Page,
  testInfo: TestInfo,
  name: string,
  { fullPage = true }: { fullPage?: boolean } = {},
): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  // From the top: sticky parts (the sidebar) are drawn where the viewport was.
  await page.evaluate(async (scrollToTop) => {
    if (scrollToTop) window.scrollTo(0, 0);
    await document.fonts.ready;
  }, fullPage);
  await page.screenshot({ path, fullPage, animations: 'disabled' });
  await testInfo.attach(name, { path, contentType: 'image/png' });
  return path;
}

/** True when the page scrolls sideways (content wider than the viewport). */
export function scrollsHorizontally(page: Page): Promise<boolean> {
  return page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
}

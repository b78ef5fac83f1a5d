import { defineConfig } from '@playwright/test';
import { OUTPUT_DIR, ROOT } from './support/paths.js';

// The web UI against a real headless hub, in Debian's Chromium (never a downloaded browser).
export default defineConfig({
  testDir: '.',
  outputDir: OUTPUT_DIR,
  globalSetup: './support/global-setup.ts',
  // Every test starts its own hub process; one at a time keeps ports and CPU predictable.
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [
    ['list'],
    ['html', { outputFolder: `${ROOT}/playwright-report`, open: 'never' }],
    ['./support/summary-reporter.ts'],
  ],
  use: {
    // The hub's certificate comes from its own per-data-dir CA.
    ignoreHTTPSErrors: true,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [
    {
      name: 'web',
      testDir: './web',
      use: {
        browserName: 'chromium',
        viewport: { width: 1280, height: 860 },
        launchOptions: {
          executablePath: '/usr/bin/chromium',
          args: [
            '--no-sandbox',
            '--disable-gpu',
            '--no-first-run',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
          ],
        },
      },
    },
    // The desktop app through Playwright's Electron support; its specs skip (saying why) when no
    // Electron binary is installed.
    { name: 'electron', testDir: './electron' },
  ],
});

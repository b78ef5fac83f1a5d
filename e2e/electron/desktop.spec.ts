// The desktop app itself (Electron main + preload + the hub in-process), driven through
// Playwright's Electron support. Skipped, with the reason, where the Electron binary is not
// installed (it cannot be downloaded offline); on Linux CI it needs a display (xvfb-run).
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ElectronApplication, _electron as electron, expect, type Page, test } from '@playwright/test';
import { statusSchema } from '../../server/api/index.js';
import type { PinnedHub } from '../../server/desktop/cert-verify.js';
import { ELECTRON_INSTALL_HINT, findElectronBinary } from '../../server/desktop/electron-binary.js';
import { DESKTOP_PROBE_KEY, type DesktopProbe } from '../../server/desktop/probe.js';
import type { TrayModel } from '../../server/desktop/tray-menu.js';
import { ensureLocalTls } from '../../server/tls/index.js';
import { screenshot } from '../support/fixtures.js';
import { freeBasePort } from '../support/hub.js';
import { ROOT } from '../support/paths.js';

const binary = findElectronBinary(ROOT);
const BRIDGE = ['copyText', 'openDataFolder', 'restartHub', 'revealLogs', 'setDataDir'];

test.describe('desktop app', () => {
  test.skip(
    !binary.present,
    `no Electron binary: ${binary.present ? '' : binary.reason}; ${ELECTRON_INSTALL_HINT}`,
  );
  test.describe.configure({ mode: 'serial' });

  let app: ElectronApplication;
  let page: Page;
  let port: number;
  let hubOrigin: string;
  let tempRoot: string;
  let impostor: Server;
  let impostorPort: number;

  test.beforeAll(async () => {
    if (!binary.present) return;
    tempRoot = mkdtempSync(join(tmpdir(), 'lp-e2e-electron-'));
    port = await freeBasePort();
    hubOrigin = `https://127.0.0.1:${port}`;
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env))
      if (v !== undefined && !k.startsWith('COCALC_')) env[k] = v;
    app = await electron.launch({
      executablePath: binary.path,
      args: [ROOT],
      cwd: ROOT,
      env: {
        ...env,
        COCALC_BASE_PORT: String(port),
        COCALC_DATA_DIR: join(tempRoot, 'data'),
        LAUNCHPAD_USER_DATA_DIR: join(tempRoot, 'profile'),
      },
      timeout: 60_000,
    });
    page = await app.firstWindow();

    // A server on the hub's host with a certificate of its own: what an impostor would present.
    const tls = await ensureLocalTls({ dir: join(tempRoot, 'impostor-tls'), publicHost: '127.0.0.1' });
    impostor = createServer({ key: tls.keyPem, cert: tls.certPem }, (_req, res) => res.end('impostor'));
    await new Promise<void>((resolve) => impostor.listen(0, '127.0.0.1', resolve));
    const address = impostor.address();
    impostorPort = typeof address === 'object' && address ? address.port : 0;
  });

  test.afterAll(async () => {
    await app?.close();
    await new Promise<void>((resolve) => (impostor ? impostor.close(() => resolve()) : resolve()));
    if (tempRoot) rmSync(tempRoot, { recursive: true, force: true });
  });

  /** A request from the main process's session: the same network stack and pin the window uses. */
  function fetchFromApp(url: string): Promise<string> {
    return app.evaluate(async ({ session }, target) => {
      try {
        const res = await session.defaultSession.fetch(target);
        return `status ${res.status}`;
      } catch (err) {
        return `error ${(err as Error).message}`;
      }
    }, url);
  }

  /** The main process's probe (see server/desktop/probe.ts), read where it lives. */
  function trayModel(): Promise<TrayModel> {
    return app.evaluate(
      (_electron, key) => ((globalThis as Record<string, unknown>)[key] as DesktopProbe).trayModel(),
      DESKTOP_PROBE_KEY,
    );
  }
  function pinnedHub(): Promise<PinnedHub | null> {
    return app.evaluate(
      (_electron, key) => ((globalThis as Record<string, unknown>)[key] as DesktopProbe).pinnedHub(),
      DESKTOP_PROBE_KEY,
    );
  }

  test('the window opens on the hub, signed in, and shows the Overview', async () => {
    await expect(page).toHaveURL(new RegExp(`^${hubOrigin.replace(/\./g, '\\.')}/`));
    // A fresh data dir: the first-run wizard comes first and can be put off.
    await page.getByRole('button', { name: 'Not now' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Overview' })).toBeVisible();
    await screenshot(page, test.info(), 'desktop-overview');
  });

  test('the page gets the desktop bridge and nothing of Node', async () => {
    const seen = await page.evaluate(() => {
      const w = window as unknown as {
        launchpad?: Record<string, unknown>;
        require?: unknown;
        process?: unknown;
      };
      return {
        bridge: Object.keys(w.launchpad ?? {}).sort(),
        functions: Object.values(w.launchpad ?? {}).every((f) => typeof f === 'function'),
        require: typeof w.require,
        process: typeof w.process,
      };
    });
    expect(seen).toEqual({ bridge: BRIDGE, functions: true, require: 'undefined', process: 'undefined' });
    // A bridge call with a bad argument is refused by the main process.
    const refused = await page.evaluate(() =>
      (window as unknown as { launchpad: { setDataDir(d: unknown): Promise<void> } }).launchpad
        .setDataDir('relative/dir')
        .then(
          () => 'accepted',
          (err: Error) => err.message,
        ),
    );
    expect(refused).toContain('setDataDir: invalid arguments');
  });

  test('pinning: the hub’s own certificate is trusted for its origin, and nothing more', async () => {
    expect(page.url().startsWith(`${hubOrigin}/`)).toBe(true);
    const status = statusSchema.parse(
      await page.evaluate(async () => (await fetch('/api/status', { credentials: 'same-origin' })).json()),
    );
    const pinned = await pinnedHub();
    expect(pinned).toEqual({ origin: hubOrigin, leafFingerprint: status.tls.leafFingerprint });

    expect(await fetchFromApp(`${hubOrigin}/api/status`)).toBe('status 200');
    // Another certificate on the hub's host is refused.
    expect(await fetchFromApp(`https://127.0.0.1:${impostorPort}/`)).toMatch(/^error /);
    // The hub's certificate on another name is left to Chromium, which does not know the local CA.
    expect(await fetchFromApp(`https://localhost:${port}/api/status`)).toMatch(/^error /);
  });

  test('the tray shows the running hub and its full menu', async () => {
    const model = await trayModel();
    expect(model.icon).toBe('ready');
    expect(model.items.map((i) => i.id)).toEqual([
      'status',
      'copy-lan-url',
      'separator-1',
      'open-dashboard',
      'stop-hub',
      'open-data-folder',
      'separator-2',
      'start-at-login',
      'quit',
    ]);
    expect(model.items[0]?.label).toBe('Hub running: Plus');
  });

  test('closing the window keeps the hub running in the tray', async () => {
    await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]?.close());
    expect(
      await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().map((w) => w.isVisible())),
    ).toEqual([false]);
    expect(await fetchFromApp(`${hubOrigin}/api/status`)).toBe('status 200');
  });
});

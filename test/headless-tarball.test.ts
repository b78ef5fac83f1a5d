// The headless build target (`node build/headless.mjs`, after `npm run build`): the tarball holds
// the bundled server, its native modules and the renderer and nothing of the dev toolchain, and,
// unpacked into an empty directory, `bin/launchpad --server` runs with only Node on PATH.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, realpathSync, statSync, symlinkSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  freeBasePort,
  hubFetch,
  PACKAGE_VERSION,
  ROOT,
  startHub,
  tempDir,
  withHubHarness,
} from './support/hub-process.js';

withHubHarness();

const FOLDER = `launchpad-server-${PACKAGE_VERSION}`;
const TARBALL = join(ROOT, 'dist', `${FOLDER}-linux-${process.arch}.tar.gz`);
// Well above what it is (about 2 MiB): crossing it means a big dependency or the toolchain got in.
const MAX_BYTES = 20 * 1024 * 1024;
// Dev tooling; the renderer's libraries (in dist/renderer, bundled by vite); what runs only at install
// time; pino-roll's date-fns (bundled into node_modules/pino-roll/index.js); ssh2's optional addons.
const NOT_SHIPPED = [
  'electron',
  'electron-builder',
  'vite',
  'typescript',
  'vitest',
  'esbuild',
  '@biomejs',
  '@playwright',
  'react',
  'react-dom',
  'zustand',
  'date-fns',
  'prebuild-install',
  'nan',
  'cpu-features',
];

describe('headless tarball', { timeout: 180_000 }, () => {
  let entries: string[];
  let installed: string;

  beforeAll(() => {
    execFileSync(process.execPath, [join(ROOT, 'build', 'headless.mjs')], {
      cwd: ROOT,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    entries = execFileSync('tar', ['-tzf', TARBALL], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
      .split('\n')
      .filter(Boolean);
    const unpacked = tempDir();
    expect(readdirSync(unpacked)).toEqual([]);
    execFileSync('tar', ['-xzf', TARBALL, '-C', unpacked]);
    installed = join(unpacked, FOLDER);
  }, 180_000);

  it('holds one folder with the server, its native addon, the launcher and the service unit', () => {
    expect(new Set(entries.map((e) => e.split('/')[0]))).toEqual(new Set([FOLDER]));
    for (const file of [
      'bin/launchpad',
      'server/launchpad.mjs',
      'package.json',
      'launchpad.service',
      'INSTALL',
      'node_modules/better-sqlite3/build/Release/better_sqlite3.node',
      'node_modules/pino/lib/worker.js',
      'node_modules/pino-roll/index.js',
    ]) {
      expect(entries, file).toContain(`${FOLDER}/${file}`);
    }
    expect(statSync(join(installed, 'bin', 'launchpad')).mode & 0o111).toBe(0o111);
    expect(JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'))).toMatchObject({
      name: 'launchpad',
      version: PACKAGE_VERSION,
    });
    expect(readFileSync(join(installed, 'launchpad.service'), 'utf8')).toContain(
      'ExecStart=/opt/launchpad/bin/launchpad --server',
    );
    expect(existsSync(join(installed, 'dist', 'renderer', 'index.html'))).toBe(
      existsSync(join(ROOT, 'dist', 'renderer', 'index.html')),
    );
  });

  it('ships no dev dependencies and stays small', () => {
    const shipped = new Set(
      entries.flatMap((e) => {
        const m = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(e);
        return m?.[1] ? [m[1], m[1].split('/')[0]] : [];
      }),
    );
    for (const name of NOT_SHIPPED) expect(shipped.has(name), name).toBe(false);
    // No C sources, vendored sqlite or object files from the addon's build.
    expect(entries.filter((e) => /\.(c|cc|cpp|h|o|a|gyp)$/.test(e))).toEqual([]);
    const bytes = statSync(TARBALL).size;
    console.log(`headless tarball: ${(bytes / 1024 / 1024).toFixed(2)} MiB, ${entries.length} entries`);
    expect(bytes).toBeLessThan(MAX_BYTES);
  });

  it('runs from an unrelated directory through a symlink with only node on PATH', async () => {
    const elsewhere = tempDir();
    const link = join(elsewhere, 'launchpad');
    symlinkSync(join(installed, 'bin', 'launchpad'), link);
    // node's own directory and the system tools the sh launcher uses; nothing from the repository.
    const path = [...new Set([dirname(process.execPath), '/usr/bin', '/bin'])].join(delimiter);
    expect(path).not.toContain(ROOT);

    const hub = await startHub({
      command: [link],
      cwd: elsewhere,
      port: await freeBasePort(),
      env: { PATH: path, NODE_PATH: undefined, NODE_OPTIONS: undefined },
    });

    const status = await hubFetch(hub.port, '/api/status', { ca: hub.caPem });
    expect(status.status).toBe(200);
    // The launcher execs node with its V8 flag (build/headless/launcher.mjs NODE_FLAGS): the
    // process it started is that node now.
    const cmdline = readFileSync(`/proc/${hub.pid}/cmdline`, 'utf8').split('\0');
    expect(cmdline.slice(1, 3)).toEqual([
      '--initial-old-space-size=128',
      join(realpathSync(installed), 'server', 'launchpad.mjs'),
    ]);
    expect(status.json).toMatchObject({ product: 'plus', version: PACKAGE_VERSION });

    const page = await hubFetch(hub.port, '/', { ca: hub.caPem });
    expect(page.status).toBe(200);
    const renderer = join(installed, 'dist', 'renderer', 'index.html');
    if (existsSync(renderer)) expect(page.text).toBe(readFileSync(renderer, 'utf8'));
    else expect(page.text).toContain('Launchpad hub is running');

    expect(await hub.stop('SIGTERM')).toBe(0);
    // The rotating file log is a pino transport resolved by name ('pino-roll') in a worker thread.
    expect(readdirSync(join(hub.dataDir, 'logs'))).toContain('launchpad.1.log');
  });
});

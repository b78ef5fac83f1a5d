import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type CliResult,
  freeBasePort,
  runCli,
  snapshotDir,
  startHub,
  tempDir,
  withHubHarness,
} from './support/hub-process.js';

withHubHarness();

/** A data dir left by a clean run of the hub (product plus stored), and its snapshot. */
let existing: string;
let existingSnapshot: Record<string, string> | null;
let keyFile: string;

beforeAll(async () => {
  const hub = await startHub();
  expect(await hub.stop('SIGTERM')).toBe(0);
  existing = hub.dataDir;
  existingSnapshot = snapshotDir(existing);
  keyFile = join(tempDir(), 'some.key');
  writeFileSync(keyFile, 'not really a key\n');
});

/** Starts the hub on `dataDir` and expects it to refuse: exit 2, no banner, `variable` on stderr. */
async function expectRefusal(
  dataDir: string,
  env: Record<string, string>,
  variable: string,
): Promise<CliResult> {
  const res = await runCli(['--server', '--data-dir', dataDir], env);
  expect(res.code, `stdout:\n${res.stdout}\nstderr:\n${res.stderr}`).toBe(2);
  expect(res.stderr).toContain(variable);
  expect(res.stderr).toMatch(/^launchpad: /);
  expect(res.stdout).not.toContain('Sign in');
  return res;
}

/** The case against a data dir that does not exist yet (it must not appear) and against `existing` (unchanged). */
async function refusedOnBoth(env: () => Record<string, string>, variable: string): Promise<CliResult[]> {
  const fresh = join(tempDir(), 'data');
  const [onFresh, onExisting] = await Promise.all([
    expectRefusal(fresh, env(), variable),
    expectRefusal(existing, env(), variable),
  ]);
  expect(snapshotDir(fresh)).toBeNull();
  expect(snapshotDir(existing)).toEqual(existingSnapshot);
  return [onFresh, onExisting];
}

// The cases only read the data dirs, so they run side by side.
describe.concurrent('invalid configuration: exit 2, the variable named, the data dir untouched', () => {
  it('COCALC_PRODUCT=launchpad without COCALC_DEPLOYMENT_MODE (fresh data dir)', async () => {
    const fresh = join(tempDir(), 'data');
    const res = await expectRefusal(
      fresh,
      { COCALC_PRODUCT: 'launchpad', COCALC_BASE_PORT: String(await freeBasePort()) },
      'COCALC_DEPLOYMENT_MODE',
    );
    expect(res.stderr).toMatch(/COCALC_DEPLOYMENT_MODE=local/);
    expect(snapshotDir(fresh)).toBeNull();
  });

  it('COCALC_PRODUCT=banana (a typo is refused even where the stored product wins)', async () => {
    const [res] = await refusedOnBoth(() => ({ COCALC_PRODUCT: 'banana' }), 'COCALC_PRODUCT');
    expect(res?.stderr).toContain('banana');
  });

  it('COCALC_ROCKET_CONTROL_PLANE=multi with plus (fresh data dir)', async () => {
    const fresh = join(tempDir(), 'data');
    await expectRefusal(fresh, { COCALC_ROCKET_CONTROL_PLANE: 'multi' }, 'COCALC_ROCKET_CONTROL_PLANE');
    expect(snapshotDir(fresh)).toBeNull();
  });

  it('on an existing data dir the stored product wins: COCALC_PRODUCT and COCALC_ROCKET_CONTROL_PLANE are ignored with a note', async () => {
    const res = await runCli(['config', '--json', '--data-dir', existing], {
      COCALC_PRODUCT: 'rocket',
      COCALC_ROCKET_CONTROL_PLANE: 'multi',
    });
    expect(res.code).toBe(0);
    const d = JSON.parse(res.stdout);
    expect(d.values.product).toMatchObject({ value: 'plus', source: 'setting' });
    expect(d.ignoredEnv.join('\n')).toContain('COCALC_PRODUCT is ignored');
    expect(d.ignoredEnv.join('\n')).toContain('COCALC_ROCKET_CONTROL_PLANE is ignored');
    expect(snapshotDir(existing)).toEqual(existingSnapshot);
  });

  for (const value of ['0', '70000', 'abc']) {
    it(`COCALC_BASE_PORT=${value}`, async () => {
      const [res] = await refusedOnBoth(() => ({ COCALC_BASE_PORT: value }), 'COCALC_BASE_PORT');
      expect(res?.stderr).toContain(value);
    });
  }

  it('base port already in use', async () => {
    const port = await freeBasePort();
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    try {
      const results = await refusedOnBoth(() => ({ COCALC_BASE_PORT: String(port) }), 'COCALC_BASE_PORT');
      for (const res of results) {
        expect(res.stderr).toContain(`port ${port}`);
        expect(res.stderr).toMatch(/already in use/);
      }
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('COCALC_HTTP_PORT=99999', async () => {
    const port = String(await freeBasePort());
    await refusedOnBoth(() => ({ COCALC_BASE_PORT: port, COCALC_HTTP_PORT: '99999' }), 'COCALC_HTTP_PORT');
  });

  it('COCALC_TLS_CERT without COCALC_TLS_KEY', async () => {
    const port = String(await freeBasePort());
    await refusedOnBoth(() => ({ COCALC_BASE_PORT: port, COCALC_TLS_CERT: keyFile }), 'COCALC_TLS_KEY');
  });

  it('COCALC_TLS_CERT pointing to a missing file', async () => {
    const port = String(await freeBasePort());
    const missing = join(tempDir(), 'missing.crt');
    const results = await refusedOnBoth(
      () => ({ COCALC_BASE_PORT: port, COCALC_TLS_CERT: missing, COCALC_TLS_KEY: keyFile }),
      'COCALC_TLS_CERT',
    );
    for (const res of results) expect(res.stderr).toContain(missing);
  });
});

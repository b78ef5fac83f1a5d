import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { LATEST_SCHEMA_VERSION, migrate, openDatabase, SettingsRepo } from '../server/db/index.js';
import {
  freeBasePort,
  hubFetch,
  runCli,
  sha256File,
  signIn,
  snapshotDir,
  startHub,
  tempDir,
  withHubHarness,
} from './support/hub-process.js';

withHubHarness();

function userVersion(path: string): number {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return db.pragma('user_version', { simple: true }) as number;
  } finally {
    db.close();
  }
}

describe.concurrent('data-dir lock', () => {
  it('a second hub on the same data dir exits 2 naming the first one’s PID; the first keeps serving', async () => {
    const first = await startHub();
    const lockBefore = readFileSync(join(first.dataDir, 'launchpad.lock'), 'utf8');

    const second = await runCli(['--server', '--data-dir', first.dataDir], {
      COCALC_BASE_PORT: String(await freeBasePort()),
    });
    expect(second.code).toBe(2);
    expect(second.stderr).toContain(`PID ${first.pid}`);
    expect(second.stderr).toMatch(/already running/);
    expect(second.stdout).not.toContain('Sign in');

    expect(readFileSync(join(first.dataDir, 'launchpad.lock'), 'utf8')).toBe(lockBefore);
    const status = await hubFetch(first.port, '/api/status', { ca: first.caPem });
    expect(status.status).toBe(200);
    expect(first.proc.exitCode).toBeNull();
    expect(await first.stop('SIGTERM')).toBe(0);
  });

  it('a lock left by a dead process does not keep the hub from starting', async () => {
    const dataDir = tempDir();
    const dead = spawnSync(process.execPath, ['-e', '']);
    expect(dead.status).toBe(0);
    writeFileSync(
      join(dataDir, 'launchpad.lock'),
      JSON.stringify({ pid: dead.pid, startedAt: Date.now() - 60_000, httpsPort: 1, hostname: 'crashed' }),
      { mode: 0o600 },
    );
    const hub = await startHub({ dataDir });
    const lock = JSON.parse(readFileSync(join(dataDir, 'launchpad.lock'), 'utf8'));
    expect(lock).toMatchObject({ pid: hub.pid, httpsPort: hub.port });
    expect((await hubFetch(hub.port, '/api/status', { ca: hub.caPem })).status).toBe(200);
    expect(await hub.stop('SIGTERM')).toBe(0);
  });
});

describe.concurrent('database schema', () => {
  it('migrates a database from an older schema version and keeps its settings', async () => {
    const dataDir = tempDir();
    const dbPath = join(dataDir, 'launchpad.db');
    const db = openDatabase(dbPath);
    migrate(db, { target: 1 });
    new SettingsRepo(db).set('publicHost', 'hub.example.test');
    db.close();
    expect(userVersion(dbPath)).toBe(1);
    expect(LATEST_SCHEMA_VERSION).toBeGreaterThan(1);

    const hub = await startHub({ dataDir });
    const migrated = await hub.waitForLog((l) => l.msg === 'database migrated');
    expect(migrated).toMatchObject({ from: 1, to: LATEST_SCHEMA_VERSION });
    const cookie = await signIn(hub, hub.loginUrl);
    const status = await hubFetch(hub.port, '/api/status', { ca: hub.caPem, cookie });
    expect(status.json.detail.publicHost).toBe('hub.example.test');
    const settings = await hubFetch(hub.port, '/api/settings', { ca: hub.caPem, cookie });
    expect(settings.json.settings).toContainEqual(
      expect.objectContaining({ key: 'publicHost', value: 'hub.example.test', source: 'setting' }),
    );
    expect(userVersion(dbPath)).toBe(LATEST_SCHEMA_VERSION);
    expect(await hub.stop('SIGTERM')).toBe(0);
    expect(userVersion(dbPath)).toBe(LATEST_SCHEMA_VERSION);
  });

  it('refuses a database from a newer Launchpad (exit 2) and leaves it byte for byte', async () => {
    const dataDir = tempDir();
    const dbPath = join(dataDir, 'launchpad.db');
    const db = openDatabase(dbPath);
    migrate(db);
    db.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 1}`);
    db.close();
    const hash = sha256File(dbPath);
    const before = snapshotDir(dataDir);

    const res = await runCli(['--server', '--data-dir', dataDir], {
      COCALC_BASE_PORT: String(await freeBasePort()),
    });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/newer/);
    expect(res.stderr).toContain(`schema version ${LATEST_SCHEMA_VERSION + 1}`);
    expect(sha256File(dbPath)).toBe(hash);
    expect(snapshotDir(dataDir)).toEqual(before);
  });
});

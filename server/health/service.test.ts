import { spawnSync } from 'node:child_process';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HubHosts } from '../hosts/index.js';
import { insertBareHost, testHubHosts } from '../hosts/test-support.js';
import { SshdFixture } from '../sshd/test-support.js';
import { registerHealthKey } from './health-key.js';
import { HealthService } from './service.js';

// The service over real parts: an embedded sshd with its SFTP jail and sqlite, the hosts
// registry on the same db and the real TLS dates. Only the period is short, and the disk is a
// fixed one: the real disk's free space, which other processes change, is part of the disk
// check's message, and a round that crosses a rounding step (63.5 GiB, say) is a change that
// these tests do not make (the real disk is read in checks/tls-disk.test.ts).
const FIXED_DISK = async () => ({ bsize: 4096, blocks: 1_000_000, bavail: 500_000 });

let f: SshdFixture;
let hosts: HubHosts;
let service: HealthService;

function chattr(flag: '+i' | '-i', path: string): void {
  const r = spawnSync('chattr', [flag, path]);
  if (r.status !== 0) throw new Error(`chattr ${flag} ${path}: ${r.stderr.toString()}`);
}

beforeEach(async () => {
  f = await SshdFixture.start();
  hosts = testHubHosts(f.db, f.dir);
  insertBareHost(f.db, 'h1', Date.now());
  service = new HealthService({
    sshd: {
      handle: f.sshd,
      hostKey: f.hostKey.publicKey,
      key: registerHealthKey(f.keys),
      repoDir: f.sftpRoot,
    },
    tls: { notAfter: new Date(Date.now() + 400 * 86_400_000), custom: false },
    dataDir: f.dir,
    hosts,
    projects: { list: () => [], subscribe: () => () => undefined },
    logger: pino({ level: 'silent' }),
    intervalMs: 3_600_000,
    debounceMs: 20,
    statfs: FIXED_DISK,
  });
});
afterEach(async () => {
  service.stop();
  await service.settled();
  hosts.stop();
  await f.close();
});

const byId = () => Object.fromEntries(service.report().checks.map((c) => [c.id, c]));
const nextChange = () =>
  new Promise<void>((resolve) => {
    const off = service.subscribe(() => {
      off();
      resolve();
    });
  });

describe('HealthService', () => {
  it('runs every check at start; a host that never connected makes it Degraded, not Error', async () => {
    const changed = nextChange();
    service.start();
    await changed;
    const checks = byId();
    expect(Object.keys(checks).sort()).toEqual([
      'disk',
      'host-route:h1',
      'host-tunnel:h1',
      'sftp-write',
      'sshd',
      'tls',
    ]);
    expect(checks.sshd?.status).toBe('ok');
    expect(checks['sftp-write']?.status).toBe('ok');
    expect(checks['host-tunnel:h1']?.status).toBe('warn');
    expect(checks['host-route:h1']?.status).toBe('warn');
    expect(service.report().summary).toBe('degraded');
  });

  it('keeps since while a status stays, tells listeners only about changes, and an sftp error is Error', async () => {
    service.start();
    await service.settled();
    const first = byId();
    let changes = 0;
    service.subscribe(() => changes++);
    await service.runNow();
    expect(changes).toBe(0);
    expect(byId().sshd?.since).toBe(first.sshd?.since);

    chattr('+i', f.sftpRoot);
    try {
      await service.runNow();
    } finally {
      chattr('-i', f.sftpRoot);
    }
    expect(changes).toBe(1);
    const failed = byId();
    expect(failed['sftp-write']).toMatchObject({
      status: 'error',
      message: expect.stringContaining(f.sftpRoot),
    });
    expect(failed['sftp-write']?.since).not.toBe(first['sftp-write']?.since);
    expect(failed.sshd?.since).toBe(first.sshd?.since);
    expect(service.report().summary).toBe('error');

    await service.runNow();
    expect(changes).toBe(2);
    expect(byId()['sftp-write']?.status).toBe('ok');
    expect(service.report().summary).toBe('degraded');
  });

  it('a change of hosts runs a round soon (debounced): a removed host’s checks go away', async () => {
    service.start();
    await service.settled();
    const changed = nextChange();
    expect(await hosts.removeHost('h1')).toBe(true);
    await changed;
    expect(Object.keys(byId())).not.toContain('host-tunnel:h1');
    expect(service.report().summary).toBe('ready');
  });

  it('with a backup source, projects get a backup-age check', async () => {
    const withBackups = new HealthService({
      sshd: null,
      tls: { notAfter: new Date(Date.now() + 400 * 86_400_000), custom: false },
      dataDir: f.dir,
      hosts,
      projects: {
        list: () => [{ id: 'p1', name: 'thesis', createdAt: '2020-01-01T00:00:00Z' }],
        subscribe: () => () => undefined,
      },
      backups: { lastSuccessAt: () => null, intervalHours: () => 24 },
      logger: pino({ level: 'silent' }),
      intervalMs: 3_600_000,
    });
    await withBackups.runNow();
    const check = withBackups.report().checks.find((c) => c.id === 'backup-age:p1');
    expect(check).toMatchObject({ scope: 'project', status: 'warn' });
    withBackups.stop();
  });
});

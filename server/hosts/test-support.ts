// Shared harness of the hosts unit tests: a migrated sqlite file in a temp dir, a silent logger,
// a settable clock, and HubHosts wired to them the way the hub wires it.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { type Db, migrate, openDatabase } from '../db/index.js';
import type { Logger } from '../log/index.js';
import { openSshPublicKey } from '../sshd/index.js';
import { HostsError } from './errors.js';
import { HubHosts, type HubHostsOptions } from './hub-hosts.js';
import type { HubIdentity } from './hub-identity.js';

export const silentLogger: Logger = pino({ level: 'silent' });

/** A fresh migrated database file; `close()` closes it and removes the dir. */
export function tempDb(): { db: Db; dir: string; path: string; close(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'lp-hosts-'));
  const path = join(dir, 'launchpad.db');
  const db = openDatabase(path);
  migrate(db);
  return {
    db,
    dir,
    path,
    close() {
      if (db.open) db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A minimal hosts row (for tests of what refers to hosts, such as host_ports). */
export function insertBareHost(db: Db, id: string, now = 0): void {
  db.prepare(
    `INSERT INTO hosts (id, name, platform, agent_version, credential_hash, service_secret, created_at)
     VALUES (?, ?, 'test', '0', 'x', 'x', ?)`,
  ).run(id, id, now);
}

/** A settable clock for `now` options. */
export function testClock(start = Date.UTC(2030, 0, 1)): { now: () => number; advance(ms: number): void } {
  let t = start;
  return {
    now: () => t,
    advance(ms: number) {
      t += ms;
    },
  };
}

export const TEST_IDENTITY: HubIdentity = {
  publicHost: 'hub.test',
  httpsPort: 9200,
  sshdPort: 9201,
  tlsPin: Array.from({ length: 32 }, () => 'AB').join(':'),
  sshFingerprint: 'SHA256:testtesttesttesttesttesttesttesttesttesttes',
  sshHostKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHXChwAA7hCXYKx3ZswhhXdt77JGgPbQl1+wYru3I9ZS',
};

/** HubHosts of a Launchpad hub on `db`, without an sshd. */
export function testHubHosts(db: Db, dir: string, opts: Partial<HubHostsOptions> = {}): HubHosts {
  return new HubHosts({
    db,
    logger: silentLogger,
    version: '0.0.0-test',
    startedAt: 0,
    launchpad: {
      identity: TEST_IDENTITY,
      tunnelRange: { first: 20_000, last: 20_009 },
      backupPasswordFile: join(dir, 'secrets', 'backup-repo-password'),
    },
    ...opts,
  });
}

/** A fresh ed25519 public key line, as a host's tunnel or sftp key. */
export function newPublicKeyLine(): string {
  return openSshPublicKey(generateKeyPairSync('ed25519').publicKey);
}

/** A join request for `token` (decoded) with fresh keys. */
export function joinRequestFor(p: { id: string; secret: string }, name = 'box') {
  return {
    tokenId: p.id,
    secret: p.secret,
    name,
    platform: 'linux-x64',
    agentVersion: '0.0.0-test',
    tunnelKey: newPublicKeyLine(),
    sftpKey: newPublicKeyLine(),
  };
}

/** The HostsError that `fn` throws (any other outcome fails the test). */
export function refusal(fn: () => unknown): HostsError {
  try {
    fn();
  } catch (err) {
    if (err instanceof HostsError) return err;
    throw err;
  }
  throw new Error('expected a HostsError');
}

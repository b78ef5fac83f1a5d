import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackupEvent } from '../../projects/index.js';
import { fingerprintOfPublicKey } from '../../sshd/index.js';
import { makeClientKey, type RegisteredKey, SshdFixture } from '../../sshd/test-support.js';
import { failure } from '../restic/fail.js';
import { resticSnapshots } from '../restic/index.js';
import { hashTree, sampleProject, tempDir } from '../restic/test-support.js';
import { HostBackups } from './host-backups.js';
import { type AgentRepoOptions, agentBackupRepo } from './repo-config.js';

// A joined host's backups: restic over SFTP through our real sshd, with OpenSSH's ssh as
// sftp.command and the hub's host key pinned in known_hosts, as the agent runs them.

const SLOW = { timeout: 240_000 };
const PROJECT = '3f0c1a52-6a7b-4c1e-9d2f-0a1b2c3d4e5f';
let f: SshdFixture;
let key: RegisteredKey;
let dir: string;
let projectsDir: string;

beforeAll(async () => {
  f = await SshdFixture.start();
  key = f.addKey('sftp', { owner: 'host-a' });
  dir = tempDir();
  projectsDir = join(dir, 'projects');
  sampleProject(join(projectsDir, PROJECT));
});

afterAll(async () => {
  await f.close();
});

/** An agent dir as a join leaves it (the sftp key in it); a space in the path, as on macOS. */
function agentDir(name: string): string {
  const d = join(dir, `agent ${name}`);
  mkdirSync(d, { recursive: true, mode: 0o700 });
  copyFileSync(key.path, join(d, 'sftp_ed25519'));
  return d;
}

function agentOptions(d: string, over: Partial<AgentRepoOptions> = {}): AgentRepoOptions {
  return {
    agentDir: d,
    sshd: { host: '127.0.0.1', port: f.sshd.port, hostKey: f.hostKey.publicKey },
    hostKeyPin: f.hostKey.fingerprint,
    backup: { repoPath: '/', password: 'the hub repository password' },
    ...over,
  };
}

/** Runs one operation and returns its events. */
async function events(op: (onEvent: (e: BackupEvent) => void) => Promise<void>): Promise<BackupEvent[]> {
  const out: BackupEvent[] = [];
  await op((e) => out.push(e));
  return out;
}

const last = (list: BackupEvent[]) => list[list.length - 1];

describe('host backups over SFTP through the hub sshd', () => {
  it('backs up into the jail root (the hub backup-repo/) and restores byte-identical', SLOW, async () => {
    const d = agentDir('a');
    const repo = agentBackupRepo(agentOptions(d));
    const backups = new HostBackups({ projectsDir, repo, logger: pino({ enabled: false }) });
    const projectDir = backups.projectDir(PROJECT);
    const original = hashTree(projectDir);

    const made = await events((on) => backups.backup(PROJECT, projectDir, on));
    const done = last(made);
    expect(done, JSON.stringify(made)).toMatchObject({ type: 'done', summary: { totalFiles: 5 } });
    // restic's sftp:…:/ is the sshd's SFTP root, which the hub serves from its backup-repo/.
    expect(existsSync(join(f.sftpRoot, 'config'))).toBe(true);
    // What the agent wrote for restic and ssh: owner-only.
    for (const file of ['known_hosts', 'backup-password'])
      expect(statSync(join(d, file)).mode & 0o777, file).toBe(0o600);
    expect(readFileSync(join(d, 'known_hosts'), 'utf8')).toBe(
      `[127.0.0.1]:${f.sshd.port} ${f.hostKey.publicKey.split(' ').slice(0, 2).join(' ')}\n`,
    );

    const snapshots = await resticSnapshots(await repo(), { host: `project-${PROJECT}`, tags: [PROJECT] });
    expect(snapshots.map((s) => s.id)).toEqual([(done as { snapshotId: string }).snapshotId]);

    const restored = await events((on) =>
      backups.restore(PROJECT, projectDir, { snapshotId: snapshots[0]!.id }, on),
    );
    const end = last(restored) as { type: string; restoredTo: string };
    expect(end.type, JSON.stringify(restored)).toBe('done');
    expect(end.restoredTo).toMatch(/^restore-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ\/$/);
    expect(hashTree(join(projectDir, end.restoredTo))).toEqual(original);
  });

  it('an agent state without the hub key: scanned, kept only when it matches the pin', SLOW, async () => {
    const d = agentDir('b');
    const { hostKey: _stored, ...sshd } = agentOptions(d).sshd;
    const repo = await agentBackupRepo(agentOptions(d, { sshd }))();
    expect(readFileSync(join(d, 'known_hosts'), 'utf8')).toContain(f.hostKey.publicKey.split(' ')[1]);
    expect((await resticSnapshots(repo)).length).toBeGreaterThan(0);

    const other = makeClientKey(dir, 'not-the-hub');
    const wrongPin = agentBackupRepo(
      agentOptions(d, { sshd, hostKeyPin: fingerprintOfPublicKey(other.publicKey) }),
    );
    const err = await wrongPin().then(
      () => null,
      (e: { code: string; message: string }) => e,
    );
    expect(err?.code).toBe('repository_unreachable');
    expect(err?.message).toMatch(/host key/);
  });

  it(
    'a known_hosts pin that is not the hub key → repository_unreachable naming the host key',
    SLOW,
    async () => {
      const d = agentDir('c');
      const other = makeClientKey(dir, 'impostor');
      const repo = agentBackupRepo(
        agentOptions(d, {
          sshd: { host: '127.0.0.1', port: f.sshd.port, hostKey: other.publicKey },
          hostKeyPin: fingerprintOfPublicKey(other.publicKey),
        }),
      );
      const backups = new HostBackups({ projectsDir, repo, logger: pino({ enabled: false }) });
      const got = await events((on) => backups.backup(PROJECT, backups.projectDir(PROJECT), on));
      expect(got).toHaveLength(1);
      const err = got[0] as { type: string; code: string; message: string };
      expect(err.type).toBe('error');
      expect(err.code).toBe('repository_unreachable');
      expect(err.message).toMatch(/SSH host key of 127\.0\.0\.1/);
    },
  );

  // restic passes ssh's stderr on from a goroutine and can exit midway through it: CI once got
  // only the first line of OpenSSH's host key warning, and the error did not name the host key.
  it('restic stopped after the first line of ssh’s host key warning: ssh is asked again, and the error names the host key', async () => {
    const d = agentDir('d');
    const other = makeClientKey(dir, 'impostor-2');
    const repo = await agentBackupRepo(
      agentOptions(d, {
        sshd: { host: '127.0.0.1', port: f.sshd.port, hostKey: other.publicKey },
        hostKeyPin: fingerprintOfPublicKey(other.publicKey),
      }),
    )();
    const cut = [
      'subprocess ssh: @@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@',
      'Fatal: unable to open repository at sftp:lp@127.0.0.1:/: unable to start the sftp session, error: EOF',
    ].join('\n');
    const err = await failure(repo, 'snapshots', { code: 1, stdout: '', stderr: cut });
    expect(err.code).toBe('repository_unreachable');
    expect(err.message).toMatch(/SSH host key of 127\.0\.0\.1/);
  });
});

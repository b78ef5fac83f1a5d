import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HostBackups, localBackupRepo, type ResticRepo, resticSnapshots } from '../backups/index.js';
import { hashTree, sampleProject, tempDir } from '../backups/restic/test-support.js';
import { SIGNATURE_HEADER, signServiceRequest } from '../hosts/index.js';
import type { BackupEvent } from '../projects/index.js';
import { type HostService, startHostService } from './host-service.js';

// The host service's backup and restore routes with real restic on a local repository, laid out
// as "this machine" has it: <data dir>/backup-repo and secrets/backup-repo-password.

const SECRET = 'per-host-service-secret';
const PROJECT = '6b1f0e6a-2c3d-4e5f-8a9b-0c1d2e3f4a5b';
const SLOW = { timeout: 240_000 };
let dataDir: string;
let service: HostService;
let backups: HostBackups;
/** Holds every operation before it touches the repository, while the test says so. */
let gate: Promise<void> = Promise.resolve();
let local: () => Promise<ResticRepo>;

beforeAll(async () => {
  dataDir = tempDir('lp-host-backups-');
  const projectsDir = join(dataDir, 'projects');
  const projectDir = join(projectsDir, PROJECT);
  sampleProject(projectDir);
  // Enough files for restic to print status lines while it works.
  for (let d = 0; d < 20; d++) {
    mkdirSync(join(projectDir, 'many', `d${d}`), { recursive: true });
    for (let i = 0; i < 100; i++) writeFileSync(join(projectDir, 'many', `d${d}`, `f${i}`), `${d}/${i}\n`);
  }
  // The sshd makes backup-repo/ at start: restic init must take an existing empty directory.
  mkdirSync(join(dataDir, 'backup-repo'), { mode: 0o700 });
  local = localBackupRepo({
    backupRepo: join(dataDir, 'backup-repo'),
    backupRepoPassword: join(dataDir, 'secrets', 'backup-repo-password'),
  });
  backups = new HostBackups({
    projectsDir,
    repo: async (): Promise<ResticRepo> => {
      await gate;
      return local();
    },
    logger: pino({ enabled: false }),
  });
  service = await startHostService({
    port: 0,
    hostId: 'host_1',
    serviceSecret: SECRET,
    version: '9.9.9',
    logger: pino({ enabled: false }),
    backups,
  });
});

afterAll(async () => {
  await service.close();
});

interface Reply {
  status: number;
  contentType: string | undefined;
  /** NDJSON lines for a 200, the JSON body otherwise. */
  lines: unknown[];
}

/** POSTs a signed control request; resolves once the headers are in, `done` when the body ended. */
function post(
  path: string,
  body: unknown,
  projectId = PROJECT,
): Promise<{ status: number; done: Promise<Reply> }> {
  return new Promise((resolve, reject) => {
    const text = JSON.stringify(body);
    const req = request(
      {
        host: '127.0.0.1',
        port: service.port,
        method: 'POST',
        path,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(text),
          [SIGNATURE_HEADER]: signServiceRequest(SECRET, 'POST', path, Date.now(), { projectId }),
        },
      },
      (res) => {
        const done = new Promise<Reply>((end, fail) => {
          let data = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => {
            data += c;
          });
          res.on('error', fail);
          res.on('end', () => {
            const lines =
              res.statusCode === 200
                ? data
                    .split('\n')
                    .filter((l) => l !== '')
                    .map((l) => JSON.parse(l) as unknown)
                : [JSON.parse(data) as unknown];
            end({ status: res.statusCode ?? 0, contentType: res.headers['content-type'], lines });
          });
        });
        resolve({ status: res.statusCode ?? 0, done });
      },
    );
    req.on('error', reject);
    req.end(text);
  });
}

const route = (action: string, id = PROJECT) => `/_lp/projects/${id}/${action}`;
const projectDir = () => backups.projectDir(PROJECT);
let snapshotId = '';

describe('backup and restore through the host service', () => {
  it(
    'POST backup → NDJSON progress then one done; a second POST meanwhile → 409 backup_running',
    SLOW,
    async () => {
      let open!: () => void;
      gate = new Promise((r) => {
        open = r;
      });
      const first = await post(route('backup'), {});
      expect(first.status).toBe(200);
      // The first one is held before restic starts: the project is busy, deterministically.
      const second = await post(route('backup'), {});
      const refused = await second.done;
      expect(refused.status).toBe(409);
      const error = (refused.lines[0] as { error: { code: string; message: string } }).error;
      expect(error.code).toBe('backup_running');
      expect(error.message).toMatch(/a backup of this project is running since \d{4}-\d\d-\d\dT/);
      // A restore is the same kind of operation on the project: refused too.
      expect((await (await post(route('restore'), { snapshotId: 'deadbeef' })).done).status).toBe(409);
      open();

      const reply = await first.done;
      expect(reply.contentType).toBe('application/x-ndjson');
      const events = reply.lines as BackupEvent[];
      const ends = events.filter((e) => e.type === 'done' || e.type === 'error');
      expect(ends, JSON.stringify(ends)).toHaveLength(1);
      expect(events.at(-1)?.type).toBe('done');
      expect(events.filter((e) => e.type === 'progress').length).toBeGreaterThan(0);
      const done = events.at(-1) as Extract<BackupEvent, { type: 'done' }>;
      expect(done.summary?.totalFiles).toBe(2005);
      expect(done.snapshotId).toMatch(/^[0-9a-f]{64}$/);
      snapshotId = done.snapshotId as string;

      // Free again once done.
      const again = await (await post(route('backup'), {})).done;
      expect((again.lines.at(-1) as BackupEvent).type).toBe('done');
    },
  );

  it(
    'a hub that hangs up mid-stream cancels the backup: no snapshot, the project free again',
    SLOW,
    async () => {
      const before = (await resticSnapshots(await local())).length;
      let open!: () => void;
      gate = new Promise((r) => {
        open = r;
      });
      const path = route('backup');
      const req = request({
        host: '127.0.0.1',
        port: service.port,
        method: 'POST',
        path,
        headers: {
          [SIGNATURE_HEADER]: signServiceRequest(SECRET, 'POST', path, Date.now(), { projectId: PROJECT }),
        },
      });
      // The test cuts the connection itself; the socket error that follows is expected.
      req.on('error', () => undefined);
      const gotHeaders = new Promise<number>((r) => req.on('response', (res) => r(res.statusCode ?? 0)));
      req.end('{}');
      expect(await gotHeaders).toBe(200);
      expect(backups.busy(PROJECT)?.kind).toBe('backup');
      req.destroy();
      while (backups.busy(PROJECT) !== null) {
        open();
        await new Promise((r) => setTimeout(r, 50));
      }
      expect((await resticSnapshots(await local())).length).toBe(before);
    },
  );

  it(
    'restore → a new restore-<time>/ folder, byte-identical; the same snapshot again → restore-<time>-2/',
    SLOW,
    async () => {
      expect(snapshotId).not.toBe('');
      const original = hashTree(projectDir());
      const restoredTo: string[] = [];
      for (let i = 0; i < 2; i++) {
        const reply = await (await post(route('restore'), { snapshotId })).done;
        expect(reply.status).toBe(200);
        const done = reply.lines.at(-1) as Extract<BackupEvent, { type: 'done' }>;
        expect(done.type, JSON.stringify(reply.lines.slice(-2))).toBe('done');
        expect(done.files).toBe(2005);
        restoredTo.push(done.restoredTo as string);
        expect(hashTree(join(projectDir(), done.restoredTo as string))).toEqual(original);
      }
      expect(restoredTo[0]).toMatch(/^restore-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ\/$/);
      expect(restoredTo[1]).toBe(`${restoredTo[0]!.slice(0, -1)}-2/`);

      // One file of it, at its place relative to the project.
      const one = await (await post(route('restore'), { snapshotId, path: 'notes/deep/n.md' })).done;
      const done = one.lines.at(-1) as Extract<BackupEvent, { type: 'done' }>;
      expect(done).toMatchObject({ type: 'done', files: 1, restoredTo: `${restoredTo[0]!.slice(0, -1)}-3/` });
      expect(hashTree(join(projectDir(), done.restoredTo as string))).toEqual({
        'notes/deep/n.md': original['notes/deep/n.md'],
      });
    },
  );

  it(
    'refusals before the stream: bad paths 400, a project without files 404, a foreign snapshot an error line',
    SLOW,
    async () => {
      for (const path of ['../etc/passwd', '/etc/passwd', 'a/../../b']) {
        const reply = await (await post(route('restore'), { snapshotId: 'deadbeef', path })).done;
        expect(reply.status, path).toBe(400);
        expect((reply.lines[0] as { error: { code: string; message: string } }).error).toMatchObject({
          code: 'invalid_path',
        });
      }
      const other = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
      const missing = await (await post(route('backup', other), {}, other)).done;
      expect(missing.status).toBe(404);
      expect((missing.lines[0] as { error: { code: string } }).error.code).toBe('project_not_found');

      const unknown = await (await post(route('restore'), { snapshotId: 'deadbeef' })).done;
      expect(unknown.status).toBe(200);
      expect(unknown.lines).toEqual([
        { type: 'error', code: 'not_found', message: expect.stringContaining('deadbeef') },
      ]);
    },
  );
});

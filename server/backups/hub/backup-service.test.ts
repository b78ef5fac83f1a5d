import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BackupProjectView } from '../../api/index.js';
import { EventsRepo } from '../../db/index.js';
import { ApiError } from '../../http/index.js';
import { BackupService, HUB_STOPPED } from './backup-service.js';
import { BackupRunsRepo } from './runs-repo.js';
import {
  fakeRegistry,
  memoryRepo,
  progressLine,
  SNAPSHOT_ID,
  SUMMARY,
  silentLogger,
  startHostStandIn,
  streamLines,
  tempDb,
  testClock,
} from './test-support.js';

const P1 = '11111111-1111-4111-8111-111111111111';
const P2 = '22222222-2222-4222-8222-222222222222';

let t: ReturnType<typeof tempDb>;
let host: Awaited<ReturnType<typeof startHostStandIn>>;
let reg: ReturnType<typeof fakeRegistry>;
let repo: ReturnType<typeof memoryRepo>;
let service: BackupService;

const make = (extra: Partial<ConstructorParameters<typeof BackupService>[0]> = {}) =>
  new BackupService({
    db: t.db,
    projects: reg.source,
    hosts: reg.hostSource,
    repo,
    logger: silentLogger,
    notifyEveryMs: 20,
    ...extra,
  });

beforeEach(async () => {
  t = tempDb();
  host = await startHostStandIn();
  reg = fakeRegistry(host.port);
  repo = memoryRepo();
  reg.add(P1, 'thesis');
  service = make();
});

afterEach(async () => {
  await service.stop();
  await host.close();
  t.close();
});

const entry = (id = P1): BackupProjectView => {
  const e = service.list().find((p) => p.projectId === id);
  if (!e) throw new Error(`no entry for ${id}`);
  return e;
};

async function finished(id = P1, ms = 5000): Promise<BackupProjectView> {
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    const e = entry(id);
    if (e.status !== 'running') return e;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('the run did not finish');
}

describe('BackupService: a run followed over the host stream', () => {
  it('succeeds on done with a snapshot id: progress while running, summary and size after', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    host.script(async (call, res) => {
      expect(call).toMatchObject({
        method: 'POST',
        url: `/_lp/projects/${P1}/backup`,
        signed: true,
        body: {},
      });
      await streamLines(res, [progressLine(10), progressLine(60)], 0, false);
      await gate;
      res.end(`${JSON.stringify({ type: 'done', snapshotId: SNAPSHOT_ID, summary: SUMMARY })}\n`);
    });
    const changes: number[] = [];
    service.subscribe(() => changes.push(Date.now()));
    const run = service.start(P1, 'manual');
    expect(run).toMatchObject({ projectId: P1, kind: 'manual', state: 'running', error: null });

    const t0 = Date.now();
    while (entry().lastRun?.progress?.percent !== 60 && Date.now() - t0 < 5000)
      await new Promise((r) => setTimeout(r, 10));
    expect(entry()).toMatchObject({
      status: 'running',
      nextScheduledAt: null,
      lastRun: { id: run.id, state: 'running', progress: { percent: 60, filesDone: 60, totalFiles: 100 } },
    });
    release();
    const done = await finished();
    expect(done).toMatchObject({
      status: 'ok',
      sizeBytes: SUMMARY.totalBytes,
      lastRun: { id: run.id, state: 'succeeded', snapshotId: SNAPSHOT_ID, summary: SUMMARY, progress: null },
    });
    expect(done.lastSuccessAt).not.toBeNull();
    expect(changes.length).toBeGreaterThan(0);
    expect(new EventsRepo(t.db).recent(5)[0]).toMatchObject({ kind: 'backup.succeeded', subject: P1 });
  });

  it('fails with the host’s words on an error line', async () => {
    host.script((_c, res) =>
      streamLines(res, [
        progressLine(5),
        { type: 'error', code: 'disk_full', message: 'no space left on device while writing the repository' },
      ]),
    );
    service.start(P1, 'manual');
    expect(await finished()).toMatchObject({
      status: 'failed',
      sizeBytes: null,
      lastRun: {
        state: 'failed',
        snapshotId: null,
        error: 'no space left on device while writing the repository',
      },
    });
  });

  it('fails when the stream is cut before done (the tunnel dropped)', async () => {
    host.script(async (_c, res, req) => {
      await streamLines(res, [progressLine(30)], 20, false);
      req.socket.destroy();
    });
    service.start(P1, 'manual');
    const e = await finished();
    expect(e.status).toBe('failed');
    expect(e.lastRun?.error).toMatch(/^the connection to lab-box broke off/);
  });

  it('fails when the stream ends cleanly without done or error', async () => {
    host.script((_c, res) => streamLines(res, [progressLine(99)]));
    service.start(P1, 'manual');
    expect((await finished()).lastRun?.error).toMatch(
      /lab-box ended the stream without saying whether it finished/,
    );
  });

  it('fails when done names no snapshot (never a half state as success)', async () => {
    host.script((_c, res) => streamLines(res, [{ type: 'done', summary: SUMMARY }]));
    service.start(P1, 'manual');
    expect((await finished()).lastRun).toMatchObject({
      state: 'failed',
      error: 'lab-box said the backup was done but named no snapshot',
    });
  });

  it('fails when the host goes silent for longer than the idle timeout', async () => {
    await service.stop();
    service = make({ idleTimeoutMs: 200 });
    host.script((_c, res) => streamLines(res, [progressLine(1)], 0, false));
    service.start(P1, 'manual');
    expect((await finished()).lastRun?.error).toMatch(
      /nothing came for 0.2 s \(the host or its tunnel went silent\)/,
    );
  });

  it('fails with the host’s refusal when it answers with an error status', async () => {
    host.script((_c, res) => {
      res.writeHead(409, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ error: { code: 'backup_running', message: 'a backup of this project is running' } }),
      );
    });
    service.start(P1, 'manual');
    expect((await finished()).lastRun?.error).toBe('lab-box refused: a backup of this project is running');
  });

  it('refuses a second run of the same project with 409 backup_running and when the first began', async () => {
    host.script((_c, res) => streamLines(res, [progressLine(1)], 0, false));
    const first = service.start(P1, 'manual');
    let err: unknown;
    try {
      service.start(P1, 'manual');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({
      status: 409,
      code: 'backup_running',
      message: `A backup of thesis is running since ${first.startedAt}`,
    });
  });

  it('fails without calling the host when the hub cannot make its repository', async () => {
    repo.ensure = async () => {
      throw new ApiError(503, 'backup_repo_restic_missing', 'restic is not installed on the hub');
    };
    service.start(P1, 'manual');
    expect((await finished()).lastRun?.error).toBe('restic is not installed on the hub');
    expect(host.calls).toHaveLength(0);
  });

  it('fails at once, without calling the host, when the host is offline', async () => {
    const h1 = reg.hosts.get('h1');
    if (!h1) throw new Error('no host');
    reg.hosts.set('h1', { ...h1, online: false, endpoint: null, lastSeenAt: Date.UTC(2030, 0, 1, 9) });
    const run = service.start(P1, 'manual');
    expect(run.state).toBe('failed');
    expect(run.error).toMatch(/^lab-box is offline \(last seen 2030-01-01T09:00:00\.000Z/);
    expect(entry().status).toBe('failed');
    expect(host.calls).toHaveLength(0);
  });

  it('an unknown project is 404 project_not_found', () => {
    expect(() => service.start(P2, 'manual')).toThrow(
      expect.objectContaining({ status: 404, code: 'project_not_found' }),
    );
  });

  it('marks runs a stopped hub left running as failed at start, and its own at stop', async () => {
    const runs = new BackupRunsRepo(t.db);
    runs.insert({ id: 'stale', projectId: P1, kind: 'scheduled', startedAt: 1 });
    const fresh = make();
    expect(runs.get('stale')).toMatchObject({ state: 'failed', error: HUB_STOPPED });
    await fresh.stop();

    host.script((_c, res) => streamLines(res, [progressLine(1)], 0, false));
    const run = service.start(P1, 'manual');
    await new Promise((r) => setTimeout(r, 50));
    await service.stop();
    expect(runs.get(run.id)).toMatchObject({ state: 'failed', error: HUB_STOPPED });
  });
});

describe('BackupService: restore and snapshots', () => {
  it('lists only the project’s snapshots, with size and files from the run that made them', async () => {
    host.script((_c, res) =>
      streamLines(res, [{ type: 'done', snapshotId: SNAPSHOT_ID.slice(0, 8), summary: SUMMARY }]),
    );
    service.start(P1, 'manual');
    await finished();
    const snap = (id: string) => ({
      id,
      shortId: id.slice(0, 8),
      time: '2030-01-01T00:00:00Z',
      hostname: `project-${P1}`,
      tags: [P1],
    });
    repo.set(`project-${P1}`, [snap(SNAPSHOT_ID), snap('f'.repeat(64))]);
    expect(await service.snapshots(P1)).toEqual(
      [
        { ...snap(SNAPSHOT_ID), hostname: undefined, host: `project-${P1}`, sizeBytes: 100_000, files: 100 },
        { ...snap('f'.repeat(64)), hostname: undefined, host: `project-${P1}`, sizeBytes: null, files: null },
      ].map(({ hostname: _h, ...rest }) => rest),
    );
  });

  it('restores a snapshot of the project and says where the files went', async () => {
    repo.set(`project-${P1}`, [
      {
        id: SNAPSHOT_ID,
        shortId: SNAPSHOT_ID.slice(0, 8),
        time: '2030-01-01T00:00:00Z',
        hostname: `project-${P1}`,
        tags: [],
      },
    ]);
    host.script((call, res) => {
      expect(call).toMatchObject({
        url: `/_lp/projects/${P1}/restore`,
        body: { snapshotId: SNAPSHOT_ID, path: 'notes/a.md' },
      });
      return streamLines(res, [
        progressLine(50),
        { type: 'done', restoredTo: 'restore-2030-01-01T00-00-00Z/', files: 1, bytes: 12 },
      ]);
    });
    expect(await service.restore(P1, { snapshotId: SNAPSHOT_ID.slice(0, 8), path: './notes/a.md' })).toEqual({
      restoredTo: 'restore-2030-01-01T00-00-00Z/',
      files: 1,
      bytes: 12,
    });
  });

  it('refuses snapshots of other projects, bad ids and paths leaving the project, naming the field', async () => {
    repo.set(`project-${P2}`, [
      {
        id: SNAPSHOT_ID,
        shortId: SNAPSHOT_ID.slice(0, 8),
        time: '2030-01-01T00:00:00Z',
        hostname: `project-${P2}`,
        tags: [],
      },
    ]);
    await expect(service.restore(P1, { snapshotId: SNAPSHOT_ID })).rejects.toMatchObject({
      status: 404,
      code: 'snapshot_not_found',
      field: 'snapshotId',
    });
    await expect(service.restore(P1, { snapshotId: 'nope' })).rejects.toMatchObject({
      status: 400,
      field: 'snapshotId',
    });
    await expect(service.restore(P1, { snapshotId: SNAPSHOT_ID, path: '../other' })).rejects.toMatchObject({
      status: 400,
      field: 'path',
    });
    await expect(service.restore(P1, { snapshotId: SNAPSHOT_ID, extra: 1 })).rejects.toMatchObject({
      status: 400,
    });
    expect(host.calls).toHaveLength(0);
  });

  it('a restore that fails on the host is 502 with its reason; a missing path is 404 on path', async () => {
    repo.set(`project-${P1}`, [
      {
        id: SNAPSHOT_ID,
        shortId: SNAPSHOT_ID.slice(0, 8),
        time: '2030-01-01T00:00:00Z',
        hostname: `project-${P1}`,
        tags: [],
      },
    ]);
    host.script((_c, res) =>
      streamLines(res, [{ type: 'error', code: 'not_found', message: 'no such path' }]),
    );
    await expect(service.restore(P1, { snapshotId: SNAPSHOT_ID, path: 'x' })).rejects.toMatchObject({
      status: 404,
      field: 'path',
    });
    host.script((_c, res) => streamLines(res, [progressLine(3)]));
    await expect(service.restore(P1, { snapshotId: SNAPSHOT_ID })).rejects.toMatchObject({
      status: 502,
      code: 'restore_failed',
      message: expect.stringMatching(/ended the stream without saying/),
    });
  });
});

describe('BackupService: the schedule', () => {
  const HOUR = 3_600_000;

  it('a never backed-up running project is due now; a stopped one is never scheduled', async () => {
    const clock = testClock();
    await service.stop();
    service = make({ now: clock.now, intervalHours: () => 24 });
    reg.add(P2, 'paused', 'stopped');
    expect(service.due().map((p) => p.id)).toEqual([P1]);
    expect(entry(P1).nextScheduledAt).toBe(new Date(clock.now()).toISOString());
    expect(entry(P2).nextScheduledAt).toBeNull();
  });

  it('after a success it is due one interval later; failures back off 5 min, 15 min, 1 h, capped at the interval', async () => {
    const clock = testClock();
    await service.stop();
    let interval = 24;
    service = make({ now: clock.now, intervalHours: () => interval });
    host.script((_c, res) => streamLines(res, [{ type: 'done', snapshotId: SNAPSHOT_ID, summary: SUMMARY }]));
    service.start(P1, 'scheduled');
    await finished();
    const successAt = clock.now();
    expect(service.due()).toEqual([]);
    expect(entry().nextScheduledAt).toBe(new Date(successAt + 24 * HOUR).toISOString());
    clock.advance(24 * HOUR);
    expect(service.due().map((p) => p.id)).toEqual([P1]);

    host.script((_c, res) =>
      streamLines(res, [{ type: 'error', code: 'repository_unreachable', message: 'down' }]),
    );
    const failOnce = async () => {
      service.start(P1, 'scheduled');
      await finished();
      return clock.now();
    };
    for (const waitMin of [5, 15, 60, 60]) {
      const failedAt = await failOnce();
      expect(entry().nextScheduledAt).toBe(new Date(failedAt + waitMin * 60_000).toISOString());
      clock.advance(waitMin * 60_000 - 1);
      expect(service.due()).toEqual([]);
      clock.advance(1);
      expect(service.due().map((p) => p.id)).toEqual([P1]);
    }
    // The interval is read live (an admin changed the setting): the wait is capped by it.
    interval = 1;
    expect(service.intervalHours()).toBe(1);
    expect(service.lastSuccessAt(P1)?.getTime()).toBe(successAt);
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventsRepo } from '../../db/index.js';
import { BackupService } from './backup-service.js';
import { BackupScheduler } from './scheduler.js';
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

const HOUR = 3_600_000;
const ids = ['a', 'b', 'c'].map((c) => `${c.repeat(8)}-1111-4111-8111-111111111111`);

let t: ReturnType<typeof tempDb>;
let host: Awaited<ReturnType<typeof startHostStandIn>>;
let reg: ReturnType<typeof fakeRegistry>;
let clock: ReturnType<typeof testClock>;
let service: BackupService;
let maintenance: { forget: () => Promise<unknown>; check: () => Promise<unknown>; calls: string[] };
let scheduler: BackupScheduler;

beforeEach(async () => {
  t = tempDb();
  host = await startHostStandIn();
  reg = fakeRegistry(host.port);
  clock = testClock();
  service = new BackupService({
    db: t.db,
    projects: reg.source,
    hosts: reg.hostSource,
    repo: memoryRepo(),
    logger: silentLogger,
    now: clock.now,
    intervalHours: () => 24,
    notifyEveryMs: 10,
  });
  const calls: string[] = [];
  maintenance = {
    calls,
    forget: async () => {
      calls.push('forget');
      return { removed: 2 };
    },
    check: async () => {
      calls.push('check');
      throw new Error('pack 1234 is damaged');
    },
  };
  scheduler = new BackupScheduler({
    service,
    maintenance,
    db: t.db,
    logger: silentLogger,
    now: clock.now,
    maintenanceEveryMs: 7 * 24 * HOUR,
    maxConcurrent: 2,
  });
});

afterEach(async () => {
  await scheduler.stop();
  await service.stop();
  await host.close();
  t.close();
});

async function allIdle(ms = 5000): Promise<void> {
  const t0 = Date.now();
  while (service.runningCount() > 0) {
    if (Date.now() - t0 > ms) throw new Error('backups still running');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('BackupScheduler', () => {
  it('starts due backups of running projects, at most maxConcurrent at a time, and not again until due', async () => {
    for (const id of ids) reg.add(id, `p-${id.slice(0, 1)}`);
    reg.add('dddddddd-1111-4111-8111-111111111111', 'stopped one', 'stopped');
    host.script((_c, res) =>
      streamLines(res, [progressLine(50), { type: 'done', snapshotId: SNAPSHOT_ID, summary: SUMMARY }], 30),
    );
    expect(await scheduler.tick()).toEqual(ids.slice(0, 2));
    // Both still run: no room for the third.
    expect(await scheduler.tick()).toEqual([]);
    await allIdle();
    expect(await scheduler.tick()).toEqual([ids[2]]);
    await allIdle();
    expect(await scheduler.tick()).toEqual([]);
    expect(service.list().every((p) => p.status === 'ok' || p.projectName === 'stopped one')).toBe(true);
    expect(service.list().filter((p) => p.lastRun?.kind === 'scheduled')).toHaveLength(3);

    clock.advance(24 * HOUR);
    expect(await scheduler.tick()).toHaveLength(2);
    await allIdle();
  });

  it('retries a failed scheduled backup after the backoff', async () => {
    reg.add(ids[0] as string, 'flaky');
    host.script((_c, res) =>
      streamLines(res, [{ type: 'error', code: 'repository_unreachable', message: 'down' }]),
    );
    expect(await scheduler.tick()).toEqual([ids[0]]);
    await allIdle();
    clock.advance(4 * 60_000);
    expect(await scheduler.tick()).toEqual([]);
    clock.advance(60_000);
    expect(await scheduler.tick()).toEqual([ids[0]]);
    await allIdle();
    clock.advance(5 * 60_000);
    expect(await scheduler.tick()).toEqual([]);
    clock.advance(10 * 60_000);
    expect(await scheduler.tick()).toEqual([ids[0]]);
    await allIdle();
  });

  it('runs forget, then check, a period after the hub first ran, recording both as events', async () => {
    expect(await scheduler.tick()).toEqual([]);
    expect(maintenance.calls).toEqual([]);
    clock.advance(7 * 24 * HOUR);
    await scheduler.tick();
    expect(maintenance.calls).toEqual(['forget']);
    await scheduler.tick();
    expect(maintenance.calls).toEqual(['forget', 'check']);
    await scheduler.tick();
    expect(maintenance.calls).toEqual(['forget', 'check']);
    const events = new EventsRepo(t.db).recent(2);
    expect(events.map((e) => e.kind)).toEqual(['backup.repo.check', 'backup.repo.forget']);
    expect(events[0]?.detail).toEqual({ ok: false, error: 'pack 1234 is damaged' });
    expect(events[1]?.detail).toMatchObject({ ok: true, result: { removed: 2 } });
  });

  it('waits with maintenance while a backup runs', async () => {
    reg.add(ids[0] as string, 'busy');
    let finish!: () => void;
    host.script(async (_c, res) => {
      await streamLines(res, [progressLine(1)], 0, false);
      await new Promise<void>((r) => {
        finish = r;
      });
      res.end(`${JSON.stringify({ type: 'done', snapshotId: SNAPSHOT_ID })}\n`);
    });
    expect(await scheduler.tick()).toEqual([ids[0]]);
    clock.advance(7 * 24 * HOUR);
    await scheduler.tick();
    expect(maintenance.calls).toEqual([]);
    await new Promise((r) => setTimeout(r, 50));
    finish();
    await allIdle();
    await scheduler.tick();
    expect(maintenance.calls).toEqual(['forget']);
  });
});

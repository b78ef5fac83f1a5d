import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackupProjectView, ProjectView, SnapshotView } from '../server/api/index.js';
import { createToken, startLanHub, waitForHost } from './support/hosts.js';
import {
  type AgentProcess,
  type HubProcess,
  hubFetch,
  type Json,
  runCli,
  signIn,
  startAgent,
  until,
  withHubHarness,
} from './support/hub-process.js';

// Backups end to end: a Launchpad hub and a host agent as separate processes on loopback; the
// agent backs its project up with real restic over SFTP through the hub's sshd into the hub's
// repository, and restores from it; the admin drives it with `launchpad backup …`.

withHubHarness();

let hub: HubProcess;
let cookie: string;
let agent: AgentProcess;
let hostId: string;
let project: ProjectView;
let projectDir: string;
const data = randomBytes(2 * 1024 * 1024 + 5);
const notes = 'first line\nsecond line\n';

const api = (path: string, opts: Parameters<typeof hubFetch>[2] = {}) =>
  hubFetch(hub.port, path, { ca: hub.caPem, cookie, ...opts });

/** `launchpad backup ARGS --data-dir <hub>` (backups over SFTP take a few seconds). */
const backupCli = (args: string[]) => runCli(['backup', ...args, '--data-dir', hub.dataDir], {}, 90_000);

const backupEntry = async (): Promise<BackupProjectView> => {
  const res = await api('/api/backups');
  expect(res.status, res.text).toBe(200);
  const entry = (res.json.projects as BackupProjectView[]).find((p) => p.projectId === project.id);
  if (!entry) throw new Error('the project is not on the Backups list');
  return entry;
};

/** Collects every `backups` event of an /api/events stream until `close()`. */
function backupsEvents(): { events: Json[]; close(): void } {
  const events: Json[] = [];
  const req = request(
    {
      host: '127.0.0.1',
      port: hub.port,
      path: '/api/events',
      ca: hub.caPem,
      headers: { cookie },
      agent: false,
    },
    (res) => {
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        for (let i = buf.indexOf('\n\n'); i >= 0; i = buf.indexOf('\n\n')) {
          const line = buf
            .slice(0, i)
            .split('\n')
            .find((l) => l.startsWith('data: '));
          buf = buf.slice(i + 2);
          const event = line ? JSON.parse(line.slice(6)) : null;
          if (event?.type === 'backups') events.push(event);
        }
      });
    },
  );
  // The stream ends when the test closes it.
  req.on('error', () => undefined);
  req.end();
  return { events, close: () => req.destroy() };
}

/** The first `backups` event of a fresh /api/events stream. */
async function firstBackupsEvent(): Promise<Json> {
  const stream = backupsEvents();
  try {
    return await until('a backups event', async () => stream.events[0]);
  } finally {
    stream.close();
  }
}

beforeAll(async () => {
  hub = await startLanHub();
  cookie = await signIn(hub, hub.loginUrl);
  const { token } = await createToken(hub);
  agent = startAgent(token, { name: 'lab-box' });
  hostId = (await agent.joined).hostId;
  await waitForHost(hub, hostId, (h) => h.state === 'online', 10_000);
  const created = await api('/api/projects', { method: 'POST', body: { name: 'thesis', hostId } });
  expect(created.status, created.text).toBe(201);
  project = await until('project running', async () => {
    const res = await api(`/api/projects/${created.json.project.id}`);
    return res.json?.project?.state === 'running' ? (res.json.project as ProjectView) : undefined;
  });
  projectDir = join(agent.dataDir, 'projects', project.id);
  mkdirSync(join(projectDir, 'notes'), { recursive: true });
  writeFileSync(join(projectDir, 'data.bin'), data);
  writeFileSync(join(projectDir, 'notes', 'a.md'), notes);
}, 60_000);

afterAll(async () => {
  await agent?.stop();
});

describe('backups of a project on an agent host', () => {
  it('the Backups list shows the project as never backed up, also as an SSE event', async () => {
    expect(await backupEntry()).toMatchObject({
      projectName: 'thesis',
      hostName: 'lab-box',
      status: 'never',
      lastRun: null,
      sizeBytes: null,
    });
    const event = await firstBackupsEvent();
    expect(event.projects.map((p: BackupProjectView) => p.projectId)).toContain(project.id);
  });

  it('`backup run` backs it up over SFTP; `backup list --json` shows the snapshot', async () => {
    const run = await backupCli(['run', project.id]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^Backed up thesis: snapshot [0-9a-f]{8} \(\d+ files, [\d.]+ MiB; /);

    const entry = await backupEntry();
    expect(entry).toMatchObject({
      status: 'ok',
      lastRun: { state: 'succeeded', kind: 'manual', error: null },
    });
    expect(entry.sizeBytes).toBeGreaterThanOrEqual(data.length);

    const list = await backupCli(['list', project.id, '--json']);
    expect(list.code, list.stderr).toBe(0);
    const snapshots = JSON.parse(list.stdout).snapshots as SnapshotView[];
    expect(snapshots).toHaveLength(1);
    expect(snapshots[0]).toMatchObject({
      id: expect.stringMatching(/^[0-9a-f]{64}$/),
      host: `project-${project.id}`,
      sizeBytes: entry.sizeBytes,
    });
    expect(snapshots[0]?.id.startsWith(entry.lastRun?.snapshotId ?? '-')).toBe(true);
    const table = await backupCli(['list', 'thesis']);
    expect(table.stdout).toMatch(new RegExp(`^ID +TIME +SIZE +FILES +TAGS\\n${snapshots[0]?.shortId} `));
  });

  it('a deleted file comes back byte-identical in restore-…/ with `backup restore`', async () => {
    const list = await backupCli(['list', project.id, '--json']);
    const [snapshot] = JSON.parse(list.stdout).snapshots as SnapshotView[];
    if (!snapshot) throw new Error('no snapshot');
    rmSync(join(projectDir, 'data.bin'));

    const restored = await backupCli(['restore', project.id, snapshot.shortId, '--json']);
    expect(restored.code, restored.stderr).toBe(0);
    const body = JSON.parse(restored.stdout);
    expect(body.restoredTo).toMatch(/^restore-[^/]+\/?$/);
    expect(body.files).toBeGreaterThanOrEqual(2);
    expect(readFileSync(join(projectDir, body.restoredTo, 'data.bin')).equals(data)).toBe(true);
    expect(readFileSync(join(projectDir, body.restoredTo, 'notes', 'a.md'), 'utf8')).toBe(notes);

    const one = await backupCli(['restore', 'thesis', snapshot.id, '--path', 'notes/a.md']);
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout).toMatch(/^Restored 1 file \(\d+ B\) into restore-\S+ in thesis\n$/);
  });

  it('a restore of a snapshot the project does not have is refused, naming it', async () => {
    const res = await backupCli(['restore', project.id, 'deadbeef']);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/thesis has no snapshot deadbeef/);
    const bad = await api(`/api/projects/${project.id}/restore`, {
      method: 'POST',
      body: { snapshotId: 'deadbeef', path: '../../agent' },
    });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatchObject({ code: 'invalid_request', field: 'path' });
  });

  it('two "Back up now" at once: the second is 409 backup_running with the reason', async () => {
    const [a, b] = await Promise.all([
      api(`/api/projects/${project.id}/backups`, { method: 'POST', body: {} }),
      api(`/api/projects/${project.id}/backups`, { method: 'POST', body: {} }),
    ]);
    const statuses = [a.status, b.status].sort();
    expect(statuses).toEqual([202, 409]);
    const refused = a.status === 409 ? a : b;
    const started = a.status === 202 ? a : b;
    expect(refused.json.error).toMatchObject({
      code: 'backup_running',
      message: `A backup of thesis is running since ${started.json.run.startedAt}`,
    });
    const done = await until('the backup finished', async () => {
      const e = await backupEntry();
      return e.status !== 'running' ? e : undefined;
    });
    expect(done).toMatchObject({ status: 'ok', lastRun: { id: started.json.run.id, state: 'succeeded' } });
  });

  it('a project on "this machine" is backed up at the hub\'s local repository path', async () => {
    const created = await api('/api/projects', {
      method: 'POST',
      body: { name: 'local-notes', hostId: 'this-machine' },
    });
    expect(created.status, created.text).toBe(201);
    const id = created.json.project.id as string;
    await until('local project running', async () => {
      const res = await api(`/api/projects/${id}`);
      return res.json?.project?.state === 'running' ? true : undefined;
    });
    writeFileSync(join(hub.dataDir, 'projects', id, 'local.txt'), 'on the hub itself\n');
    const run = await backupCli(['run', 'local-notes', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).run).toMatchObject({ projectId: id, state: 'succeeded', error: null });
    const list = await backupCli(['list', id, '--json']);
    expect(JSON.parse(list.stdout).snapshots).toEqual([expect.objectContaining({ host: `project-${id}` })]);
    // Only its own snapshots: the agent project's are not in this list, nor the other way round.
    const other = await backupCli(['list', project.id, '--json']);
    expect(
      JSON.parse(other.stdout).snapshots.every((s: SnapshotView) => s.host === `project-${project.id}`),
    ).toBe(true);
  });

  it('a project with 10 000 small files backs up, with progress events reaching the hub', async () => {
    const many = join(projectDir, 'many');
    mkdirSync(many);
    for (let i = 0; i < 10_000; i++) writeFileSync(join(many, `f${i}.txt`), `file ${i}\n`);
    const stream = backupsEvents();
    try {
      const started = await api(`/api/projects/${project.id}/backups`, { method: 'POST', body: {} });
      expect(started.status, started.text).toBe(202);
      const done = await until(
        'the 10 000-file backup finished',
        async () => {
          const e = await backupEntry();
          return e.status !== 'running' ? e : undefined;
        },
        120_000,
      );
      expect(done.lastRun).toMatchObject({ state: 'succeeded' });
      expect(done.lastRun?.summary?.totalFiles).toBeGreaterThanOrEqual(10_000);
      // The host's restic progress made it to the hub's live stream while the run was going.
      const progress = stream.events
        .map((e) => (e.projects as BackupProjectView[]).find((p) => p.projectId === project.id)?.lastRun)
        .filter((r) => r?.id === started.json.run.id && r?.state === 'running' && r?.progress !== null);
      expect(progress.length).toBeGreaterThan(0);
      expect(progress.at(-1)?.progress?.totalFiles).toBeGreaterThan(0);
    } finally {
      stream.close();
      rmSync(many, { recursive: true, force: true });
    }
  }, 150_000);

  // Last: it stops the agent.
  it('with the agent stopped, `backup run` fails at once with the host-offline reason', async () => {
    await agent.stop();
    await waitForHost(hub, hostId, (h) => h.state !== 'online', 20_000);
    const run = await backupCli(['run', 'thesis']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/the backup of thesis failed: lab-box is offline \(last seen \S+/);
    expect(await backupEntry()).toMatchObject({ status: 'failed', lastRun: { state: 'failed' } });
  });
});

import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PROJECT_TOKEN_HEADER } from '../control-contract.js';
import { DESIRED_STATE_FILE } from './desired-state.js';
import { NODE_FLAGS } from './node-flags.js';
import type { ProjectRuntime } from './project-runtime.js';
import { FIXTURE_ENTRY, fixtureRuntimes, newProjectId, waitFor } from './test-support.js';

let env: ReturnType<typeof fixtureRuntimes>;
beforeEach(() => {
  env = fixtureRuntimes();
});
afterEach(() => env.cleanup());

/** A request straight to the project server (as the host service would send it). */
async function hit(runtime: ProjectRuntime, id: string, path: string) {
  const endpoint = runtime.portOf(id);
  if (!endpoint) throw new Error(`${id} is not running`);
  const res = await fetch(`http://127.0.0.1:${endpoint.port}${path}`, {
    headers: { [PROJECT_TOKEN_HEADER]: endpoint.token },
  });
  return { status: res.status, body: (await res.json()) as { pid: number; url: string } };
}

describe('ProjectRuntime', () => {
  it('starts a project server in <projectsDir>/<id> and reports it running with a port and token', async () => {
    const runtime = env.create();
    const id = newProjectId();
    expect(await runtime.start(id, 'Thesis')).toEqual({ id, state: 'running', error: null });
    expect(existsSync(join(env.projectsDir, id))).toBe(true);
    expect(runtime.list()).toEqual([{ id, state: 'running', error: null }]);
    const endpoint = runtime.portOf(id);
    expect(endpoint?.port).toBeGreaterThan(0);
    expect(endpoint?.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await hit(runtime, id, '/x')).toMatchObject({ status: 200, body: { url: '/x' } });
    // Starting what runs is a no-op: same server.
    const before = (await hit(runtime, id, '/')).body.pid;
    expect(await runtime.start(id, 'Thesis')).toEqual({ id, state: 'running', error: null });
    expect((await hit(runtime, id, '/')).body.pid).toBe(before);
    // It runs with the V8 flags for processes that stream data (node-flags.ts), before its entry.
    const argv = readFileSync(`/proc/${before}/cmdline`, 'utf8').split('\0');
    expect(argv.slice(1, 2 + NODE_FLAGS.length)).toEqual([...NODE_FLAGS, FIXTURE_ENTRY]);
  });

  it('gives each start its own token', async () => {
    const runtime = env.create();
    const id = newProjectId();
    await runtime.start(id, 'p');
    const first = runtime.portOf(id)?.token;
    await runtime.stop(id);
    await runtime.start(id, 'p');
    expect(runtime.portOf(id)?.token).not.toBe(first);
  });

  it('reports state error with the last stderr lines when the server dies before listening', async () => {
    const runtime = env.create();
    const id = newProjectId();
    const dir = join(env.projectsDir, id);
    await runtime.start(id, 'p'); // creates the dir
    await runtime.stop(id);
    writeFileSync(join(dir, '.fixture-fail-before-listen'), '');
    const status = await runtime.start(id, 'p');
    expect(status.state).toBe('error');
    expect(status.error).toContain('exited with code 2 before listening');
    expect(status.error).toContain('starting up');
    expect(status.error).toContain('cannot open the workspace database: disk on fire');
    expect(runtime.portOf(id)).toBeNull();
    expect(runtime.list()).toEqual([status]);
  });

  it('reports state error when the server never reports listening (and kills it)', async () => {
    const runtime = env.create({ startTimeoutMs: 500 });
    const id = newProjectId();
    await runtime.start(id, 'p');
    await runtime.stop(id);
    writeFileSync(join(env.projectsDir, id, '.fixture-never-listen'), '');
    const status = await runtime.start(id, 'p');
    expect(status).toMatchObject({ state: 'error' });
    expect(status.error).toMatch(/did not report listening within 1 s/);
    expect(status.error).toContain('never going to listen');
  });

  it('reports a missing entry as state error', async () => {
    const runtime = env.create({ entry: join(env.projectsDir, 'no-such-entry.js') });
    const status = await runtime.start(newProjectId(), 'p');
    expect(status.state).toBe('error');
    expect(status.error).toMatch(/exited with code 1 before listening[\s\S]*Cannot find module/);
  });

  it('refuses an id that is not a uuid (it becomes a directory name)', async () => {
    const runtime = env.create();
    await expect(runtime.start('../etc', 'p')).rejects.toThrow(/not a project id/);
    await expect(runtime.delete('..', { files: true })).rejects.toThrow(/not a project id/);
  });

  it('restarts a crashed server with exponential backoff, state starting meanwhile', async () => {
    const runtime = env.create({ restart: { initialMs: 150, maxMs: 600 } });
    const id = newProjectId();
    await runtime.start(id, 'p');
    const events: { state: string; error: string | null; at: number }[] = [];
    runtime.on('change', (s) => events.push({ state: s.state, error: s.error, at: Date.now() }));

    const gaps: number[] = [];
    let pid = (await hit(runtime, id, '/')).body.pid;
    for (let i = 0; i < 3; i++) {
      events.length = 0;
      await hit(runtime, id, '/_fixture/crash');
      const down = await waitFor(() => events.find((e) => e.state === 'starting'), 5000, 'starting');
      expect(down.error).toContain('exited with code 3');
      expect(down.error).toContain('crashing on request');
      expect(runtime.portOf(id)).toBeNull();
      expect(runtime.list()).toEqual([{ id, state: 'starting', error: down.error }]);
      const up = await waitFor(() => events.find((e) => e.state === 'running'), 5000, 'running');
      gaps.push(up.at - down.at);
      const next = (await hit(runtime, id, '/')).body.pid;
      expect(next).not.toBe(pid);
      pid = next;
    }
    // 150, 300, 600 ms (plus the spawn time): each wait at least the backoff, and growing.
    expect(gaps[0]).toBeGreaterThanOrEqual(145);
    expect(gaps[1]).toBeGreaterThanOrEqual(295);
    expect(gaps[2]).toBeGreaterThanOrEqual(595);
    expect(runtime.status(id)).toEqual({ id, state: 'running', error: null });
  });

  it('counts a restart that fails as one more crash and keeps trying', async () => {
    const runtime = env.create({ restart: { initialMs: 100, maxMs: 200 } });
    const id = newProjectId();
    await runtime.start(id, 'p');
    const flag = join(env.projectsDir, id, '.fixture-fail-before-listen');
    writeFileSync(flag, ''); // read at startup: the running server is unaffected, its restarts fail
    await hit(runtime, id, '/_fixture/crash');
    const failing = await waitFor(() => {
      const s = runtime.status(id);
      return s.state === 'starting' && s.error?.includes('before listening') ? s : undefined;
    });
    expect(failing.error).toContain('disk on fire');
    await new Promise((r) => setTimeout(r, 500)); // a few more failed attempts
    expect(runtime.status(id).state).toBe('starting');
    rmSync(flag);
    await waitFor(() => (runtime.status(id).state === 'running' ? true : undefined));
    expect(runtime.status(id).error).toBeNull();
  });

  it('starts at once when the hub asks during a restart backoff', async () => {
    const runtime = env.create({ restart: { initialMs: 5000, maxMs: 5000 } });
    const id = newProjectId();
    await runtime.start(id, 'p');
    await hit(runtime, id, '/_fixture/crash');
    await waitFor(() => (runtime.status(id).state === 'starting' ? true : undefined));
    // Waiting out 5 s of backoff: an explicit start does not.
    const t0 = Date.now();
    expect(await runtime.start(id, 'p')).toEqual({ id, state: 'running', error: null });
    expect(Date.now() - t0).toBeLessThan(4000);
  });

  it('stops a server (SIGTERM) and does not restart it', async () => {
    const runtime = env.create({ restart: { initialMs: 50, maxMs: 50 } });
    const id = newProjectId();
    await runtime.start(id, 'p');
    const { pid } = (await hit(runtime, id, '/')).body;
    expect(await runtime.stop(id)).toEqual({ id, state: 'stopped', error: null });
    expect(runtime.list()).toEqual([]);
    expect(runtime.portOf(id)).toBeNull();
    expect(() => process.kill(pid, 0)).toThrow();
    await new Promise((r) => setTimeout(r, 200));
    expect(runtime.status(id).state).toBe('stopped');
    // Stopping what does not run is fine.
    expect(await runtime.stop(newProjectId())).toMatchObject({ state: 'stopped' });
  });

  it('a start right after a stop (while the first start is still under way) runs the project', async () => {
    const runtime = env.create();
    const id = newProjectId();
    const first = runtime.start(id, 'p');
    await new Promise((r) => setTimeout(r, 20)); // spawned, not yet listening
    const stopped = runtime.stop(id);
    const second = runtime.start(id, 'p');
    expect(await first).toMatchObject({ id });
    await stopped;
    expect(await second).toEqual({ id, state: 'running', error: null });
    expect((await hit(runtime, id, '/')).status).toBe(200);
  });

  it('kills (SIGKILL) a server that ignores SIGTERM after the grace period', async () => {
    const runtime = env.create({ stopGraceMs: 300 });
    const id = newProjectId();
    await runtime.start(id, 'p');
    writeFileSync(join(env.projectsDir, id, '.fixture-ignore-sigterm'), '');
    const { pid } = (await hit(runtime, id, '/')).body;
    const t0 = Date.now();
    await runtime.stop(id);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    expect(() => process.kill(pid, 0)).toThrow();
  });

  it('deletes a project, keeping or removing its files', async () => {
    const runtime = env.create();
    const keep = newProjectId();
    const drop = newProjectId();
    await runtime.start(keep, 'keep');
    await runtime.start(drop, 'drop');
    writeFileSync(join(env.projectsDir, keep, 'notes.txt'), 'hi');
    writeFileSync(join(env.projectsDir, drop, 'notes.txt'), 'hi');
    expect(await runtime.delete(keep, { files: false })).toEqual({ id: keep, state: 'stopped', error: null });
    expect(await runtime.delete(drop, { files: true })).toEqual({ id: drop, state: 'stopped', error: null });
    expect(readFileSync(join(env.projectsDir, keep, 'notes.txt'), 'utf8')).toBe('hi');
    expect(existsSync(join(env.projectsDir, drop))).toBe(false);
    expect(runtime.list()).toEqual([]);
  });

  it('persists what should run (0600) and a fresh runtime resumes exactly that', async () => {
    const first = env.create();
    const [a, b, c] = [newProjectId(), newProjectId(), newProjectId()];
    await first.start(a, 'Alpha');
    await first.start(b, 'Beta');
    await first.start(c, 'Gamma');
    await first.stop(b);
    await first.delete(c, { files: false });
    const file = join(env.projectsDir, DESIRED_STATE_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      version: 1,
      projects: [{ id: a, name: 'Alpha' }],
    });
    // The agent shutting down stops the servers but keeps the list.
    await first.stopAll();
    expect(JSON.parse(readFileSync(file, 'utf8')).projects).toEqual([{ id: a, name: 'Alpha' }]);

    const second = env.create();
    expect(second.list()).toEqual([]);
    expect(await second.resumeAll()).toEqual([{ id: a, state: 'running', error: null }]);
    expect(second.list()).toEqual([{ id: a, state: 'running', error: null }]);
    expect((await hit(second, a, '/')).status).toBe(200);
  });

  it('resumes nothing from a missing or unreadable desired-state file', async () => {
    expect(await env.create().resumeAll()).toEqual([]);
    writeFileSync(join(env.projectsDir, DESIRED_STATE_FILE), '{"version":1,"projects":[{"id":"x"');
    expect(await env.create().resumeAll()).toEqual([]);
  });

  it('stopAll stops every server and refuses new starts', async () => {
    const runtime = env.create();
    const ids = [newProjectId(), newProjectId()];
    await Promise.all(ids.map((id) => runtime.start(id, 'p')));
    const pids = await Promise.all(ids.map(async (id) => (await hit(runtime, id, '/')).body.pid));
    await runtime.stopAll();
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
    expect(runtime.list()).toEqual([]);
    expect(await runtime.start(newProjectId(), 'late')).toMatchObject({ state: 'error' });
  });
});

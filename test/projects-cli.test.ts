import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  PROJECT_ID_RE,
  type ProjectView,
  projectListResponseSchema,
  projectResponseSchema,
  THIS_MACHINE_HOST_ID,
} from '../server/api/index.js';
import { startLanHub } from './support/hosts.js';
import { type HubProcess, runCli, withHubHarness } from './support/hub-process.js';

// `launchpad project …` against a real Launchpad hub, with its own machine ("this machine") as
// the host: the API routes, the host runtime and a real project server, driven by the CLI.

withHubHarness();

const RUNNING_WITHIN_MS = 30_000;

let hub: HubProcess;
beforeAll(async () => {
  hub = await startLanHub();
});

const cli = (args: string[]) => runCli([...args, '--data-dir', hub.dataDir], {}, 40_000);

/** Runs a `--json` command that must succeed and returns what it printed, parsed. */
async function cliJson(args: string[]): Promise<unknown> {
  const res = await cli([...args, '--json']);
  expect(res.code, res.stderr).toBe(0);
  return JSON.parse(res.stdout);
}

async function projectList(): Promise<ProjectView[]> {
  return projectListResponseSchema.parse(await cliJson(['project', 'list'])).projects;
}

async function createProject(name: string, extra: string[] = []): Promise<ProjectView> {
  return projectResponseSchema.parse(await cliJson(['project', 'create', name, ...extra])).project;
}

/** Polls `project list --json` until project `id` is in `state`; rejects with the last list seen. */
async function waitForState(id: string, state: ProjectView['state']): Promise<ProjectView> {
  const t0 = Date.now();
  let last: ProjectView[] = [];
  while (Date.now() - t0 < RUNNING_WITHIN_MS) {
    last = await projectList();
    const found = last.find((p) => p.id === id);
    if (found?.state === state) return found;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`project ${id} not ${state} within ${RUNNING_WITHIN_MS} ms: ${JSON.stringify(last)}`);
}

const projectDir = (id: string) => join(hub.dataDir, 'projects', id);

describe('launchpad project', () => {
  it('lists no projects on a new hub, as a sentence and as JSON', async () => {
    const res = await cli(['project', 'list']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/^No projects\. Make one with `launchpad project create NAME`\./);
    expect(await projectList()).toEqual([]);
  });

  it('creates a project on this machine, which starts; stop and start it; delete keeps its files', async () => {
    const created = await createProject('CLI project', ['--host', THIS_MACHINE_HOST_ID]);
    expect(created.id).toMatch(PROJECT_ID_RE);
    expect(created).toMatchObject({
      name: 'CLI project',
      hostId: THIS_MACHINE_HOST_ID,
      hostOnline: true,
      url: `/${created.id}/`,
    });

    const running = await waitForState(created.id, 'running');
    expect(running.error).toBeNull();
    expect(existsSync(projectDir(created.id))).toBe(true);

    // The human list: an aligned table with the project's row.
    const table = await cli(['project', 'list']);
    expect(table.code, table.stderr).toBe(0);
    const [header, ...rows] = table.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^ID\s+NAME\s+HOST\s+LAST ACTIVE\s+CREATED\s+STATE$/);
    const row = rows.find((r) => r.startsWith(created.id));
    expect(row).toMatch(/CLI project\s+.+\(online\)\s+.+\s+running$/);
    expect(header?.indexOf('NAME')).toBe(row?.indexOf('CLI project'));

    const stopped = projectResponseSchema.parse(await cliJson(['project', 'stop', created.id])).project;
    expect(stopped.id).toBe(created.id);
    expect(stopped.state).toBe('stopped');
    expect((await waitForState(created.id, 'stopped')).state).toBe('stopped');

    const started = projectResponseSchema.parse(await cliJson(['project', 'start', created.id])).project;
    expect(['starting', 'running']).toContain(started.state);
    await waitForState(created.id, 'running');

    // Without a terminal to ask on, delete needs --yes: a usage error, and nothing is deleted.
    const refused = await cli(['project', 'delete', created.id]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--yes');
    expect((await projectList()).map((p) => p.id)).toContain(created.id);

    const deleted = await cli(['project', 'delete', created.id, '--yes']);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout).toContain(`Deleted project ${created.id}; its files are kept`);
    expect((await projectList()).map((p) => p.id)).not.toContain(created.id);
    expect(existsSync(projectDir(created.id))).toBe(true);
  }, 120_000);

  it('delete --delete-files removes the files on the host too', async () => {
    const created = await createProject('throwaway');
    // Automatic placement: this machine is the only online host.
    expect(created.hostId).toBe(THIS_MACHINE_HOST_ID);
    await waitForState(created.id, 'running');
    expect(existsSync(projectDir(created.id))).toBe(true);

    const deleted = await cli(['project', 'delete', created.id, '--delete-files', '--yes']);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout).toContain('and its files');
    expect((await projectList()).map((p) => p.id)).not.toContain(created.id);
    expect(existsSync(projectDir(created.id))).toBe(false);
  }, 90_000);

  it('says what the hub refused on stderr (exit 1), and what the command line lacks (exit 2)', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    for (const args of [
      ['project', 'start', unknown],
      ['project', 'stop', unknown],
      ['project', 'delete', unknown, '--yes'],
      ['project', 'create', 'nowhere', '--host', 'nosuchhost'],
    ]) {
      const res = await cli(args);
      expect(res.code, `${args.join(' ')}: ${res.stdout}`).toBe(1);
      expect(res.stderr).toMatch(/^launchpad: \S/);
      expect(res.stderr).not.toContain('{');
      expect(res.stdout).toBe('');
    }

    const noName = await cli(['project', 'create', '  ']);
    expect(noName.code).toBe(2);
    expect(noName.stderr).toContain('a project needs a name');
    expect(await projectList()).toEqual([]);
  }, 60_000);
});

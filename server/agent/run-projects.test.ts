import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { SIGNATURE_HEADER, signServiceRequest } from '../hosts/index.js';
import { FIXTURE_ENTRY } from '../projects/runtime/test-support.js';
import { freePort } from '../sshd/test-support.js';
import { generateHostKeys } from './keys.js';
import { type RunningAgent, runAgent } from './run.js';
import { type AgentState, saveAgentState } from './state.js';

const dirs: string[] = [];
const agents: RunningAgent[] = [];
afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.stop()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A joined data dir whose hub is nowhere: the tunnel retries in the background, which is fine here. */
async function joinedDataDir(): Promise<string> {
  const dataDir = join(mkdtempSync(join(tmpdir(), 'lp-agent-run-')), 'data');
  dirs.push(dirname(dataDir));
  const state: AgentState = {
    v: 1,
    hostId: 'host_run',
    name: 'worker',
    credential: 'cred',
    serviceSecret: 'svc-secret',
    hub: { host: '127.0.0.1', httpsPort: await freePort(), tls: 'AA:BB', ssh: 'SHA256:xyz' },
    sshd: { host: '127.0.0.1', port: await freePort() },
    ports: { http: 9210, ssh: 9211 },
    backup: { repoPath: '/', password: 'pw' },
    joinedAt: '2030-01-01T00:00:00.000Z',
    joinedVia: 'https',
  };
  saveAgentState(dataDir, state, generateHostKeys('worker'));
  return dataDir;
}

async function get(agent: RunningAgent, path: string, projectId: string): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${agent.servicePort}${path}`, {
    headers: {
      [SIGNATURE_HEADER]: signServiceRequest(agent.state.serviceSecret, 'GET', path, Date.now(), {
        projectId,
      }),
    },
  });
  await res.arrayBuffer();
  return res.status;
}

const start = (dataDir: string) =>
  runAgent({
    dataDir,
    servicePort: 0,
    version: '1',
    logger: pino({ enabled: false }),
    projectEntry: FIXTURE_ENTRY,
  }).then((a) => {
    agents.push(a);
    return a;
  });

async function until(check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the host agent and its projects', () => {
  it('serves again, after a restart, the projects the hub had started (no hub involved)', async () => {
    const dataDir = await joinedDataDir();
    const id = randomUUID();
    const first = await start(dataDir);
    expect(await first.projects.start(id, 'Resumed')).toMatchObject({ state: 'running' });
    expect(await get(first, `/${id}/x`, id)).toBe(200);
    expect(JSON.parse(readFileSync(join(dataDir, 'projects', '.running.json'), 'utf8')).projects).toEqual([
      { id, name: 'Resumed' },
    ]);
    await first.stop();
    agents.splice(agents.indexOf(first), 1);

    const second = await start(dataDir);
    await until(async () => (await get(second, `/${id}/x`, id)) === 200);
    expect(second.projects.list()).toEqual([{ id, state: 'running', error: null }]);
  });
});

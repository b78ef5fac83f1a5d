import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { ConatServerMessage, ProjectView } from '../server/api/index.js';
import { SIGNATURE_HEADER, signServiceRequest } from '../server/hosts/index.js';
import { createToken, httpGet, startLanHub, waitForHost } from './support/hosts.js';
import {
  type AgentProcess,
  freePort,
  type HubProcess,
  hubFetch,
  signIn,
  startAgent,
  until,
  withHubHarness,
} from './support/hub-process.js';

// Projects end to end: a Launchpad hub and a host agent as separate processes on loopback; a
// project on the agent's host, used through the hub's proxy and the agent's SSH tunnel.

withHubHarness();

let hub: HubProcess;
let cookie: string;
let agent: AgentProcess;
let hostId: string;
let project: ProjectView;

const api = (path: string, opts: Parameters<typeof hubFetch>[2] = {}) =>
  hubFetch(hub.port, path, { ca: hub.caPem, cookie, ...opts });

const waitForState = (id: string, state: ProjectView['state']) =>
  until(`project ${id} ${state}`, async () => {
    const res = await api(`/api/projects/${id}`);
    return res.json?.project?.state === state ? (res.json.project as ProjectView) : undefined;
  });

/** The realtime channel of a project through the hub (wss, the session cookie). */
function conat(
  id: string,
  query = 'client=test',
): Promise<{ ws: WebSocket; messages: ConatServerMessage[] }> {
  const ws = new WebSocket(`wss://127.0.0.1:${hub.port}/${id}/conat?${query}`, {
    ca: hub.caPem,
    headers: { cookie },
  });
  const messages: ConatServerMessage[] = [];
  ws.on('message', (data) => messages.push(JSON.parse(String(data)) as ConatServerMessage));
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, messages }));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) =>
      reject(new Error(`upgrade refused: HTTP ${res.statusCode}`)),
    );
  });
}

const termOutput = (messages: ConatServerMessage[], term: string) =>
  messages
    .filter(
      (m): m is Extract<ConatServerMessage, { t: 'term.output' }> => m.t === 'term.output' && m.term === term,
    )
    .map((m) => m.data)
    .join('');

beforeAll(async () => {
  hub = await startLanHub();
  cookie = await signIn(hub, hub.loginUrl);
  const { token } = await createToken(hub);
  agent = startAgent(token, { name: 'lab-box' });
  hostId = (await agent.joined).hostId;
  await waitForHost(hub, hostId, (h) => h.state === 'online', 10_000);
  const created = await api('/api/projects', { method: 'POST', body: { name: 'thesis', hostId } });
  expect(created.status, created.text).toBe(201);
  project = await waitForState(created.json.project.id, 'running');
}, 60_000);

afterAll(async () => {
  await agent?.stop();
});

describe('a project on an agent host, through the hub', () => {
  it('is listed with its host, and /<id>/ returns the workspace page', async () => {
    expect(project).toMatchObject({ name: 'thesis', hostId, hostName: 'lab-box', hostOnline: true });
    const page = await api(`/${project.id}/`);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.text).toMatch(/workspace/i);
  });

  it('needs a session: a page request goes to sign-in, an API request gets 401', async () => {
    const pageReq = await hubFetch(hub.port, `/${project.id}/`, {
      ca: hub.caPem,
      headers: { accept: 'text/html' },
    });
    expect(pageReq.status).toBe(302);
    expect(pageReq.headers.location).toMatch(/\/login/);
    const apiReq = await hubFetch(hub.port, `/${project.id}/api/files?path=`, { ca: hub.caPem });
    expect(apiReq.status).toBe(401);
    expect(apiReq.json.error.code).toBe('unauthenticated');
  });

  it('an uploaded file downloads byte-identical; a path leaving the project is refused', async () => {
    const bytes = randomBytes(3 * 1024 * 1024 + 17);
    const up = await api(`/${project.id}/api/files/upload?path=data.bin`, {
      method: 'PUT',
      body: bytes,
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(up.status, up.text).toBe(200);
    expect(up.json).toEqual({ path: 'data.bin', size: bytes.length });
    const down = await api(`/${project.id}/api/files/download?path=data.bin`);
    expect(down.status).toBe(200);
    expect(down.body.equals(bytes)).toBe(true);

    const outside = await api(
      `/${project.id}/api/files/download?path=${encodeURIComponent('../../agent/state.json')}`,
    );
    expect(outside.status).toBe(400);
    expect(outside.json.error.code).toBe('path_outside_project');
  });

  it('a terminal over the hub’s WebSocket runs a command and its output comes back', async () => {
    const { ws, messages } = await conat(project.id);
    try {
      ws.send(JSON.stringify({ t: 'term.open', term: 'itest', cols: 100, rows: 30 }));
      ws.send(JSON.stringify({ t: 'term.input', term: 'itest', data: 'echo hello-$RANDOM\r' }));
      const out = await until(
        'terminal output',
        async () => /hello-\d+/.exec(termOutput(messages, 'itest'))?.[0],
      );
      expect(out).toMatch(/^hello-\d+$/);
    } finally {
      ws.close();
    }
  });

  it('a web server started in the project terminal is reachable at /<id>/port/<n>/', async () => {
    const port = await freePort();
    await api(`/${project.id}/api/files/upload?path=hello.txt&overwrite=true`, {
      method: 'PUT',
      body: 'served from inside the project\n',
      headers: { 'content-type': 'text/plain' },
    });
    const { ws } = await conat(project.id);
    try {
      ws.send(JSON.stringify({ t: 'term.open', term: 'web', cols: 100, rows: 30 }));
      ws.send(
        JSON.stringify({
          t: 'term.input',
          term: 'web',
          data: `python3 -m http.server ${port} --bind 127.0.0.1\r`,
        }),
      );
      const res = await until('python http.server through the hub', async () => {
        const r = await api(`/${project.id}/port/${port}/hello.txt`);
        return r.status === 200 ? r : undefined;
      });
      expect(res.text).toBe('served from inside the project\n');
    } finally {
      ws.send(JSON.stringify({ t: 'term.close', term: 'web' }));
      ws.close();
    }
  });

  it('the host service port gives nothing without the hub’s signature, or with a forged one: 403', async () => {
    const servicePort = await agent.servicePort();
    const path = `/${project.id}/`;
    expect((await httpGet(servicePort, path)).status).toBe(403);
    const forged = signServiceRequest('not-the-service-secret', 'GET', path, Date.now(), {
      projectId: project.id,
      user: 'admin',
    });
    expect((await httpGet(servicePort, path, { [SIGNATURE_HEADER]: forged })).status).toBe(403);
  });

  it('stop and start through the API; a stopped project shows a Start page', async () => {
    const stopped = await api(`/api/projects/${project.id}/stop`, { method: 'POST', body: {} });
    expect(stopped.status, stopped.text).toBe(200);
    expect(stopped.json.project.state).toBe('stopped');
    const page = await api(`/${project.id}/`, { headers: { accept: 'text/html' } });
    expect(page.text).toContain('Start project');

    const started = await api(`/api/projects/${project.id}/start`, { method: 'POST', body: {} });
    expect(started.json.project.state).toBe('running');
  }, 60_000);

  it('bad requests name the field; delete with its files: gone from the hub and the host', async () => {
    const bad = await api('/api/projects', { method: 'POST', body: { name: '' } });
    expect(bad.status).toBe(400);
    expect(bad.json.error.field).toBe('name');
    const before = (await api('/api/projects')).json.projects;
    const refusals: [string, string, unknown, number, string][] = [
      ['POST', '/api/projects', { name: 'x', hostId: 'h_nosuchhost' }, 404, 'hostId'],
      ['POST', '/api/projects', { name: 'x', color: 'red' }, 400, 'color'],
      ['DELETE', `/api/projects/${project.id}?deleteFiles=maybe`, undefined, 400, 'deleteFiles'],
      ['POST', '/api/projects/00000000-0000-4000-8000-000000000000/start', {}, 404, 'id'],
    ];
    for (const [method, path, body, status, field] of refusals) {
      const res = await api(path, { method, ...(body === undefined ? {} : { body }) });
      expect([res.status, res.json?.error?.field], `${method} ${path}`).toEqual([status, field]);
    }
    // Nothing changed.
    expect((await api('/api/projects')).json.projects).toEqual(before);

    const created = await api('/api/projects', { method: 'POST', body: { name: 'scratch', hostId } });
    const scratch = await waitForState(created.json.project.id, 'running');
    const dir = join(agent.dataDir, 'projects', scratch.id);
    expect(existsSync(dir)).toBe(true);
    const del = await api(`/api/projects/${scratch.id}?deleteFiles=true`, { method: 'DELETE' });
    expect(del.status, del.text).toBe(204);
    expect((await api(`/${scratch.id}/`)).status).toBe(404);
    expect((await api('/api/projects')).json.projects.map((p: ProjectView) => p.id)).toEqual([project.id]);
    expect(existsSync(dir)).toBe(false);
  }, 60_000);

  // Last: the agent restarted here belongs to this test and is stopped after it.: the agent restarted here belongs to this test and is stopped after it.
  it('the agent killed: 502 naming the host; the agent back: the project answers again, no hub restart', async () => {
    const dataDir = agent.dataDir;
    await agent.stop('SIGKILL');
    const down = await until('a 502 from the hub', async () => {
      const r = await api(`/${project.id}/`, { headers: { accept: 'text/html' } });
      return r.status === 502 ? r : undefined;
    });
    expect(down.text).toContain('lab-box');

    agent = startAgent(null, { dataDir });
    const back = await until(
      'the project through the hub again',
      async () => {
        const r = await api(`/${project.id}/`);
        return r.status === 200 ? r : undefined;
      },
      30_000,
    );
    expect(back.text).toMatch(/workspace/i);
    expect(hub.proc.exitCode).toBeNull();
  }, 60_000);
});

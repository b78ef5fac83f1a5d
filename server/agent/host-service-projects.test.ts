import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { SIGNATURE_HEADER, type SignedIdentity, signServiceRequest } from '../hosts/index.js';
import { PROJECT_TOKEN_HEADER, PROJECT_USER_HEADER, ProjectRuntime } from '../projects/index.js';
import { FIXTURE_ENTRY } from '../projects/runtime/test-support.js';
import { type HostRuntime, type HostService, startHostService } from './host-service.js';

const SECRET = 'per-host-service-secret';

let projectsDir: string;
let runtime: ProjectRuntime;
let service: HostService;
const id = randomUUID();

beforeAll(async () => {
  projectsDir = mkdtempSync(join(tmpdir(), 'lp-host-service-'));
  runtime = new ProjectRuntime({
    projectsDir,
    entry: FIXTURE_ENTRY,
    logger: pino({ enabled: false }),
    restart: { initialMs: 300, maxMs: 300 },
  });
  service = await startHostService({
    port: 0,
    hostId: 'host_1',
    serviceSecret: SECRET,
    version: '9.9.9',
    logger: pino({ enabled: false }),
    runtime,
  });
  expect(await runtime.start(id, 'Thesis')).toMatchObject({ state: 'running' });
});
afterAll(async () => {
  await service.close();
  await runtime.stopAll();
  rmSync(projectsDir, { recursive: true, force: true });
});

/** What the fixture server echoes (url, headers, body), or the host service's error. */
interface Body {
  projectId: string;
  pid: number;
  url: string;
  headers: Record<string, string | undefined>;
  body: string;
  error: { code: string; message: string; field?: string };
  projects: { id: string; state: string; error: string | null }[];
}
interface Reply {
  status: number;
  body: Body;
}

/** A request to the host service; `sign` says how (default: signed for the path, no identity). */
function call(
  method: string,
  path: string,
  opts: {
    sign?: SignedIdentity | false | string;
    body?: string;
    headers?: Record<string, string>;
    port?: number;
  } = {},
): Promise<Reply> {
  const signature =
    opts.sign === false
      ? undefined
      : typeof opts.sign === 'string'
        ? opts.sign
        : signServiceRequest(SECRET, method, path, Date.now(), opts.sign ?? {});
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: opts.port ?? service.port,
        method,
        path,
        headers: { ...(signature ? { [SIGNATURE_HEADER]: signature } : {}), ...opts.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null });
        });
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

type WsResult =
  | { status: number; body?: Body }
  | { open: true; ws: WebSocket; first: { hello: string; user: string | null } };

/** A WebSocket through the host service: the first message once open, or the refusal. */
function openWs(
  path: string,
  sign: SignedIdentity | false | string = {},
  port = service.port,
): Promise<WsResult> {
  const signature =
    sign === false
      ? undefined
      : typeof sign === 'string'
        ? sign
        : signServiceRequest(SECRET, 'GET', path, Date.now(), sign);
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, {
      headers: signature ? { [SIGNATURE_HEADER]: signature } : {},
    });
    ws.once('message', (data) => resolve({ open: true, ws, first: JSON.parse(String(data)) }));
    ws.once('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined });
      });
    });
    ws.once('error', (err) => {
      if (!/Unexpected server response/.test(err.message)) reject(err);
    });
  });
}

describe('the host service routes to project servers', () => {
  it('forwards /<id>/… unchanged with the project token and user, without the hub signature', async () => {
    const path = `/${id}/api/files?path=a%20b&x=1`;
    const res = await call('GET', path, {
      sign: { projectId: id, user: 'u_42' },
      // A client cannot smuggle its own identity or token through: both are set by the service.
      headers: { [PROJECT_USER_HEADER]: 'mallory', [PROJECT_TOKEN_HEADER]: 'guess' },
    });
    expect(res.status).toBe(200);
    expect(res.body.url).toBe(path);
    expect(res.body.headers[PROJECT_TOKEN_HEADER]).toBe(runtime.portOf(id)?.token);
    expect(res.body.headers[PROJECT_USER_HEADER]).toBe('u_42');
    expect(res.body.headers[SIGNATURE_HEADER]).toBeUndefined();
  });

  it('streams request bodies to the project (and works without a signed identity)', async () => {
    const body = 'x'.repeat(200_000);
    const res = await call('PUT', `/${id}/api/files/upload?path=big`, { body });
    expect(res.status).toBe(200);
    expect(res.body.body.length).toBe(body.length);
    expect(res.body.headers[PROJECT_USER_HEADER]).toBeUndefined();
  });

  it('routes /conat… to the signed project with the path and query intact', async () => {
    const res = await call('GET', '/conat?x=1', { sign: { projectId: id, user: 'u_1' } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ projectId: id, url: '/conat?x=1' });
    expect((await call('GET', '/conat/sub?y=2', { sign: { projectId: id } })).body.url).toBe(
      '/conat/sub?y=2',
    );
    const anonymous = await call('GET', '/conat?x=1');
    expect(anonymous).toMatchObject({ status: 400, body: { error: { code: 'project_required' } } });
  });

  it('refuses a signature made for another project', async () => {
    const res = await call('GET', `/${id}/`, { sign: { projectId: randomUUID() } });
    expect(res).toMatchObject({ status: 403, body: { error: { code: 'project_mismatch' } } });
  });

  it('refuses unsigned and forged requests (403) before routing', async () => {
    expect(await call('GET', `/${id}/`, { sign: false })).toMatchObject({
      status: 403,
      body: { error: { code: 'signature_missing' } },
    });
    const forged = signServiceRequest('not-the-secret', 'GET', `/${id}/`, Date.now(), { projectId: id });
    expect(await call('GET', `/${id}/`, { sign: forged })).toMatchObject({
      status: 403,
      body: { error: { code: 'signature_bad_signature' } },
    });
    // Signed for a different path: the hub's signature covers the exact path it sent.
    const other = signServiceRequest(SECRET, 'GET', `/${id}/a`);
    expect((await call('GET', `/${id}/b`, { sign: other })).status).toBe(403);
  });

  it('answers 404 project_not_running for a project that does not run here', async () => {
    const other = randomUUID();
    expect(await call('GET', `/${other}/x`)).toMatchObject({
      status: 404,
      body: { error: { code: 'project_not_running', message: expect.stringContaining(other) } },
    });
    expect(await call('GET', '/conat', { sign: { projectId: other } })).toMatchObject({
      status: 404,
      body: { error: { code: 'project_not_running' } },
    });
  });

  it('proxies WebSocket upgrades (path and user intact) and echoes both ways', async () => {
    const result = await openWs(`/${id}/terminals/1?cols=80`, { projectId: id, user: 'u_7' });
    if (!('open' in result)) throw new Error(`refused: ${result.status}`);
    expect(result.first).toEqual({ hello: `/${id}/terminals/1?cols=80`, user: 'u_7', via: 'port' });
    const echo = new Promise<string>((resolve) => result.ws.once('message', (d) => resolve(String(d))));
    result.ws.send('ping');
    expect(await echo).toBe('echo:ping');
    result.ws.close();

    const conat = await openWs('/conat?sid=9', { projectId: id });
    if (!('open' in conat)) throw new Error(`refused: ${conat.status}`);
    expect(conat.first).toEqual({ hello: '/conat?sid=9', user: null, via: 'port' });
    conat.ws.close();
  });

  it('refuses unsigned, forged and misrouted upgrades with a raw HTTP response', async () => {
    expect(await openWs(`/${id}/ws`, false)).toMatchObject({
      status: 403,
      body: { error: { code: 'signature_missing' } },
    });
    const forged = signServiceRequest('not-the-secret', 'GET', `/${id}/ws`, Date.now(), { projectId: id });
    expect(await openWs(`/${id}/ws`, forged)).toMatchObject({
      status: 403,
      body: { error: { code: 'signature_bad_signature' } },
    });
    expect(await openWs(`/${randomUUID()}/ws`)).toMatchObject({
      status: 404,
      body: { error: { code: 'project_not_running' } },
    });
    expect(await openWs('/conat')).toMatchObject({
      status: 400,
      body: { error: { code: 'project_required' } },
    });
    expect(await openWs('/elsewhere')).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
  });

  it('serves a crashed project again once the runtime restarted it', async () => {
    const before = await call('GET', `/${id}/`, { sign: { projectId: id } });
    await call('GET', `/${id}/_fixture/crash`, { sign: { projectId: id } });
    // While it restarts (300 ms backoff): not running here, which the hub shows as such.
    const during = await call('GET', `/${id}/`, { sign: { projectId: id } });
    expect([404, 502]).toContain(during.status);
    const deadline = Date.now() + 10_000;
    for (;;) {
      const after = await call('GET', `/${id}/`, { sign: { projectId: id } });
      if (after.status === 200) {
        expect(after.body.pid).not.toBe(before.body.pid);
        break;
      }
      expect(Date.now()).toBeLessThan(deadline);
      await new Promise((r) => setTimeout(r, 50));
    }
  });
});

describe('the host service control API', () => {
  const control = '/_lp/projects';

  it('starts, lists, stops and deletes projects', async () => {
    const p = randomUUID();
    const started = await call('POST', `${control}/${p}/start`, {
      sign: { projectId: p },
      body: JSON.stringify({ name: 'Control' }),
    });
    expect(started).toEqual({ status: 200, body: { id: p, state: 'running', error: null } });
    const list = await call('GET', control);
    expect(list.status).toBe(200);
    expect(list.body.projects).toContainEqual({ id: p, state: 'running', error: null });
    expect((await call('GET', `/${p}/hello`, { sign: { projectId: p } })).status).toBe(200);

    expect(await call('POST', `${control}/${p}/stop`, { sign: { projectId: p } })).toEqual({
      status: 200,
      body: { id: p, state: 'stopped', error: null },
    });
    expect((await call('GET', `/${p}/hello`, { sign: { projectId: p } })).body.error.code).toBe(
      'project_not_running',
    );
    expect(existsSync(join(projectsDir, p))).toBe(true);
    expect(await call('DELETE', `${control}/${p}?files=false`, { sign: { projectId: p } })).toMatchObject({
      status: 200,
      body: { state: 'stopped' },
    });
    expect(existsSync(join(projectsDir, p))).toBe(true);
    expect((await call('DELETE', `${control}/${p}?files=true`, { sign: { projectId: p } })).status).toBe(200);
    expect(existsSync(join(projectsDir, p))).toBe(false);
  });

  it('answers a failed start with state error and the reason (HTTP 200, as the contract says)', async () => {
    const broken = new ProjectRuntime({
      projectsDir,
      entry: join(projectsDir, 'missing-entry.js'),
      logger: pino({ enabled: false }),
    });
    const svc = await startHostService({
      port: 0,
      hostId: 'h',
      serviceSecret: SECRET,
      version: '1',
      logger: pino({ enabled: false }),
      runtime: broken,
    });
    try {
      const p = randomUUID();
      const res = await call('POST', `${control}/${p}/start`, { body: '{"name":"x"}', port: svc.port });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        id: p,
        state: 'error',
        error: expect.stringContaining('before listening'),
      });
    } finally {
      await svc.close();
      await broken.stopAll();
    }
  });

  it('validates ids, bodies, queries and methods with JSON errors', async () => {
    const p = randomUUID();
    const err = async (method: string, path: string, body?: string) =>
      (await call(method, path, body === undefined ? {} : { body })) as Reply;
    expect(await err('POST', `${control}/not-a-uuid/start`, '{"name":"x"}')).toMatchObject({
      status: 400,
      body: { error: { code: 'invalid_project_id', field: 'id' } },
    });
    expect(await err('POST', `${control}/${p}/start`, '{"name":')).toMatchObject({
      status: 400,
      body: { error: { code: 'invalid_json' } },
    });
    expect(await err('POST', `${control}/${p}/start`, '{}')).toMatchObject({
      status: 400,
      body: { error: { code: 'invalid_request', field: 'name' } },
    });
    expect(await err('POST', `${control}/${p}/start`, JSON.stringify({ name: 'x', extra: 1 }))).toMatchObject(
      {
        status: 400,
        body: { error: { code: 'invalid_request' } },
      },
    );
    expect(
      await err('POST', `${control}/${p}/start`, JSON.stringify({ name: 'x'.repeat(101) })),
    ).toMatchObject({
      status: 400,
      body: { error: { code: 'invalid_request', field: 'name' } },
    });
    expect(await err('DELETE', `${control}/${p}?files=maybe`)).toMatchObject({
      status: 400,
      body: { error: { code: 'invalid_request', field: 'files' } },
    });
    expect(await err('GET', `${control}/${p}/start`)).toMatchObject({
      status: 405,
      body: { error: { code: 'method_not_allowed' } },
    });
    expect(await err('POST', control)).toMatchObject({ status: 405 });
    expect(await err('POST', `${control}/${p}/restart`)).toMatchObject({ status: 404 });
    const mismatch = await call('POST', `${control}/${p}/start`, {
      sign: { projectId: randomUUID() },
      body: '{"name":"x"}',
    });
    expect(mismatch).toMatchObject({ status: 403, body: { error: { code: 'project_mismatch' } } });
    expect((await call('GET', control, { sign: false })).status).toBe(403);
    expect(runtime.list().map((s) => s.id)).not.toContain(p);
  });
});

describe('the host service with an unreachable project server', () => {
  it('answers 502 JSON (HTTP and upgrade) and keeps serving', async () => {
    const p = randomUUID();
    // A port nothing listens on: the runtime believes the project runs, the connection is refused.
    const closedPort = await new Promise<number>((resolve) => {
      const srv = createNetServer();
      srv.listen(0, '127.0.0.1', () => {
        const port = (srv.address() as AddressInfo).port;
        srv.close(() => resolve(port));
      });
    });
    const fake: HostRuntime = {
      start: async () => ({ id: p, state: 'running', error: null }),
      stop: async () => ({ id: p, state: 'stopped', error: null }),
      delete: async () => ({ id: p, state: 'stopped', error: null }),
      list: () => [],
      portOf: (x) => (x === p ? { port: closedPort, token: 't' } : null),
    };
    const svc = await startHostService({
      port: 0,
      hostId: 'h',
      serviceSecret: SECRET,
      version: '1',
      logger: pino({ enabled: false }),
      runtime: fake,
    });
    try {
      expect(await call('GET', `/${p}/x`, { port: svc.port })).toMatchObject({
        status: 502,
        body: { error: { code: 'project_unreachable' } },
      });
      expect(await openWs(`/${p}/ws`, {}, svc.port)).toMatchObject({
        status: 502,
        body: { error: { code: 'project_unreachable' } },
      });
      expect((await call('GET', '/healthz', { port: svc.port })).status).toBe(200);
    } finally {
      await svc.close();
    }
  });
});

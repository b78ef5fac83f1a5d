import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { SIGNATURE_HEADER, signServiceRequest, splicePreamble } from '../hosts/index.js';
import { ProjectRuntime } from '../projects/index.js';
import { FIXTURE_ENTRY, waitFor } from '../projects/runtime/test-support.js';
import { type HostService, startHostService } from './host-service.js';

// The agent's side of a tunnel channel, with a TCP connection standing in for the channel (the
// host service takes any socket-like stream in accept(); the tunnel tests cover real channels).
const SECRET = 'per-host-service-secret';

let projectsDir: string;
let runtime: ProjectRuntime;
let service: HostService;
let channels: Server;
let channelPort: number;
const warnings: string[] = [];
const id = randomUUID();

beforeAll(async () => {
  projectsDir = mkdtempSync(join(tmpdir(), 'lp-splice-'));
  runtime = new ProjectRuntime({ projectsDir, entry: FIXTURE_ENTRY, logger: pino({ enabled: false }) });
  const logger = pino({ level: 'warn' }, { write: (line: string) => warnings.push(line) });
  service = await startHostService({
    port: 0,
    hostId: 'host_1',
    serviceSecret: SECRET,
    version: '9.9.9',
    logger,
    runtime,
  });
  channels = createServer((socket) => service.accept(socket));
  await new Promise<void>((resolve) => channels.listen(0, '127.0.0.1', resolve));
  channelPort = (channels.address() as AddressInfo).port;
  expect(await runtime.start(id, 'Thesis')).toMatchObject({ state: 'running' });
});
afterAll(async () => {
  channels.close();
  await service.close();
  await runtime.stopAll();
  rmSync(projectsDir, { recursive: true, force: true });
});

/** A "channel": a connection handed to accept(), starting with `line` when given. */
function openChannel(line?: Buffer): Socket {
  const socket = connect(channelPort, '127.0.0.1');
  if (line) socket.write(line);
  return socket;
}

interface Echo {
  status: number;
  body: { via?: string; url?: string; headers?: Record<string, string>; error?: { code: string } };
}

function get(socket: Socket, path: string, headers: Record<string, string> = {}): Promise<Echo> {
  return new Promise((resolve, reject) => {
    const req = request({ createConnection: () => socket, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString() || '{}') }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

const signed = (path: string) => ({ [SIGNATURE_HEADER]: signServiceRequest(SECRET, 'GET', path) });

describe('tunnel channels that start with the splice line', () => {
  it('reach the project server byte for byte over its trusted socket, request after request', async () => {
    const socket = openChannel(splicePreamble(SECRET, id));
    const first = await get(socket, `/${id}/files?a=1`, signed(`/${id}/files?a=1`));
    expect(first.status).toBe(200);
    // Spliced: the agent's proxy did not touch the request (it strips the signature and adds
    // the project token on the HTTP path), and the server took it on its socket.
    expect(first.body.via).toBe('socket');
    expect(first.body.url).toBe(`/${id}/files?a=1`);
    expect(first.body.headers?.[SIGNATURE_HEADER]).toBeDefined();
    expect(first.body.headers?.['x-launchpad-project-token']).toBeUndefined();
    socket.destroy();
  });

  it('stay open for the next request (the hub keeps them alive)', async () => {
    const socket = openChannel(splicePreamble(SECRET, id));
    const text: string[] = [];
    socket.on('data', (c: Buffer) => text.push(c.toString()));
    for (const n of [1, 2]) {
      socket.write(`GET /${id}/n${n} HTTP/1.1\r\nhost: hub\r\n\r\n`);
      await waitFor(
        () => text.join('').includes(`"url":"/${id}/n${n}"`) || undefined,
        5_000,
        `response ${n}`,
      );
    }
    expect(text.join('').match(/HTTP\/1\.1 200/g)).toHaveLength(2);
    expect(socket.destroyed).toBe(false);
    socket.destroy();
  });

  it('carry WebSocket upgrades', async () => {
    const ws = new WebSocket(`ws://127.0.0.1/${id}/conat`, {
      createConnection: () => openChannel(splicePreamble(SECRET, id)),
      headers: signed(`/${id}/conat`),
    });
    const hello = await new Promise<{ via: string }>((resolve, reject) => {
      ws.once('message', (data) => resolve(JSON.parse(String(data))));
      ws.once('error', reject);
    });
    expect(hello.via).toBe('socket');
    ws.send('ping');
    const echo = await new Promise<string>((resolve) => ws.once('message', (d) => resolve(String(d))));
    expect(echo).toBe('echo:ping');
    ws.close();
  });

  it('are served as HTTP when the project does not run here, so the hub hears why', async () => {
    const other = randomUUID();
    const socket = openChannel(splicePreamble(SECRET, other));
    const res = await get(socket, `/${other}/files`, signed(`/${other}/files`));
    expect(res.status).toBe(404);
    expect(res.body.error?.code).toBe('project_not_running');
    socket.destroy();
  });

  it('are dropped, and logged, when the line does not verify; the service goes on', async () => {
    const before = warnings.length;
    const forged = openChannel(splicePreamble('not-the-secret', id));
    await expect(get(forged, `/${id}/files`)).rejects.toThrow();
    const logged = warnings.slice(before).join('\n');
    expect(logged).toMatch(/refused a splice line that does not verify/);
    expect(logged).toMatch(/"reason":"bad-signature"/);
    const socket = openChannel(splicePreamble(SECRET, id));
    expect((await get(socket, `/${id}/files`)).body.via).toBe('socket');
    socket.destroy();
  });
});

describe('tunnel channels without the line', () => {
  it('are served by the host service as before: signed requests only, proxied over the port', async () => {
    const unsigned = await get(openChannel(), `/${id}/files`);
    expect(unsigned.status).toBe(403);
    const ok = await get(openChannel(), `/${id}/files`, signed(`/${id}/files`));
    expect(ok.status).toBe(200);
    expect(ok.body.via).toBe('port');
    expect(ok.body.headers?.[SIGNATURE_HEADER]).toBeUndefined();
  });
});

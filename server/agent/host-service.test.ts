import { request } from 'node:http';
import { connect } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectLanAddress } from '../config/index.js';
import { SIGNATURE_HEADER, signServiceRequest } from '../hosts/index.js';
import { type HostService, startHostService } from './host-service.js';

const SECRET = 'per-host-service-secret';
let service: HostService;

beforeAll(async () => {
  service = await startHostService({
    port: 0,
    hostId: 'host_1',
    serviceSecret: SECRET,
    version: '9.9.9',
    logger: pino({ enabled: false }),
  });
});
afterAll(() => service.close());

function get(path: string, signature?: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: service.port,
        path,
        headers: signature ? { [SIGNATURE_HEADER]: signature } : {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString()) }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('the host service', () => {
  it('answers /healthz signed by the hub with the host id and version', async () => {
    const res = await get('/healthz', signServiceRequest(SECRET, 'GET', '/healthz'));
    expect(res).toEqual({ status: 200, body: { ok: true, hostId: 'host_1', version: '9.9.9' } });
  });

  it('refuses (403, with the reason) a missing, expired, forged, replayed or misdirected signature', async () => {
    const reason = async (path: string, sig?: string) => {
      const res = await get(path, sig);
      expect(res.status).toBe(403);
      return (res.body as { error: { code: string } }).error.code;
    };
    expect(await reason('/healthz')).toBe('signature_missing');
    expect(
      await reason('/healthz', signServiceRequest(SECRET, 'GET', '/healthz', Date.now() - 120_000)),
    ).toBe('signature_expired');
    expect(await reason('/healthz', signServiceRequest('not-the-secret', 'GET', '/healthz'))).toBe(
      'signature_bad_signature',
    );
    expect(await reason('/healthz', signServiceRequest(SECRET, 'GET', '/other'))).toBe(
      'signature_bad_signature',
    );
    expect(await reason('/healthz', 'garbage')).toBe('signature_malformed');
    const once = signServiceRequest(SECRET, 'GET', '/healthz');
    expect((await get('/healthz', once)).status).toBe(200);
    expect(await reason('/healthz', once)).toBe('signature_replayed');
  });

  it('has no other routes yet (404, and only for signed requests)', async () => {
    expect((await get('/projects', signServiceRequest(SECRET, 'GET', '/projects'))).status).toBe(404);
    expect((await get('/projects')).status).toBe(403);
  });

  const lan = detectLanAddress();
  it.skipIf(lan === null)('listens on 127.0.0.1 only: the LAN address refuses the connection', async () => {
    const code = await new Promise<string>((resolve) => {
      const socket = connect(service.port, lan as string);
      socket.once('connect', () => {
        socket.destroy();
        resolve('connected');
      });
      socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    });
    expect(code).toBe('ECONNREFUSED');
  });
});

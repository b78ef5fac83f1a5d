import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, get, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureLocalTls, type LocalTls } from './index.js';

let root: string;
let tls: LocalTls;
let server: Server;
let port: number;

interface Outcome {
  status: number;
  body: string;
  fingerprint: string;
}

function request(options: { ca?: string; servername?: string }): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const req = get(
      {
        host: '127.0.0.1',
        port,
        path: '/',
        agent: false,
        ...(options.ca === undefined ? {} : { ca: options.ca }),
        ...(options.servername === undefined
          ? {}
          : { servername: options.servername, headers: { host: options.servername } }),
      },
      (res) => {
        const fingerprint = (res.socket as TLSSocket).getPeerCertificate().fingerprint256;
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, fingerprint }));
      },
    );
    req.on('error', reject);
  });
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'launchpad-tls-handshake-'));
  tls = await ensureLocalTls({ dir: join(root, 'tls'), publicHost: 'hub.example.lan' });
  server = createServer({ key: tls.keyPem, cert: tls.certPem }, (_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
  rmSync(root, { recursive: true, force: true });
});

describe('the ensured certificate in a real TLS handshake', () => {
  it('is trusted through the local CA, with hostname verification on', async () => {
    const res = await request({ ca: tls.caPem! });
    expect(res).toMatchObject({ status: 200, body: 'ok' });
    // What the desktop window pins is what the socket reports.
    expect(res.fingerprint).toBe(tls.leafFingerprint);
  });

  it('verifies for the names in its SANs', async () => {
    expect((await request({ ca: tls.caPem!, servername: 'localhost' })).status).toBe(200);
    expect((await request({ ca: tls.caPem!, servername: 'hub.example.lan' })).status).toBe(200);
  });

  it('fails verification for a name outside its SANs', async () => {
    await expect(request({ ca: tls.caPem!, servername: 'not-in-san.example' })).rejects.toMatchObject({
      code: 'ERR_TLS_CERT_ALTNAME_INVALID',
    });
  });

  it('is not trusted without the local CA', async () => {
    await expect(request({})).rejects.toMatchObject({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
  });
});

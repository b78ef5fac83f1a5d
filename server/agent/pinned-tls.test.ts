import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureLocalTls, type LocalTls } from '../tls/index.js';
import { HubUnreachableError, PinMismatchError } from './errors.js';
import { checkChainAgainstPin, pinnedRequest } from './pinned-tls.js';

// A real TLS server with a real local CA, as the hub has; a second CA plays another hub.

let root: string;
let hub: LocalTls;
let other: LocalTls;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'lp-agent-tls-'));
  [hub, other] = await Promise.all([
    ensureLocalTls({ dir: join(root, 'hub'), publicHost: '127.0.0.1' }),
    ensureLocalTls({ dir: join(root, 'other'), publicHost: '127.0.0.1' }),
  ]);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Served {
  port: number;
  /** Bytes the server received after the handshake, per connection. */
  received: Buffer[];
  close(): Promise<void>;
}

/** A TLS server presenting `chain` that answers any HTTP request with 200 {"ok":true}. */
async function serve(key: string, chain: string): Promise<Served> {
  const received: Buffer[] = [];
  const server: Server = createServer({ key, cert: chain }, (socket: TLSSocket) => {
    const index = received.push(Buffer.alloc(0)) - 1;
    socket.on('data', (c: Buffer) => {
      received[index] = Buffer.concat([received[index] as Buffer, c]);
      if (received[index]?.includes('\r\n\r\n')) {
        socket.end(
          'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 11\r\n\r\n{"ok":true}',
        );
      }
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as { port: number }).port,
    received,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

const chainOf = (t: LocalTls, ca: LocalTls = t) => `${t.certPem.trimEnd()}\n${ca.caPem}`;

describe('pinnedRequest', () => {
  it('sends the request to a hub whose chain leads to the pinned CA, or whose leaf is pinned', async () => {
    const s = await serve(hub.keyPem, chainOf(hub));
    try {
      for (const pin of [hub.caFingerprint as string, hub.leafFingerprint]) {
        const res = await pinnedRequest({ host: '127.0.0.1', port: s.port, pin }, 'POST', '/api/x', {
          body: { secret: 's' },
        });
        expect(res).toEqual({ status: 200, body: { ok: true } });
      }
      expect(s.received.map((b) => b.toString()).join('')).toContain('POST /api/x');
    } finally {
      await s.close();
    }
  });

  it('refuses another hub before writing a single byte', async () => {
    const s = await serve(other.keyPem, chainOf(other));
    try {
      const err = await pinnedRequest(
        { host: '127.0.0.1', port: s.port, pin: hub.caFingerprint as string },
        'POST',
        '/x',
        {
          body: { secret: 'must-not-leave' },
        },
      ).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PinMismatchError);
      expect((err as Error).message).toBe(
        'this token is for another hub (TLS fingerprint mismatch); the secret was not sent',
      );
      await new Promise((r) => setTimeout(r, 100));
      expect(Buffer.concat(s.received).length).toBe(0);
    } finally {
      await s.close();
    }
  });

  it('is not fooled by a server that sends the (public) pinned CA after its own leaf', async () => {
    const s = await serve(other.keyPem, chainOf(other, hub));
    try {
      await expect(
        pinnedRequest({ host: '127.0.0.1', port: s.port, pin: hub.caFingerprint as string }, 'GET', '/'),
      ).rejects.toBeInstanceOf(PinMismatchError);
      expect(Buffer.concat(s.received).length).toBe(0);
    } finally {
      await s.close();
    }
  });

  it('says the hub is unreachable when nothing listens', async () => {
    const s = await serve(hub.keyPem, chainOf(hub));
    await s.close();
    await expect(
      pinnedRequest({ host: '127.0.0.1', port: s.port, pin: hub.caFingerprint as string }, 'GET', '/'),
    ).rejects.toThrow(HubUnreachableError);
  });
});

describe('checkChainAgainstPin', () => {
  const leaf = () => new X509Certificate(hub.certPem);
  const ca = () => new X509Certificate(hub.caPem as string);

  it('accepts the leaf signed by the pinned CA, and a pinned leaf alone', () => {
    expect(checkChainAgainstPin([leaf(), ca()], hub.caFingerprint as string)).toBeNull();
    expect(checkChainAgainstPin([leaf()], hub.leafFingerprint)).toBeNull();
  });

  it('refuses a chain without the pin, a forged order, an empty chain and an expired leaf', () => {
    expect(checkChainAgainstPin([leaf()], hub.caFingerprint as string)).toMatch(/matches the pin/);
    expect(
      checkChainAgainstPin([new X509Certificate(other.certPem), ca()], hub.caFingerprint as string),
    ).toMatch(/not signed/);
    expect(checkChainAgainstPin([], hub.caFingerprint as string)).toMatch(/no certificate/);
    expect(checkChainAgainstPin([leaf(), ca()], hub.caFingerprint as string, new Date('2200-01-01'))).toMatch(
      /not valid now/,
    );
  });
});

import { once } from 'node:events';
import { connect, createServer } from 'node:net';
import { PassThrough } from 'node:stream';
import type { Connection } from 'ssh2';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionForwards, ListenerRegistry } from './forwards.js';
import type { ForwardDecision } from './roles.js';
import { CapturedLog } from './test-support.js';

// The reverse-forward engine on its own, with a stand-in SSH client whose forwarded-tcpip
// channels echo: the mechanics a policy never exercises end to end (port 0) are pinned here.

interface Opened {
  boundAddr: string;
  boundPort: number;
  remoteAddr: string;
}

function fakeClient(opened: Opened[]): Connection {
  return {
    forwardOut(
      boundAddr: string,
      boundPort: number,
      remoteAddr: string,
      _remotePort: number,
      cb: (err: Error | undefined, ch: unknown) => void,
    ) {
      opened.push({ boundAddr, boundPort, remoteAddr });
      const echo = Object.assign(new PassThrough(), { close: () => echo.destroy() });
      cb(undefined, echo);
    },
  } as unknown as Connection;
}

const allowAll = (addr: string, port: number): ForwardDecision => ({
  ok: true,
  grant: { listenHost: addr === 'localhost' ? '127.0.0.1' : addr, port, kind: 'http' },
});

const made: ConnectionForwards[] = [];
function forwards(opened: Opened[], registry = new ListenerRegistry(), decide = allowAll) {
  const f = new ConnectionForwards({
    client: fakeClient(opened),
    registry,
    logger: new CapturedLog().logger,
    decide,
    maxSockets: 4,
  });
  made.push(f);
  return f;
}

afterEach(async () => {
  await Promise.all(made.splice(0).map((f) => f.closeAll()));
});

async function roundTrip(port: number, text: string): Promise<string> {
  const s = connect(port, '127.0.0.1');
  await once(s, 'connect');
  s.end(text);
  let got = '';
  s.on('data', (d: Buffer) => {
    got += d.toString();
  });
  await once(s, 'close');
  return got;
}

describe('ConnectionForwards', () => {
  it('port 0 (when a policy allows it) binds a free port and reports it; channels carry it', async () => {
    const opened: Opened[] = [];
    const f = forwards(opened);
    const port = await f.add('localhost', 0);
    expect(port).toBeGreaterThan(0);
    expect(await roundTrip(port, 'ping')).toBe('ping');
    // Exactly the address the client asked for, and the port it got.
    expect(opened).toEqual([{ boundAddr: 'localhost', boundPort: port, remoteAddr: '127.0.0.1' }]);
    expect(f.list()).toEqual([
      {
        bindAddress: 'localhost',
        listenHost: '127.0.0.1',
        port,
        kind: 'http',
        bytesIn: 4,
        bytesOut: 4,
        activeConnections: 0,
        totalConnections: 1,
      },
    ]);
  });

  it('a fixed port is reported as requested; duplicates, refusals and cancel', async () => {
    const opened: Opened[] = [];
    const probe = createServer().listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const port = (probe.address() as { port: number }).port;
    const f = forwards(opened, new ListenerRegistry(), (addr, p) =>
      p === port ? allowAll(addr, p) : { ok: false, reason: 'not yours' },
    );
    // Taken by someone else: the listen error is the refusal.
    await expect(f.add('127.0.0.1', port)).rejects.toThrow(/EADDRINUSE/);
    probe.close();
    await once(probe, 'close');

    expect(await f.add('127.0.0.1', port)).toBe(port);
    await expect(f.add('127.0.0.1', port)).rejects.toThrow(/already forwards/);
    await expect(f.add('127.0.0.1', port + 1)).rejects.toThrow('not yours');
    expect(await roundTrip(port, 'x')).toBe('x');
    expect(opened[0]).toMatchObject({ boundAddr: '127.0.0.1', boundPort: port });

    expect(f.cancel('127.0.0.1', port + 1)).toBe(false);
    expect(f.cancel('127.0.0.1', port)).toBe(true);
    expect(f.list()).toEqual([]);
  });

  it('a successor waits for its predecessor’s listener to close, then binds the same port', async () => {
    const registry = new ListenerRegistry();
    const old = forwards([], registry);
    const port = await old.add('127.0.0.1', 0);
    // While `old` holds it, another connection is refused outright…
    const other = forwards([], registry);
    await expect(other.add('127.0.0.1', port)).rejects.toThrow(/held by another live connection/);
    // …but once `old` is being closed (eviction), the successor waits and gets the port.
    const closing = old.closeAll();
    const next = forwards([], registry);
    expect(await next.add('127.0.0.1', port)).toBe(port);
    await closing;
    await expect(old.add('127.0.0.1', port)).rejects.toThrow(/closing/);
  });

  it('closeAll drops open forwarded sockets and frees the ports', async () => {
    const opened: Opened[] = [];
    const f = forwards(opened);
    const port = await f.add('127.0.0.1', 0);
    const s = connect(port, '127.0.0.1');
    s.on('error', () => undefined);
    s.resume();
    await once(s, 'connect');
    await f.closeAll();
    await once(s, 'close');
    const probe = createServer().listen(port, '127.0.0.1');
    await once(probe, 'listening');
    probe.close();
  });
});

import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHostService } from '../../agent/index.js';
import type { HostView } from '../../api/index.js';
import { probeHealth } from '../../hosts/index.js';
import { freePort } from '../../sshd/test-support.js';
import { checkHostRoute, checkHostTunnel } from './hosts.js';

// The route check against a real host service (signature verification included) on loopback,
// which is what the hub's end of a tunnel leads to.

const logger = pino({ level: 'silent' });
const SECRET = 'a-service-secret-of-the-host-0123456789';
let service: Awaited<ReturnType<typeof startHostService>>;

beforeAll(async () => {
  service = await startHostService({ port: 0, hostId: 'h1', serviceSecret: SECRET, version: 't', logger });
});
afterAll(async () => {
  await service.close();
});

function host(over: Partial<HostView> = {}): HostView {
  return {
    id: 'h1',
    name: 'lab-box',
    platform: 'linux',
    agentVersion: '0.1.0',
    thisMachine: false,
    ports: { http: 1, ssh: 2 },
    state: 'online',
    since: '2030-01-01T00:00:00.000Z',
    lastSeenAt: '2030-01-01T00:00:00.000Z',
    rttMs: 2.4,
    lastError: null,
    agentError: null,
    createdAt: '2030-01-01T00:00:00.000Z',
    ...over,
  };
}

describe('host-tunnel check', () => {
  it('online is ok with the RTT; scope host with the host as subject', () => {
    expect(checkHostTunnel(host())).toEqual({
      id: 'host-tunnel:h1',
      title: 'Tunnel of lab-box',
      scope: 'host',
      subject: { kind: 'host', id: 'h1', name: 'lab-box' },
      status: 'ok',
      message: 'Connected (round trip 2 ms)',
      fix: null,
    });
  });

  it('never connected is a warning, offline an error (with what the agent reported)', () => {
    expect(checkHostTunnel(host({ state: 'never-connected', lastSeenAt: null })).status).toBe('warn');
    const off = checkHostTunnel(
      host({ state: 'offline', agentError: { message: 'SSH port unreachable', at: '2030-01-01T00:00:00Z' } }),
    );
    expect(off).toMatchObject({
      status: 'error',
      message: 'Offline since 2030-01-01T00:00:00.000Z; the host reports: SSH port unreachable',
    });
    expect(off.fix).toMatch(/lab-box/);
  });

  it('online with a failing health probe is a warning', () => {
    expect(checkHostTunnel(host({ lastError: 'HTTP 500' })).status).toBe('warn');
  });
});

describe('host-route check', () => {
  it('a signed GET /healthz through the port answers: ok', async () => {
    const r = await checkHostRoute(host(), { port: service.port, secret: SECRET }, probeHealth);
    expect(r).toMatchObject({
      id: 'host-route:h1',
      status: 'ok',
      message: `GET /healthz through 127.0.0.1:${service.port} answered`,
    });
  });

  it('a wrong secret is refused by the host: error saying so', async () => {
    const r = await checkHostRoute(host(), { port: service.port, secret: 'not-the-secret' }, probeHealth);
    expect(r.status).toBe('error');
    expect(r.message).toMatch(/HTTP 403/);
    expect(r.message).not.toContain('not-the-secret');
  });

  it('nothing listening (the tunnel is down) is an error', async () => {
    const port = await freePort();
    const r = await checkHostRoute(host({ state: 'offline' }), { port, secret: SECRET }, probeHealth);
    expect(r).toMatchObject({ status: 'error', message: expect.stringMatching(/ECONNREFUSED/) });
  });

  it('a host that never connected is a warning, not probed', async () => {
    const r = await checkHostRoute(host({ state: 'never-connected' }), null, () => {
      throw new Error('must not probe');
    });
    expect(r.status).toBe('warn');
  });
});

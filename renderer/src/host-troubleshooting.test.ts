import { describe, expect, it } from 'vitest';
import type { HostView } from '../../server/api/index.js';
import { diagnoseHost } from './host-troubleshooting.js';

const base: HostView = {
  id: 'h1',
  name: 'gpu-box',
  platform: 'linux-x64',
  agentVersion: '0.1.0',
  thisMachine: false,
  ports: { http: 9210, ssh: 9211 },
  state: 'offline',
  since: '2026-11-22T14:00:00.000Z',
  lastSeenAt: '2026-11-22T13:59:50.000Z',
  rttMs: null,
  lastError: null,
  agentError: null,
  createdAt: '2026-11-22T13:00:00.000Z',
};

describe('diagnoseHost', () => {
  it('shows what the agent reported before the hub’s own probe error', () => {
    const host: HostView = {
      ...base,
      state: 'never-connected',
      lastError: 'probe failed',
      agentError: { message: 'cannot reach the hub’s SSH port 127.0.0.1:9201: ECONNRESET', at: base.since! },
    };
    expect(diagnoseHost(host)).toEqual({
      kind: 'never-connected',
      lastError: 'cannot reach the hub’s SSH port 127.0.0.1:9201: ECONNRESET',
    });
  });

  it('has nothing to say about online hosts or the hub’s own machine', () => {
    expect(diagnoseHost({ ...base, state: 'online' })).toBeNull();
    expect(diagnoseHost({ ...base, thisMachine: true })).toBeNull();
  });

  it('reads a pin mismatch or an expired token from the agent’s last error first', () => {
    const pin = 'TLS fingerprint does not match the pinned one';
    expect(diagnoseHost({ ...base, state: 'never-connected', lastError: pin })).toEqual({
      kind: 'wrong-hub',
      lastError: pin,
    });
    expect(diagnoseHost({ ...base, lastError: 'SSH host key mismatch' })?.kind).toBe('wrong-hub');
    expect(diagnoseHost({ ...base, lastError: 'the join token has expired' })?.kind).toBe('token-expired');
  });

  it('tells a host that never connected from one that was lost, and when', () => {
    expect(diagnoseHost({ ...base, state: 'never-connected', since: null, lastSeenAt: null })).toEqual({
      kind: 'never-connected',
      lastError: null,
    });
    expect(diagnoseHost({ ...base, lastError: 'connection reset' })).toEqual({
      kind: 'lost',
      lostAt: base.since,
      lastError: 'connection reset',
    });
    expect(diagnoseHost({ ...base, since: null })).toMatchObject({ kind: 'lost', lostAt: base.lastSeenAt });
  });
});

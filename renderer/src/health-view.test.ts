import { describe, expect, it } from 'vitest';
import type { HealthCheck, HealthReport } from '../../server/api/index.js';
import { groupChecks, problemCounts, worstProblem } from './health-view.js';

const check = (id: string, scope: HealthCheck['scope'], status: HealthCheck['status']): HealthCheck => ({
  id,
  title: id,
  scope,
  status,
  message: `${id} ${status}`,
  since: '2030-01-01T00:00:00.000Z',
  fix: status === 'ok' ? null : 'fix it',
  subject: null,
});

const report = (checks: HealthCheck[]): HealthReport => ({
  summary: 'degraded',
  checkedAt: '2030-01-01T00:00:00.000Z',
  checks,
});

describe('health view', () => {
  const r = report([
    check('sshd', 'hub', 'ok'),
    check('sftp-write', 'hub', 'error'),
    check('tls', 'hub', 'warn'),
    check('host-tunnel:a', 'host', 'ok'),
    check('host-tunnel:b', 'host', 'error'),
  ]);

  it('groups by scope in Hub, Hosts, Projects order with problems first', () => {
    const groups = groupChecks(r);
    expect(groups.map((g) => g.id)).toEqual(['hub', 'host', 'project']);
    expect(groups[0]?.checks.map((c) => c.id)).toEqual(['sftp-write', 'tls', 'sshd']);
    expect(groups[1]?.checks.map((c) => c.id)).toEqual(['host-tunnel:b', 'host-tunnel:a']);
    expect(groups[2]?.checks).toEqual([]);
  });

  it('counts problems in words', () => {
    expect(problemCounts(r)).toBe('2 errors, 1 warning');
    expect(problemCounts(report([check('x', 'hub', 'ok')]))).toBe('');
  });

  it('names the worst problem: a hub error before a host error', () => {
    expect(worstProblem(report([check('h', 'host', 'error'), check('s', 'hub', 'error')]))?.id).toBe('s');
    expect(worstProblem(report([check('w', 'hub', 'warn'), check('h', 'host', 'error')]))?.id).toBe('h');
    expect(worstProblem(report([check('x', 'hub', 'ok')]))).toBeNull();
  });
});

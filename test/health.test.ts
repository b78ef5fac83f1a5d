import { spawnSync } from 'node:child_process';
import { request } from 'node:https';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HealthCheck, HealthReport } from '../server/api/index.js';
import { createToken, startLanHub, waitForHost } from './support/hosts.js';
import {
  type AgentProcess,
  type CliResult,
  type HubProcess,
  hubFetch,
  runCli,
  signIn,
  startAgent,
  until,
  withHubHarness,
} from './support/hub-process.js';

// Health end to end: a Launchpad hub and a host agent as separate processes. The hub checks
// every second here (COCALC_HEALTH_INTERVAL_MS); `launchpad status` exits with the summary.

withHubHarness();

let hub: HubProcess;
let cookie: string;
let agent: AgentProcess;
let hostId: string;
let repo: string;

const status = (json = false): Promise<CliResult> =>
  runCli(['status', ...(json ? ['--json'] : []), '--data-dir', hub.dataDir]);

/** Polls `launchpad status --json` until it exits with `code`; resolves with its health report. */
const statusExits = (code: number) =>
  until(
    `launchpad status exiting ${code}`,
    async () => {
      const r = await status(true);
      return r.code === code ? (JSON.parse(r.stdout).health as HealthReport) : undefined;
    },
    60_000,
  );

const check = (h: HealthReport, id: string): HealthCheck | undefined => h.checks.find((c) => c.id === id);

function chattr(flag: '+i' | '-i', path: string): void {
  const r = spawnSync('chattr', [flag, path]);
  if (r.status !== 0) throw new Error(`chattr ${flag} ${path}: ${r.stderr.toString()}`);
}

/** The first `health` event of a fresh event stream. */
function firstHealthEvent(): Promise<HealthReport> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: hub.port,
        path: '/api/events',
        ca: hub.caPem,
        headers: { cookie },
        agent: false,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
          const m = /event: health\ndata: (.*)\n\n/.exec(text);
          if (m) {
            req.destroy();
            resolve((JSON.parse(m[1] as string) as { health: HealthReport }).health);
          }
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  hub = await startLanHub({ env: { COCALC_HEALTH_INTERVAL_MS: '1000' } });
  repo = join(hub.dataDir, 'backup-repo');
  cookie = await signIn(hub, hub.loginUrl);
  const { token } = await createToken(hub);
  agent = startAgent(token, { name: 'lab-box' });
  hostId = (await agent.joined).hostId;
  await waitForHost(hub, hostId, (h) => h.state === 'online', 20_000);
}, 60_000);

afterAll(async () => {
  // Never leave an immutable directory behind (the harness could not remove it).
  spawnSync('chattr', ['-i', repo]);
  await agent?.stop();
});

describe('health of a hub with one host', () => {
  it('is Ready with every check ok: GET /api/health (signed in only), the SSE event, and status exit 0', async () => {
    const ready = await statusExits(0);
    expect(ready.summary).toBe('ready');
    for (const id of ['sshd', 'sftp-write', 'tls', 'disk', `host-tunnel:${hostId}`, `host-route:${hostId}`]) {
      expect(check(ready, id)?.status, id).toBe('ok');
    }
    expect(check(ready, `host-tunnel:${hostId}`)).toMatchObject({
      scope: 'host',
      subject: { kind: 'host', id: hostId, name: 'lab-box' },
    });

    const api = await hubFetch(hub.port, '/api/health', { ca: hub.caPem, cookie });
    expect(api.status).toBe(200);
    expect(api.json.summary).toBe('ready');
    const anonymous = await hubFetch(hub.port, '/api/health', { ca: hub.caPem });
    expect(anonymous.status).toBe(401);

    expect((await firstHealthEvent()).summary).toBe('ready');

    const text = await status();
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^Launchpad hub: running/);
    expect(text.stdout).toMatch(/ {2}health {6}Ready \(6 checks ok\)/);
  });

  it('a read-only backup repository (chattr +i) is Error naming the directory; writable again, Ready', async () => {
    chattr('+i', repo);
    try {
      const failed = await statusExits(2);
      expect(failed.summary).toBe('error');
      expect(check(failed, 'sftp-write')).toMatchObject({
        status: 'error',
        message: `Cannot write to the backup repository ${repo}: Permission denied`,
      });
      expect(check(failed, 'sftp-write')?.fix).toContain(`chattr -i ${repo}`);
      const text = await status();
      expect(text.code).toBe(2);
      expect(text.stdout).toContain('health      Error');
      expect(text.stdout).toContain(
        `Backup repository (SFTP): Cannot write to the backup repository ${repo}`,
      );
    } finally {
      chattr('-i', repo);
    }
    const again = await statusExits(0);
    expect(check(again, 'sftp-write')?.status).toBe('ok');
  }, 90_000);

  it('a stopped agent makes its tunnel and route checks error and the hub Degraded (exit 1)', async () => {
    await agent.stop();
    const degraded = await until(
      'host checks in error',
      async () => {
        const r = await status(true);
        const h = JSON.parse(r.stdout).health as HealthReport;
        return r.code === 1 &&
          check(h, `host-tunnel:${hostId}`)?.status === 'error' &&
          check(h, `host-route:${hostId}`)?.status === 'error'
          ? h
          : undefined;
      },
      60_000,
    );
    expect(degraded.summary).toBe('degraded');
    expect(check(degraded, `host-tunnel:${hostId}`)?.message).toMatch(/^Offline/);
    expect(check(degraded, 'sftp-write')?.status).toBe('ok');
  }, 90_000);
});

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeJoinToken, encodeJoinToken } from '../server/hosts/index.js';
import { createToken, hostList, revokeToken, startLanHub, tokenList } from './support/hosts.js';
import {
  freePort,
  type HubProcess,
  runCli,
  snapshotDir,
  startAgent,
  tempDir,
  withHubHarness,
} from './support/hub-process.js';

// Tokens the hub refuses, and hubs the agent refuses: every refusal says why, and a token for
// another hub never reaches the hub it was sent to.

withHubHarness();

let hub: HubProcess;
beforeAll(async () => {
  hub = await startLanHub();
});

/** Runs `launchpad --server --join <token>` and waits for it to exit (it must, refusing). */
async function refusedJoin(token: string, opts: Parameters<typeof startAgent>[1] = {}) {
  const agent = startAgent(token, opts);
  const exit = await agent.exited;
  return {
    code: exit.code,
    stderr: agent.output().stderr,
    stdout: agent.output().stdout,
    dataDir: agent.dataDir,
  };
}

describe('the hub refuses a token, and the agent says why (exit 1)', () => {
  // Over SSH the pairing key outlives its token by an hour, so the pairing command answers with
  // the same reason as HTTPS instead of a bare SSH refusal.
  it.each(['https', 'ssh'] as const)('used twice, over %s', async (via) => {
    const { token } = await createToken(hub);
    const first = startAgent(token, { via });
    await first.joined;
    const second = await refusedJoin(token, { via });
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/the hub refused the join \(token_used\): .*already used/);
    // Nothing is saved for a refused join.
    expect(existsSync(join(second.dataDir, 'agent'))).toBe(false);
    await first.stop();
  });

  it.each(['https', 'ssh'] as const)('expired, over %s', async (via) => {
    const { token, id } = await createToken(hub, ['--ttl', '1m']);
    // Age it in the hub's own store (the shortest lifetime is a minute; nobody wants to wait).
    const db = new Database(join(hub.dataDir, 'launchpad.db'));
    try {
      db.pragma('busy_timeout = 5000');
      db.prepare('UPDATE join_tokens SET expires_at = ? WHERE id = ?').run(Date.now() - 1000, id);
    } finally {
      db.close();
    }
    const res = await refusedJoin(token, { via });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/the hub refused the join \(token_expired\): .*expired/);
  });

  it.each(['https', 'ssh'] as const)('revoked, over %s', async (via) => {
    const { token, id } = await createToken(hub);
    await revokeToken(hub, id);
    const res = await refusedJoin(token, { via });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/the hub refused the join \(token_revoked\): .*revoked/);
  });
});

describe('a token for another hub (wrong pins): the agent refuses to send the secret (exit 1)', () => {
  const OTHER_TLS = Array.from({ length: 32 }, (_, i) => i.toString(16).padStart(2, '0').toUpperCase()).join(
    ':',
  );
  const OTHER_SSH = 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

  it.each([
    ['https', { tls: OTHER_TLS }, 'TLS fingerprint mismatch'],
    ['ssh', { ssh: OTHER_SSH }, 'SSH host key fingerprint mismatch'],
  ] as const)('over %s', async (via, pins, what) => {
    const { token, id } = await createToken(hub);
    const wrong = encodeJoinToken({ ...decodeJoinToken(token), ...pins });
    const hostsBefore = await hostList(hub);
    const logFrom = hub.output().stdout.length;

    const res = await refusedJoin(wrong, { via });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`this token is for another hub (${what}); the secret was not sent`);

    // The hub never saw a join: no request, no pairing login, no host, the token unused.
    const after = hub.output().stdout.slice(logFrom);
    expect(after).not.toContain('/api/hosts/join');
    expect(after).not.toContain('sshd: authenticated');
    expect(await hostList(hub)).toEqual(hostsBefore);
    expect((await tokenList(hub)).find((t) => t.id === id)).toMatchObject({
      state: 'active',
      usesLeft: 1,
      lastUsedAt: null,
    });
    // The same token with the right pins still works.
    await startAgent(token, { via }).joined;
  });
});

describe('a hub that cannot be reached', () => {
  it('is a runtime error (exit 1) naming the address', async () => {
    const { token } = await createToken(hub);
    const port = await freePort();
    const res = await refusedJoin(encodeJoinToken({ ...decodeJoinToken(token), httpsPort: port }));
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`cannot reach the hub at 127.0.0.1:${port}: ECONNREFUSED`);
  });
});

describe('usage errors (exit 2, nothing changed)', () => {
  it('join options without --join or --server, and --service-port for a hub', async () => {
    const dataDir = join(tempDir(), 'never-created');
    const cases: [string[], RegExp][] = [
      [['--server', '--via', 'ssh'], /--via only goes with --join/],
      [['--server', '--name', 'x'], /--name only goes with --join/],
      [['--join', 'lp1_x'], /--join needs --server/],
      [['--server', '--service-port', '9100'], /--service-port is for a host/],
      [['--server', '--join', 'lp1_x', '--via', 'ftp'], /argument 'ftp' is invalid/],
      [
        ['--server', '--join', (await createToken(hub)).token, '--service-port', 'http'],
        /--service-port: 'http' is not a port/,
      ],
    ];
    for (const [args, message] of cases) {
      const res = await runCli([...args, '--data-dir', dataDir]);
      expect(res.code, args.join(' ')).toBe(2);
      expect(res.stderr).toMatch(message);
    }
    expect(existsSync(dataDir)).toBe(false);
  });

  it('a malformed token names the problem', async () => {
    const dataDir = join(tempDir(), 'never-created');
    for (const [token, problem] of [
      ['hello', /This is not a Launchpad join token/],
      ['lp1_@@@', /The join token is damaged/],
      [
        `lp1_${Buffer.from('{"v":1}').toString('base64url')}`,
        /The join token is damaged or from another program/,
      ],
    ] as const) {
      const res = await refusedJoin(token, { dataDir });
      expect(res.code).toBe(2);
      expect(res.stderr).toMatch(/^launchpad: --join: /);
      expect(res.stderr).toMatch(problem);
    }
    expect(existsSync(dataDir)).toBe(false);
  });

  it("a hub's data dir, or a host's that already joined, is refused before the token is spent", async () => {
    const { token, id } = await createToken(hub);
    const onHub = await refusedJoin(token, { dataDir: hub.dataDir });
    expect(onHub.code).toBe(2);
    expect(onHub.stderr).toMatch(/is a hub's \(it has launchpad\.db\)/);

    const joined = startAgent((await createToken(hub)).token);
    const j = await joined.joined;
    await joined.stop();
    const before = snapshotDir(joined.dataDir);
    const again = await refusedJoin(token, { dataDir: joined.dataDir });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`already belongs to host ${j.hostId}`);
    // Only the log may have grown; agent/ is as it was.
    const agentFiles = (s: Record<string, string> | null) =>
      Object.entries(s ?? {}).filter(([k]) => k.startsWith('agent'));
    expect(agentFiles(snapshotDir(joined.dataDir))).toEqual(agentFiles(before));
    expect((await tokenList(hub)).find((t) => t.id === id)).toMatchObject({ usesLeft: 1 });
  });

  it('a taken service port is refused before the token is spent', async () => {
    const { token, id } = await createToken(hub);
    const first = startAgent((await createToken(hub)).token);
    const port = await first.servicePort();
    const res = await refusedJoin(token, { servicePort: port });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(
      new RegExp(`--service-port: port ${port} on 127\\.0\\.0\\.1 is already in use`),
    );
    expect((await tokenList(hub)).find((t) => t.id === id)).toMatchObject({ usesLeft: 1 });
  });
});

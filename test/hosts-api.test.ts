import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createTokenResponseSchema,
  hostListResponseSchema,
  joinResponseSchema,
  tokenListResponseSchema,
} from '../server/api/index.js';
import {
  decodeJoinToken,
  derivePairingKey,
  openSshPrivateKey,
  openSshPublicKey,
  SIGNATURE_HEADER,
  SignatureVerifier,
} from '../server/hosts/index.js';
import { createToken, hostList, removeHost, startLanHub, waitForHost } from './support/hosts.js';
import {
  type HubProcess,
  hubFetch,
  type Json,
  runCli,
  signIn,
  startHub,
  tempDir,
  withHubHarness,
} from './support/hub-process.js';

// The hub side of joining: tokens, POST /api/hosts/join, the SSH pairing command, the host
// registry, removal and tunnel state, through the API, the CLI and OpenSSH — no host agent.

withHubHarness();

let hub: HubProcess;
let cookie: string;
beforeAll(async () => {
  hub = await startLanHub();
  cookie = await signIn(hub, hub.loginUrl);
});

const api = (path: string, opts: Parameters<typeof hubFetch>[2] = {}) =>
  hubFetch(hub.port, path, { ca: hub.caPem, ...opts });

const newKey = () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { publicKey: openSshPublicKey(publicKey), privatePem: openSshPrivateKey(privateKey) };
};

function joinRequest(token: string, name = 'box') {
  const p = decodeJoinToken(token);
  return {
    tokenId: p.id,
    secret: p.secret,
    name,
    platform: 'linux-x64',
    agentVersion: '0.1.0',
    tunnelKey: newKey().publicKey,
    sftpKey: newKey().publicKey,
  };
}

async function postJoin(body: unknown, localAddress?: string) {
  return api('/api/hosts/join', {
    method: 'POST',
    body,
    ...(localAddress ? { localAddress } : {}),
  });
}

const inTunnelRange = (port: number) => port >= hub.port + 10 && port <= hub.port + 1009;

/**
 * OpenSSH's ssh as a host runs it: no config, one identity, the hub's host key pinned in a
 * known_hosts file. `ssh … -p <sshd> ARGS`, with `input` on stdin.
 */
function ssh(keyPem: string, args: string[], input = '') {
  const dir = tempDir();
  const keyFile = join(dir, 'id');
  const knownHosts = join(dir, 'known_hosts');
  writeFileSync(keyFile, keyPem, { mode: 0o600 });
  const hostKey = readFileSync(join(hub.dataDir, 'ssh', 'ssh_host_ed25519_key.pub'), 'utf8');
  writeFileSync(knownHosts, `[127.0.0.1]:${hub.port + 1} ${hostKey}`);
  const options = {
    StrictHostKeyChecking: 'yes',
    UserKnownHostsFile: knownHosts,
    IdentitiesOnly: 'yes',
    BatchMode: 'yes',
    ConnectTimeout: '20',
  };
  const proc = spawn('ssh', [
    '-F',
    '/dev/null',
    ...Object.entries(options).flatMap(([k, v]) => ['-o', `${k}=${v}`]),
    '-i',
    keyFile,
    '-p',
    String(hub.port + 1),
    ...args,
  ]);
  let stdout = '';
  let stderr = '';
  proc.stdout.setEncoding('utf8').on('data', (c: string) => {
    stdout += c;
  });
  proc.stderr.setEncoding('utf8').on('data', (c: string) => {
    stderr += c;
  });
  proc.stdin.end(input);
  const exited = new Promise<number | null>((r) => proc.once('close', (code) => r(code)));
  return { proc, exited, output: () => ({ stdout, stderr }) };
}

describe('join tokens', () => {
  it('`token create` prints the token alone; it decodes to this hub’s address and pins', async () => {
    const res = await runCli(['token', 'create', '--data-dir', hub.dataDir]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/^lp1_[A-Za-z0-9_-]+\n$/);
    const p = decodeJoinToken(res.stdout);
    const status = (await api('/api/status')).json;
    expect(p).toMatchObject({
      v: 1,
      host: '127.0.0.1',
      httpsPort: hub.port,
      sshdPort: hub.port + 1,
      tls: status.tls.caFingerprint,
      ssh: status.sshd.hostKeyFingerprint,
    });
    expect(res.stderr).toContain(p.id);
    expect(res.stderr).not.toContain(p.secret);
  });

  it('`token list` shows the prefix, never the secret; `--ttl` and `--uses` are applied', async () => {
    const res = await runCli([
      'token',
      'create',
      '--json',
      '--ttl',
      '1m',
      '--uses',
      '3',
      '--name',
      'lab',
      '--data-dir',
      hub.dataDir,
    ]);
    expect(res.code, res.stderr).toBe(0);
    const created = createTokenResponseSchema.parse(JSON.parse(res.stdout));
    const { secret } = decodeJoinToken(created.token);
    expect(Date.parse(created.view.expiresAt) - Date.parse(created.view.createdAt)).toBe(60_000);
    expect(created.view).toMatchObject({ usesLeft: 3, name: 'lab', state: 'active' });
    expect(created.command).toBe(`launchpad --server --join ${created.token}`);

    const listed = await runCli(['token', 'list', '--json', '--data-dir', hub.dataDir]);
    const { tokens } = tokenListResponseSchema.parse(JSON.parse(listed.stdout));
    const view = tokens.find((t) => t.id === created.view.id);
    expect(view?.prefix).toMatch(/…$/);
    expect(created.token.startsWith(view?.prefix.slice(0, -1) ?? '-')).toBe(true);
    expect(listed.stdout).not.toContain(secret);
    const table = await runCli(['token', 'list', '--data-dir', hub.dataDir]);
    expect(table.stdout).toMatch(/^ID +PREFIX +NAME +CREATED +EXPIRES +USES LEFT +LAST USED +STATE$/m);
    expect(table.stdout).toMatch(new RegExp(`^${created.view.id} .* lab .* 3 .* active$`, 'm'));
    expect(table.stdout).not.toContain(secret);
    // The API gives the same list to a signed-in admin, and nothing to anyone else.
    expect((await api('/api/tokens', { cookie })).json.tokens.length).toBe(tokens.length);
    expect((await api('/api/tokens')).status).toBe(401);
  });

  it('bad flags exit 2 with the reason; no running hub exits 1', async () => {
    for (const args of [
      ['--ttl', '5x'],
      ['--ttl', '30'],
      ['--ttl', '31d'],
      ['--uses', '0'],
      ['--uses', 'two'],
      ['--name', 'x'.repeat(65)],
      ['--bogus'],
    ]) {
      const res = await runCli(['token', 'create', ...args, '--data-dir', hub.dataDir]);
      expect(res.code, args.join(' ')).toBe(2);
      expect(res.stderr).toMatch(/error: /);
      expect(res.stdout).toBe('');
    }
    const idle = tempDir();
    for (const args of [
      ['token', 'create'],
      ['token', 'list'],
      ['host', 'list'],
      ['host', 'remove', 'h_x'],
    ]) {
      const res = await runCli([...args, '--data-dir', idle]);
      expect(res.code, args.join(' ')).toBe(1);
      expect(res.stderr).toMatch(/No Launchpad hub is running on the data dir/);
    }
  });

  it('revoking: `token revoke` makes the token refused with token_revoked; an unknown id is 404 / exit 1', async () => {
    const { token, id } = await createToken(hub);
    const revoked = await runCli(['token', 'revoke', id, '--data-dir', hub.dataDir]);
    expect(revoked.code, revoked.stderr).toBe(0);
    const res = await postJoin(joinRequest(token));
    expect(res.status).toBe(401);
    expect(res.json.error).toMatchObject({
      code: 'token_revoked',
      message: expect.stringMatching(/revoked/),
    });
    const unknown = await runCli(['token', 'revoke', 'nosuchtoken1', '--data-dir', hub.dataDir]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/No join token nosuchtoken1/);
    const del = await api('/api/tokens/nosuchtoken1', { method: 'DELETE', cookie });
    expect(del.status).toBe(404);
    expect(del.json.error.code).toBe('token_not_found');
  });
});

describe('joining over HTTPS', () => {
  it('a valid token gives a JoinResponse with two tunnel ports; the same token again is token_used', async () => {
    const { token } = await createToken(hub);
    const res = await postJoin(joinRequest(token, 'alpha'));
    expect(res.status, res.text).toBe(200);
    const body = joinResponseSchema.parse(res.json);
    expect(inTunnelRange(body.ports.http) && inTunnelRange(body.ports.ssh)).toBe(true);
    expect(body.ports.ssh).toBe(body.ports.http + 1);
    const status = (await api('/api/status')).json;
    expect(body.sshd).toMatchObject({
      host: '127.0.0.1',
      port: hub.port + 1,
      fingerprint: status.sshd.hostKeyFingerprint,
    });
    expect(body.hub).toEqual({
      httpsPort: hub.port,
      tls: status.tls.caFingerprint,
      ssh: status.sshd.hostKeyFingerprint,
    });

    const again = await postJoin(joinRequest(token, 'beta'));
    expect(again.status).toBe(401);
    expect(again.json.error).toMatchObject({
      code: 'token_used',
      message: expect.stringMatching(/already used/),
    });

    const listed = (await hostList(hub)).find((h) => h.id === body.hostId);
    expect(listed).toMatchObject({
      name: 'alpha',
      state: 'never-connected',
      ports: body.ports,
      agentVersion: '0.1.0',
    });
    const all = hostListResponseSchema.parse((await api('/api/hosts', { cookie })).json).hosts;
    expect(all[0]).toMatchObject({ thisMachine: true, state: 'online', ports: null });
  });

  it('bad requests are 400 naming the field; no token, an unknown one: 401 token_unknown', async () => {
    const bad = await postJoin({ ...joinRequest((await createToken(hub)).token), tunnelKey: 'ssh-rsa nope' });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatchObject({ code: 'invalid_request', field: 'tunnelKey' });
    const empty = await api('/api/hosts/join', { method: 'POST' });
    expect(empty.status).toBe(400);
    expect(empty.json.error.field).toBe('tokenId');
    const unknown = await postJoin({
      ...joinRequest((await createToken(hub)).token),
      tokenId: 'nosuchtoken1',
    });
    expect(unknown.status).toBe(401);
    expect(unknown.json.error.code).toBe('token_unknown');
  });

  it('guessing is rate-limited per address and per token id: 429 with Retry-After', async () => {
    const { token } = await createToken(hub);
    const guess = { ...joinRequest(token), secret: 'g'.repeat(43) };
    for (let i = 0; i < 10; i++) expect((await postJoin(guess, '127.0.0.3')).status).toBe(401);
    const limited = await postJoin(guess, '127.0.0.3');
    expect(limited.status).toBe(429);
    expect(limited.json.error.code).toBe('rate_limited');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // The right secret for the attacked token, from another address: the token id is blocked too.
    expect((await postJoin(joinRequest(token), '127.0.0.4')).status).toBe(429);
    // Another token from another address is not affected.
    expect((await postJoin(joinRequest((await createToken(hub)).token), '127.0.0.5')).status).toBe(200);
  });
});

describe('hosts', () => {
  it('`host list`, /api/hosts/self, `host remove`: keys revoked, ports back in the pool, the host told it was removed', async () => {
    const { token } = await createToken(hub, ['--uses', '2']);
    const first = joinResponseSchema.parse((await postJoin(joinRequest(token, 'gamma'))).json);

    const table = await runCli(['host', 'list', '--data-dir', hub.dataDir]);
    expect(table.stdout).toMatch(/^ID +NAME +STATE +SINCE +LAST SEEN +RTT +PORTS +VERSION$/m);
    expect(table.stdout).toMatch(
      new RegExp(
        `^${first.hostId} +gamma +never-connected .*http ${first.ports.http}, ssh ${first.ports.ssh}`,
        'm',
      ),
    );

    const auth = { authorization: `Host ${first.hostId}:${first.credential}` };
    const self = await api('/api/hosts/self', { headers: auth });
    expect(self.status).toBe(200);
    expect(self.json.host).toMatchObject({ id: first.hostId, name: 'gamma', ports: first.ports });
    // The credential is for that one route only, and must be right.
    expect((await api('/api/hosts', { headers: auth })).status).toBe(403);
    expect(
      (await api('/api/hosts/self', { headers: { authorization: `Host ${first.hostId}:wrong` } })).status,
    ).toBe(401);
    expect((await api('/api/hosts/self', { cookie })).status).toBe(400);

    // The agent's own report: validated, stored, shown in the list, cleared with null.
    const report = (
      body: unknown,
      opts: { headers?: Record<string, string>; cookie?: string } = { headers: auth },
    ) => api('/api/hosts/self/error', { method: 'POST', body, ...opts });
    const tooLong = await report({ error: 'x'.repeat(501) });
    expect(tooLong.status).toBe(400);
    expect(tooLong.json.error.field).toBe('error');
    expect((await report({ error: 'x', extra: 1 })).json.error.field).toBe('extra');
    expect((await report({ error: 'x' }, { cookie })).status).toBe(400);
    expect((await report({ error: 'x' }, {})).status).toBe(401);
    expect((await hostList(hub)).find((h) => h.id === first.hostId)?.agentError).toBeNull();
    expect((await report({ error: 'cannot reach the SSH port' })).status).toBe(200);
    expect((await hostList(hub)).find((h) => h.id === first.hostId)?.agentError?.message).toBe(
      'cannot reach the SSH port',
    );
    expect((await report({ error: null })).status).toBe(200);
    expect((await hostList(hub)).find((h) => h.id === first.hostId)?.agentError).toBeNull();

    const removed = await runCli(['host', 'remove', first.hostId, '--data-dir', hub.dataDir]);
    expect(removed.code, removed.stderr).toBe(0);
    expect((await hostList(hub)).some((h) => h.id === first.hostId)).toBe(false);
    const gone = await api('/api/hosts/self', { headers: auth });
    expect(gone.status).toBe(410);
    expect((await report({ error: 'still here?' })).status).toBe(410);
    expect(gone.json.error).toMatchObject({
      code: 'host_removed',
      message: expect.stringMatching(/removed from the hub/),
    });
    const again = await runCli(['host', 'remove', first.hostId, '--data-dir', hub.dataDir]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/No host/);

    // Back in the pool: the next host gets the same (lowest free) ports again.
    const next = joinResponseSchema.parse((await postJoin(joinRequest(token, 'delta'))).json);
    expect(next.ports).toEqual(first.ports);
  });

  it('a tunnel over OpenSSH with the host’s tunnel key: online with an RTT (signed probe), offline when it drops', async () => {
    const { token } = await createToken(hub);
    const tunnelKey = newKey();
    const req = { ...joinRequest(token, 'epsilon'), tunnelKey: tunnelKey.publicKey };
    const joined = joinResponseSchema.parse((await postJoin(req)).json);
    const signed = new SignatureVerifier(joined.serviceSecret);
    const probes: string[] = [];
    const service: Server = createServer((r, res) => {
      const check = signed.verify(
        r.headers[SIGNATURE_HEADER] as string | undefined,
        r.method ?? '',
        r.url ?? '',
      );
      probes.push(check.ok ? 'ok' : check.reason);
      res.writeHead(check.ok ? 200 : 403).end('ok');
    });
    await new Promise<void>((r) => service.listen(0, '127.0.0.1', () => r()));
    const servicePort = (service.address() as { port: number }).port;
    const tunnel = ssh(tunnelKey.privatePem, [
      '-N',
      '-o',
      'ExitOnForwardFailure=yes',
      '-R',
      `127.0.0.1:${joined.ports.http}:127.0.0.1:${servicePort}`,
      'lp@127.0.0.1',
    ]);
    try {
      const { host } = await waitForHost(
        hub,
        joined.hostId,
        (h) => h.state === 'online' && h.rttMs !== null,
        5000,
      );
      expect(host.rttMs).toBeGreaterThan(0);
      expect(host.lastError).toBeNull();
      expect(host.since).not.toBeNull();
      expect(probes[0]).toBe('ok');
    } finally {
      tunnel.proc.kill('SIGKILL');
      await tunnel.exited;
    }
    const { host: off } = await waitForHost(hub, joined.hostId, (h) => h.state === 'offline', 5000);
    expect(off.rttMs).toBeNull();
    expect(off.lastSeenAt).not.toBeNull();
    await new Promise<void>((r) => service.close(() => r()));
    await removeHost(hub, joined.hostId);
  });
});

describe('joining over SSH (the pairing command, real OpenSSH)', () => {
  it('the key derived from the token runs `join` with the same request and gets the same JoinResponse; once', async () => {
    const { token } = await createToken(hub);
    const p = decodeJoinToken(token);
    const pairingPem = openSshPrivateKey(derivePairingKey(p.id, p.secret).privateKey);
    const request = JSON.stringify(joinRequest(token, 'zeta'));
    const first = ssh(pairingPem, ['lp@127.0.0.1', 'join'], request);
    expect(await first.exited, first.output().stderr).toBe(0);
    const body = joinResponseSchema.parse(JSON.parse(first.output().stdout));
    expect(inTunnelRange(body.ports.http)).toBe(true);
    expect((await hostList(hub)).find((h) => h.id === body.hostId)?.name).toBe('zeta');
    // Used up: the pairing key still gets in (for an hour), to hear why it is refused.
    const second = ssh(pairingPem, ['lp@127.0.0.1', 'join'], JSON.stringify(joinRequest(token)));
    expect(await second.exited).toBe(1);
    expect(JSON.parse(second.output().stdout)).toEqual({ error: expect.stringMatching(/^token_used: /) });
  });

  it('a refusal is `{"error": "<code>: <message>"}` with exit 1', async () => {
    const a = decodeJoinToken((await createToken(hub)).token);
    const b = (await createToken(hub)).token;
    const pem = openSshPrivateKey(derivePairingKey(a.id, a.secret).privateKey);
    const res = ssh(pem, ['lp@127.0.0.1', 'join'], JSON.stringify(joinRequest(b)));
    expect(await res.exited).toBe(1);
    expect(JSON.parse(res.output().stdout)).toEqual({ error: expect.stringMatching(/^token_mismatch: /) });
    const bad = ssh(pem, ['lp@127.0.0.1', 'join'], '{"tokenId": 5}');
    expect(await bad.exited).toBe(1);
    expect(JSON.parse(bad.output().stdout).error).toMatch(/^invalid_request: tokenId/);
  });
});

describe('live updates', () => {
  it('the event stream sends a hosts event on connect and after a token is made', async () => {
    const events: Json[] = [];
    const { request } = await import('node:https');
    await new Promise<void>((resolve, reject) => {
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
          let buf = '';
          res.setEncoding('utf8').on('data', (c: string) => {
            buf += c;
            for (let i = buf.indexOf('\n\n'); i >= 0; i = buf.indexOf('\n\n')) {
              const block = buf.slice(0, i);
              buf = buf.slice(i + 2);
              const data = /^data: (.*)$/m.exec(block)?.[1];
              if (data) events.push(JSON.parse(data));
              if (events.filter((e) => e.type === 'hosts').length === 1 && events.length === 2) {
                void createToken(hub, ['--name', 'live']).catch(reject);
              }
              if (events.some((e) => e.type === 'hosts' && e.tokens.some((t: Json) => t.name === 'live'))) {
                req.destroy();
                resolve();
              }
            }
          });
        },
      );
      req.on('error', (err) => (events.length > 0 ? undefined : reject(err)));
      req.end();
    });
    expect(events[0].type).toBe('status');
    expect(events[1]).toMatchObject({ type: 'hosts', hosts: expect.any(Array), tokens: expect.any(Array) });
  });
});

describe('Plus', () => {
  it('has no joining: 409 not_a_launchpad_hub; the host list is empty', async () => {
    const plus = await startHub();
    const res = await hubFetch(plus.port, '/api/hosts/join', { ca: plus.caPem, method: 'POST', body: {} });
    expect(res.status).toBe(409);
    expect(res.json.error.code).toBe('not_a_launchpad_hub');
    const created = await runCli(['token', 'create', '--data-dir', plus.dataDir]);
    expect(created.code).toBe(1);
    expect(created.stderr).toMatch(/Plus.*Launchpad hub/);
    const list = await runCli(['host', 'list', '--json', '--data-dir', plus.dataDir]);
    expect(JSON.parse(list.stdout)).toEqual({ hosts: [] });
  });
});

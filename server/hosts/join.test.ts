import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { joinResponseSchema } from '../api/index.js';
import type { PairingContext } from '../sshd/index.js';
import { fingerprintOfPublicKey, PairingError, SshKeysRepo } from '../sshd/index.js';
import { joinRequestFor, refusal, TEST_IDENTITY, tempDb, testClock, testHubHosts } from './test-support.js';
import { decodeJoinToken } from './token-codec.js';
import { JoinTokensRepo } from './tokens-repo.js';

let t: ReturnType<typeof tempDb>;
afterEach(() => t?.close());

const HTTPS = { address: '192.0.2.10', via: 'https' as const };

function setup(uses = 1) {
  t = tempDb();
  const clock = testClock();
  const hosts = testHubHosts(t.db, t.dir, { now: clock.now });
  const token = decodeJoinToken(hosts.createToken({ uses }).token);
  return { hosts, clock, token, keys: new SshKeysRepo(t.db), tokens: new JoinTokensRepo(t.db) };
}

describe('joining', () => {
  it('makes a host with two ports, its keys, a hashed credential, and answers with the hub’s identity', () => {
    const { hosts, token, keys } = setup();
    const req = joinRequestFor(token, 'box');
    const res = joinResponseSchema.parse(hosts.join(req, HTTPS));
    expect(res.ports).toEqual({ http: 20_000, ssh: 20_001 });
    expect(res.hostId).toMatch(/^h_[A-Za-z0-9_-]{10}$/);
    expect(res.sshd).toEqual({
      host: TEST_IDENTITY.publicHost,
      port: TEST_IDENTITY.sshdPort,
      hostKey: TEST_IDENTITY.sshHostKey,
      fingerprint: TEST_IDENTITY.sshFingerprint,
    });
    expect(res.hub).toEqual({
      httpsPort: TEST_IDENTITY.httpsPort,
      tls: TEST_IDENTITY.tlsPin,
      ssh: TEST_IDENTITY.sshFingerprint,
    });
    const pwFile = join(t.dir, 'secrets', 'backup-repo-password');
    expect(res.backup.repoPath).toBe('/');
    expect(statSync(pwFile).mode & 0o777).toBe(0o600);

    const row = t.db.prepare('SELECT * FROM hosts').get() as Record<string, unknown>;
    expect(row).toMatchObject({
      id: res.hostId,
      name: 'box',
      service_secret: res.serviceSecret,
      token_id: token.id,
    });
    expect(JSON.stringify(row)).not.toContain(res.credential);
    expect(hosts.checkCredential(res.hostId, res.credential)).toBe(true);
    expect(hosts.checkCredential(res.hostId, `${res.credential}x`)).toBe(false);

    expect(keys.findActiveByFingerprint(fingerprintOfPublicKey(req.tunnelKey))).toMatchObject({
      role: 'tunnel',
      owner: res.hostId,
      allowedPorts: res.ports,
    });
    expect(keys.findActiveByFingerprint(fingerprintOfPublicKey(req.sftpKey))).toMatchObject({
      role: 'sftp',
      owner: res.hostId,
    });
    const hostView = hosts.listHosts().find((h) => h.id === res.hostId);
    expect(hostView).toMatchObject({ state: 'never-connected', ports: res.ports, thisMachine: false });
    expect(hosts.listHosts()[0]).toMatchObject({ id: 'this-machine', thisMachine: true, state: 'online' });
    expect(t.db.prepare("SELECT subject FROM events WHERE kind = 'host.joined'").all()).toEqual([
      { subject: res.hostId },
    ]);
  });

  it('lets the token’s pairing key go an hour after its last use is taken (to answer "used")', () => {
    const { hosts, token, keys, tokens, clock } = setup(2);
    const fp = tokens.get(token.id)?.pairingFingerprint as string;
    hosts.join(joinRequestFor(token), HTTPS);
    expect(keys.findActiveByFingerprint(fp, clock.now() + 7000_000)).toBeDefined();
    hosts.join(joinRequestFor(token), HTTPS);
    expect(keys.findActiveByFingerprint(fp, clock.now() + 3500_000)).toBeDefined();
    expect(keys.findActiveByFingerprint(fp, clock.now() + 3700_000)).toBeUndefined();
  });

  it('leaves the token unused and no port taken when a step fails (ports exhausted, key already known)', async () => {
    const { hosts, token, tokens } = setup(10);
    for (let i = 0; i < 5; i++) hosts.join(joinRequestFor(token), HTTPS);
    const exhausted = refusal(() => hosts.join(joinRequestFor(token), HTTPS));
    expect(exhausted).toMatchObject({ status: 409, code: 'ports_exhausted' });
    expect(exhausted.message).toMatch(/tunnelPortCount/);
    expect(tokens.get(token.id)?.usesLeft).toBe(5);

    const [, first, second] = hosts.listHosts();
    await hosts.removeHost(first?.id as string);
    await hosts.removeHost(second?.id as string);
    const req = joinRequestFor(token);
    hosts.join(req, HTTPS);
    const again = refusal(() => hosts.join({ ...joinRequestFor(token), tunnelKey: req.tunnelKey }, HTTPS));
    expect(again).toMatchObject({ status: 409, code: 'key_registered', field: 'tunnelKey' });
    expect(tokens.get(token.id)?.usesLeft).toBe(4);
    expect(t.db.prepare('SELECT count(*) AS n FROM hosts WHERE removed_at IS NULL').get()).toEqual({ n: 4 });
    expect(t.db.prepare('SELECT count(*) AS n FROM host_ports').get()).toEqual({ n: 8 });
  });

  it.each([
    [{}, 'tokenId'],
    [{ name: '' }, 'name'],
    [{ tunnelKey: 'ssh-rsa AAAA' }, 'tunnelKey'],
    [{ sftpKey: 'ssh-ed25519 AAAAnotakey' }, 'sftpKey'],
    [{ extra: 1 }, 'extra'],
  ])('refuses a bad request %o with 400 naming %s', (patch, field) => {
    const { hosts, token } = setup();
    const body = Object.keys(patch).length === 0 ? {} : { ...joinRequestFor(token), ...patch };
    expect(refusal(() => hosts.join(body, HTTPS))).toMatchObject({
      status: 400,
      code: 'invalid_request',
      field,
    });
  });

  it('refuses the same key as tunnel and sftp key', () => {
    const { hosts, token } = setup();
    const req = joinRequestFor(token);
    expect(refusal(() => hosts.join({ ...req, sftpKey: req.tunnelKey }, HTTPS))).toMatchObject({
      field: 'sftpKey',
    });
  });
});

describe('joining over the SSH pairing command', () => {
  const ctx = (owner: string | null): PairingContext => ({
    fingerprint: 'SHA256:x',
    owner,
    remoteAddress: '192.0.2.20',
    command: 'join',
  });

  it('answers the same JoinResponse when the pairing key belongs to the token', async () => {
    const { hosts, token } = setup();
    const res = await hosts.pairingHandler?.(joinRequestFor(token), ctx(`token:${token.id}`));
    expect(joinResponseSchema.parse(res).ports).toEqual({ http: 20_000, ssh: 20_001 });
  });

  it('refuses a request for another token than the pairing key’s, as "<code>: <message>"', async () => {
    const { hosts, token } = setup();
    const other = decodeJoinToken(hosts.createToken({}).token);
    const err = await hosts.pairingHandler?.(joinRequestFor(token), ctx(`token:${other.id}`)).catch((e) => e);
    expect(err).toBeInstanceOf(PairingError);
    expect((err as Error).message).toMatch(/^token_mismatch: /);
    const used = await hosts.pairingHandler?.(joinRequestFor(other), ctx(`token:${other.id}`));
    expect(used).toHaveProperty('hostId');
    const again = await hosts
      .pairingHandler?.(joinRequestFor(other), ctx(`token:${other.id}`))
      .catch((e) => e);
    expect((again as Error).message).toMatch(/^token_used: The join token .* was already used/);
  });
});

describe('removing a host', () => {
  it('revokes its keys, frees its ports, marks it removed; its credential then gets host_removed', async () => {
    const { hosts, token, keys } = setup(2);
    const req = joinRequestFor(token);
    const a = hosts.join(req, HTTPS);
    expect(await hosts.removeHost(a.hostId)).toBe(true);
    expect(await hosts.removeHost(a.hostId)).toBe(false);
    expect(await hosts.removeHost('h_nosuchhost')).toBe(false);
    expect(keys.findActiveByFingerprint(fingerprintOfPublicKey(req.tunnelKey))).toBeUndefined();
    expect(keys.findActiveByFingerprint(fingerprintOfPublicKey(req.sftpKey))).toBeUndefined();
    expect(hosts.listHosts().map((h) => h.id)).toEqual(['this-machine']);
    expect(hosts.checkCredential(a.hostId, a.credential)).toBe(true);
    expect(refusal(() => hosts.self(a.hostId))).toMatchObject({ status: 410, code: 'host_removed' });
    // The ports are back in the pool: the next host gets the same (lowest) ones.
    expect(hosts.join(joinRequestFor(token), HTTPS).ports).toEqual(a.ports);
    expect(t.db.prepare("SELECT count(*) AS n FROM events WHERE kind = 'host.removed'").get()).toEqual({
      n: 1,
    });
  });

  it('refuses to remove this machine', async () => {
    const { hosts } = setup();
    await expect(hosts.removeHost('this-machine')).rejects.toMatchObject({
      status: 409,
      code: 'this_machine',
    });
  });
});

describe('change notifications', () => {
  it('one join (token use + new host) reaches subscribers as one change', async () => {
    const { hosts, token, clock } = setup();
    let changes = 0;
    const off = hosts.subscribe(() => changes++);
    hosts.join(joinRequestFor(token), HTTPS);
    await new Promise((r) => setImmediate(r));
    expect(changes).toBe(1);
    off();
    clock.advance(1);
    hosts.createToken({});
    await new Promise((r) => setImmediate(r));
    expect(changes).toBe(1);
  });
});

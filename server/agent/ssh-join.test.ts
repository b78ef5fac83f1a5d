import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JoinRequest, JoinResponse } from '../api/index.js';
import { derivePairingKey, openSshPublicKey } from '../hosts/index.js';
import { PairingError } from '../sshd/index.js';
import { SshdFixture } from '../sshd/test-support.js';
import { JoinRefusedError, PinMismatchError } from './errors.js';
import { generateHostKeys } from './keys.js';
import { joinOverSsh, readPairingAnswer } from './ssh-join.js';

// The real embedded sshd with a pairing handler standing in for the hub's join logic.

const SECRET = 's'.repeat(43);
const RESPONSE: JoinResponse = {
  hostId: 'host_1',
  credential: 'cred',
  serviceSecret: 'svc',
  ports: { http: 40001, ssh: 40002 },
  sshd: { host: '127.0.0.1', port: 1, hostKey: 'ssh-ed25519 AAAA', fingerprint: 'SHA256:x' },
  backup: { repoPath: '/', password: 'pw' },
  hub: { httpsPort: 9200, tls: 'AA', ssh: 'SHA256:x' },
};

let f: SshdFixture;
const seen: unknown[] = [];

beforeAll(async () => {
  f = await SshdFixture.start({
    pairingHandler: async (req) => {
      seen.push(req);
      if ((req as JoinRequest).name === 'refuse-me')
        throw new PairingError('token_used: this token was already used');
      return RESPONSE;
    },
  });
});
afterAll(() => f.close());

function pairingToken(id: string) {
  f.keys.add({ publicKey: openSshPublicKey(derivePairingKey(id, SECRET).publicKey), role: 'pairing' });
  return {
    host: '127.0.0.1',
    port: f.sshd.port,
    hostKeyPin: f.hostKey.fingerprint,
    tokenId: id,
    secret: SECRET,
  };
}

function request(id: string, name = 'worker'): JoinRequest {
  const keys = generateHostKeys(name);
  return {
    tokenId: id,
    secret: SECRET,
    name,
    platform: 'linux-x64',
    agentVersion: '1.0.0',
    tunnelKey: keys.tunnel.publicKey,
    sftpKey: keys.sftp.publicKey,
  };
}

describe('joining over SSH', () => {
  it('sends the join request on the pairing command and reads the answer', async () => {
    const target = pairingToken('tok_ok_1');
    expect(await joinOverSsh(target, request('tok_ok_1'))).toEqual(RESPONSE);
    expect(seen.at(-1)).toEqual(
      expect.objectContaining({ tokenId: 'tok_ok_1', secret: SECRET, name: 'worker', agentVersion: '1.0.0' }),
    );
  });

  it("passes the hub's refusal on", async () => {
    const target = pairingToken('tok_refuse');
    const err = await joinOverSsh(target, request('tok_refuse', 'refuse-me')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JoinRefusedError);
    expect(err).toMatchObject({ code: 'token_used' });
    expect((err as Error).message).toBe('the hub refused the join (token_used): this token was already used');
  });

  it('a pairing key the hub does not know (token used up, expired, revoked) is refused', async () => {
    const target = { ...pairingToken('tok_known'), tokenId: 'tok_unknown' };
    const err = await joinOverSsh(target, request('tok_unknown')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JoinRefusedError);
    expect((err as JoinRefusedError).code).toBe('token_refused');
  });

  it('refuses a hub whose host key is not the pinned one, before the pairing command runs', async () => {
    const target = {
      ...pairingToken('tok_wrong_hub'),
      hostKeyPin: 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    };
    const before = seen.length;
    const authenticated = () => f.log.lines.filter((l) => l.msg === 'sshd: authenticated').length;
    const authBefore = authenticated();
    const err = await joinOverSsh(target, request('tok_wrong_hub')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PinMismatchError);
    expect((err as Error).message).toBe(
      'this token is for another hub (SSH host key fingerprint mismatch); the secret was not sent',
    );
    expect(seen.length).toBe(before);
    expect(authenticated()).toBe(authBefore);
  });
});

describe('readPairingAnswer', () => {
  it('reads both error shapes of the pairing command', () => {
    expect(() => readPairingAnswer('{"error":"timed out"}', 1)).toThrow(/\(pairing_failed\): timed out/);
    expect(() => readPairingAnswer('{"error":"token_used: This join token was used"}', 1)).toThrow(
      /\(token_used\): This join token was used/,
    );
    expect(() => readPairingAnswer('{"error":{"code":"token_expired","message":"expired"}}', 1)).toThrow(
      /\(token_expired\): expired/,
    );
    expect(() => readPairingAnswer('not json', 0)).toThrow(/not JSON/);
    expect(() => readPairingAnswer('{"hostId":1}', 0)).toThrow(/not what this agent understands/);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PairingContext, PairingError } from './index.js';
import { type RegisteredKey, run, SshdFixture } from './test-support.js';

// Pairing-role keys: whatever command the client sends runs the one handler, JSON in, JSON out.

let f: SshdFixture;
let key: RegisteredKey;
const seen: PairingContext[] = [];

beforeAll(async () => {
  f = await SshdFixture.start({
    limits: { pairingTimeoutMs: 3_000 },
    pairingHandler: async (req, ctx) => {
      seen.push(ctx);
      const r = req as { op?: string };
      if (r.op === 'expired') throw new PairingError('join token expired');
      if (r.op === 'crash') throw new Error('SQLITE_BUSY at /secret/path');
      if (r.op === 'hang') return new Promise(() => undefined);
      return { ok: true, echo: req };
    },
  });
  key = f.addKey('pairing', { owner: 'token-1' });
});

afterAll(async () => {
  await f.close();
});

const pair = (input: string | Buffer, command = 'pair', extra: string[] = []) =>
  run('ssh', f.sshArgs(key, extra, [command]), { input });

describe('pairing keys', () => {
  it('send one JSON document to the handler and get its JSON answer with exit 0', async () => {
    const request = { op: 'join', host: { name: 'box', cpus: 8 }, text: 'ünïcødé' };
    const res = await pair(`${JSON.stringify(request)}\n`, 'anything at all --even "quoted"');
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout.endsWith('\n')).toBe(true);
    expect(JSON.parse(res.stdout)).toEqual({ ok: true, echo: request });
    expect(seen.at(-1)).toMatchObject({
      fingerprint: key.fingerprint,
      owner: 'token-1',
      remoteAddress: '127.0.0.1',
      command: 'anything at all --even "quoted"',
    });
  });

  it('exit 1 with {"error"} when the handler throws; only PairingError messages reach the client', async () => {
    const expired = await pair('{"op":"expired"}');
    expect(expired.code).toBe(1);
    expect(JSON.parse(expired.stdout)).toEqual({ error: 'join token expired' });

    const crash = await pair('{"op":"crash"}');
    expect(crash.code).toBe(1);
    expect(JSON.parse(crash.stdout)).toEqual({ error: 'pairing failed' });
    expect(f.log.lines.some((l) => l.msg === 'sshd: pairing handler failed')).toBe(true);
  });

  it('exit 1 with {"error"} for input that is not JSON, empty, or too large', async () => {
    const garbage = await pair('this is { not json');
    expect(garbage.code).toBe(1);
    expect(JSON.parse(garbage.stdout)).toEqual({ error: 'request is not a JSON document' });

    const empty = await pair('');
    expect(empty.code).toBe(1);
    expect(JSON.parse(empty.stdout)).toEqual({ error: 'request is not a JSON document' });

    const huge = await pair(JSON.stringify({ pad: 'x'.repeat(200 * 1024) }));
    expect(huge.code).toBe(1);
    expect(JSON.parse(huge.stdout)).toEqual({ error: 'request larger than 65536 bytes' });
  });

  it('exit 1 when the handler does not answer in time', async () => {
    const res = await pair('{"op":"hang"}');
    expect(res.code).toBe(1);
    expect(JSON.parse(res.stdout)).toEqual({ error: 'timed out' });
  });

  it('get no pty, no shell, no sftp, no forwarding', async () => {
    const pty = await pair('{"op":"join"}', 'pair', ['-tt']);
    expect(pty.stderr).toMatch(/PTY allocation request failed/);

    const shell = await run('ssh', f.sshArgs(key, ['-T']), { input: 'echo hi\n' });
    expect(shell.code).not.toBe(0);
    expect(shell.stdout).not.toContain('hi');

    const sftp = await run('sftp', [...f.sshOptions(key), '-P', String(f.sshd.port), 'lp@127.0.0.1'], {
      input: 'ls\n',
    });
    expect(sftp.code).not.toBe(0);

    const fwd = await run(
      'ssh',
      f.sshArgs(key, ['-N', '-o', 'ExitOnForwardFailure=yes', '-R', '127.0.0.1:0:127.0.0.1:1']),
    );
    expect(fwd.code).toBe(255);
    expect(fwd.stderr).toMatch(/remote port forwarding failed/);
  });

  it('without a registered handler, answer {"error"} and exit 1', async () => {
    const bare = await SshdFixture.start();
    try {
      const k = bare.addKey('pairing');
      const res = await run('ssh', bare.sshArgs(k, [], ['pair']), { input: '{}' });
      expect(res.code).toBe(1);
      expect(JSON.parse(res.stdout)).toEqual({ error: 'pairing is not available on this hub' });
    } finally {
      await bare.close();
    }
  });
});

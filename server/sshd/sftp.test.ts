import { createHash, randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RegisteredKey, run, SshdFixture } from './test-support.js';

// SFTP-role keys with OpenSSH's `sftp -b` and with restic: the backup path of a host.

let f: SshdFixture;
let key: RegisteredKey;
let work: string;
let outside: string;

beforeAll(async () => {
  f = await SshdFixture.start();
  key = f.addKey('sftp', { owner: 'host-a' });
  work = join(f.dir, 'work');
  mkdirSync(work);
  // A directory next to the repo that no client path may reach.
  outside = join(f.dir, 'outside');
  mkdirSync(outside);
  writeFileSync(join(outside, 'secret.txt'), 'not for sftp clients');
});

afterAll(async () => {
  await f.close();
});

const jailRefusals = () => f.log.lines.filter((l) => l.msg === 'sshd: sftp path refused by the jail').length;

/** Runs a batch with the sftp key, in the local work dir (where put/get paths are relative to). */
const sftpBatch = (commands: string[]) => f.sftp(key, commands, { cwd: work });

describe('sftp keys with OpenSSH sftp', () => {
  it('put, get, ls, rename, rm, mkdir, rmdir inside the repo', async () => {
    const small = randomBytes(1000);
    const big = randomBytes(3 * 1024 * 1024 + 17);
    writeFileSync(join(work, 'a.txt'), small);
    writeFileSync(join(work, 'b.bin'), big);

    const res = await sftpBatch([
      'pwd',
      'put a.txt a.txt',
      'mkdir sub',
      'put b.bin sub/b.bin',
      'ls',
      'ls -l sub',
      'cd sub',
      'ls ..',
      'cd /',
      'rename a.txt renamed.txt',
      'get renamed.txt got.txt',
      'get sub/b.bin got.bin',
    ]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain('Remote working directory: /');
    expect(res.stdout).toMatch(/^-rw-r--r--.*\bb\.bin$/m);
    expect(readFileSync(join(work, 'got.txt')).equals(small)).toBe(true);
    expect(readFileSync(join(work, 'got.bin')).equals(big)).toBe(true);
    expect(readdirSync(f.sftpRoot).sort()).toEqual(['renamed.txt', 'sub']);
    expect(statSync(join(f.sftpRoot, 'sub', 'b.bin')).size).toBe(big.length);

    const cleanup = await sftpBatch(['rm sub/b.bin', 'rmdir sub', 'rm renamed.txt', 'ls -a']);
    expect(cleanup.code, cleanup.stderr).toBe(0);
    expect(readdirSync(f.sftpRoot)).toEqual([]);
  });

  it('errors map to SFTP status codes: missing file, non-empty dir, existing rename target', async () => {
    writeFileSync(join(work, 'c.txt'), 'c');
    expect((await sftpBatch(['get nope.txt x.txt'])).stderr).toMatch(/not found|No such file/);
    const setup = await sftpBatch(['mkdir d', 'put c.txt d/c.txt', 'put c.txt e.txt']);
    expect(setup.code, setup.stderr).toBe(0);
    expect((await sftpBatch(['rmdir d'])).stderr).toMatch(/rmdir "\/d": Failure/);
    expect((await sftpBatch(['rename e.txt d/c.txt'])).stderr).toMatch(/rename .*: Failure/);
    expect((await sftpBatch(['rm d/c.txt', 'rmdir d', 'rm e.txt'])).code).toBe(0);
  });

  it('cannot leave the repo with cd .., absolute paths or ../ in put', async () => {
    const up = await sftpBatch(['cd ..']);
    expect(up.code).toBe(1);
    expect(up.stderr).toMatch(/Permission denied/);

    const abs = await sftpBatch([`get ${join(outside, 'secret.txt')} leaked.txt`]);
    expect(abs.code).toBe(1);
    expect(abs.stderr).toMatch(/not found|No such file/);

    writeFileSync(join(work, 'x.txt'), 'x');
    const put = await sftpBatch([`put x.txt ../${relative(f.dir, outside)}/x.txt`]);
    expect(put.code).toBe(1);
    expect(put.stderr).toMatch(/Permission denied/);

    // `ls /` lists the repo, not the hub's root directory.
    writeFileSync(join(f.sftpRoot, 'marker'), 'm');
    const ls = await sftpBatch(['ls /']);
    expect(ls.code).toBe(0);
    expect(ls.stdout).toMatch(/^\/marker\s*$/m);
    expect(ls.stdout).not.toMatch(/\b(etc|usr|proc)\b/);

    expect(existsSync(join(work, 'leaked.txt'))).toBe(false);
    expect(readdirSync(outside)).toEqual(['secret.txt']);
  });

  it('cannot follow a symlink in the repo that points outside', async () => {
    symlinkSync(outside, join(f.sftpRoot, 'escape'));
    symlinkSync(join(outside, 'secret.txt'), join(f.sftpRoot, 'leak.txt'));
    symlinkSync(join(outside, 'created-through-link.txt'), join(f.sftpRoot, 'dangling'));
    writeFileSync(join(work, 'y.txt'), 'y');

    for (const cmd of [
      'get leak.txt leaked.txt',
      'get escape/secret.txt leaked.txt',
      'ls escape/*',
      'cd escape',
      'put y.txt escape/y.txt',
      'put y.txt dangling',
    ]) {
      const refusedBefore = jailRefusals();
      const res = await sftpBatch([cmd]);
      expect(res.code, cmd).toBe(1);
      // sftp words it per command ("not found" when its glob could not list the dir), but each
      // failure is the jail's refusal, which the hub logs.
      expect(res.stderr, cmd).toMatch(/Permission denied|not found/);
      expect(jailRefusals(), cmd).toBeGreaterThan(refusedBefore);
    }
    // `ls` of the link itself shows the entry, not what is behind it.
    const ls = await sftpBatch(['ls -l escape']);
    expect(ls.stdout).not.toContain('secret');
    expect(existsSync(join(work, 'leaked.txt'))).toBe(false);
    expect(readdirSync(outside)).toEqual(['secret.txt']);
    // The links themselves are visible and removable, as entries of the repo.
    const rm = await sftpBatch(['rm leak.txt', 'rm dangling', 'rm escape']);
    expect(rm.code, rm.stderr).toBe(0);
    expect(existsSync(join(outside, 'secret.txt'))).toBe(true);
  });

  it('refuses creating symlinks, and every non-sftp request of an sftp key', async () => {
    writeFileSync(join(f.sftpRoot, 'target.txt'), 't');
    const ln = await sftpBatch(['symlink target.txt link.txt']);
    expect(ln.code).toBe(1);
    expect(ln.stderr).toMatch(/Permission denied/);

    const exec = await run('ssh', f.sshArgs(key, [], ['cat /etc/passwd']));
    expect(exec.code).toBe(255);
    expect(exec.stdout).toBe('');
    const tunnel = await run(
      'ssh',
      f.sshArgs(key, ['-N', '-o', 'ExitOnForwardFailure=yes', '-R', '127.0.0.1:0:127.0.0.1:1']),
    );
    expect(tunnel.code).toBe(255);
    expect(tunnel.stderr).toMatch(/remote port forwarding failed/);
  });
});

/** Every regular file under `dir`, relative path -> sha256. */
function hashTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(relative(dir, p), createHash('sha256').update(readFileSync(p)).digest('hex'));
    }
  };
  walk(dir);
  return out;
}

describe('restic over the jailed sftp', () => {
  it('init, backup, snapshots, check, restore: the restored tree is byte-identical', {
    timeout: 120_000,
  }, async () => {
    const src = join(f.dir, 'data');
    mkdirSync(join(src, 'nested', 'deeper'), { recursive: true });
    writeFileSync(join(src, 'empty'), '');
    writeFileSync(join(src, 'small.txt'), 'hello restic\n');
    writeFileSync(join(src, 'nested', 'random.bin'), randomBytes(5 * 1024 * 1024 + 3));
    for (let i = 0; i < 50; i++) writeFileSync(join(src, 'nested', 'deeper', `f${i}`), randomBytes(i * 97));

    const sshCommand = [
      'ssh',
      ...f.sshOptions(key),
      '-p',
      String(f.sshd.port),
      'lp@127.0.0.1',
      '-s',
      'sftp',
    ].join(' ');
    const env = { ...process.env, RESTIC_PASSWORD: 'correct horse battery staple' };
    const restic = (...args: string[]) =>
      run(
        'restic',
        ['--no-cache', '-r', 'sftp:lp@127.0.0.1:/repo', '-o', `sftp.command=${sshCommand}`, ...args],
        {
          env,
        },
      );

    const init = await restic('init');
    expect(init.code, init.stderr).toBe(0);
    expect(existsSync(join(f.sftpRoot, 'repo', 'config'))).toBe(true);

    const backup = await restic('backup', '--json', src);
    expect(backup.code, backup.stderr).toBe(0);

    const snapshots = await restic('snapshots', '--json');
    expect(snapshots.code, snapshots.stderr).toBe(0);
    const list = JSON.parse(snapshots.stdout) as { id: string; paths: string[] }[];
    expect(list).toHaveLength(1);
    expect(list[0]!.paths).toEqual([src]);

    const check = await restic('check', '--read-data');
    expect(check.code, check.stderr).toBe(0);
    expect(check.stdout).toMatch(/no errors were found/);

    const target = join(f.dir, 'restored');
    const restore = await restic('restore', list[0]!.id, '--target', target);
    expect(restore.code, restore.stderr).toBe(0);
    const restored = hashTree(join(target, relative('/', src)));
    const original = hashTree(src);
    expect(original.size).toBe(53);
    expect(restored).toEqual(original);
  });
});

import { EventEmitter } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2, { type SFTPWrapper } from 'ssh2';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SftpJail } from './sftp-jail.js';
import { serveSftp } from './sftp-server.js';
import { CapturedLog } from './test-support.js';

// The SFTP request handlers against a real directory, driven request by request, to pin the
// exact status code of every outcome (OpenSSH's sftp only prints messages).

const { STATUS_CODE, OPEN_MODE } = ssh2.utils.sftp;

type Reply =
  | { type: 'status'; code: number; message: string | undefined }
  | { type: 'handle'; handle: Buffer }
  | { type: 'data'; data: Buffer }
  | { type: 'name'; names: { filename: string }[] }
  | { type: 'attrs'; attrs: { size: number; mode: number } };

/** Stands in for ssh2's server-side SFTP stream: records replies by request id. */
class FakeSftp extends EventEmitter {
  #waiters = new Map<number, (r: Reply) => void>();
  #next = 1;
  ended = false;

  #reply(reqid: number, r: Reply) {
    this.#waiters.get(reqid)?.(r);
    this.#waiters.delete(reqid);
  }
  status(reqid: number, code: number, message?: string) {
    this.#reply(reqid, { type: 'status', code, message });
  }
  handle(reqid: number, handle: Buffer) {
    this.#reply(reqid, { type: 'handle', handle });
  }
  data(reqid: number, data: Buffer) {
    this.#reply(reqid, { type: 'data', data: Buffer.from(data) });
  }
  name(reqid: number, names: { filename: string }[]) {
    this.#reply(reqid, { type: 'name', names });
  }
  attrs(reqid: number, attrs: { size: number; mode: number }) {
    this.#reply(reqid, { type: 'attrs', attrs });
  }
  end() {
    this.ended = true;
  }

  request(op: string, ...args: unknown[]): Promise<Reply> {
    const reqid = this.#next++;
    return new Promise((resolve) => {
      this.#waiters.set(reqid, resolve);
      this.emit(op, reqid, ...args);
    });
  }
}

let dir: string;
let root: string;
let sftp: FakeSftp;
let log: CapturedLog;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lp-sftp-'));
  root = join(dir, 'repo');
  mkdirSync(root);
  mkdirSync(join(dir, 'outside'));
  writeFileSync(join(dir, 'outside', 'secret'), 'secret');
  sftp = new FakeSftp();
  log = new CapturedLog();
  serveSftp(sftp as unknown as SFTPWrapper, await SftpJail.open(root), log.logger);
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const status = (code: number) => expect.objectContaining({ type: 'status', code });
const sshString = (s: string) => {
  const b = Buffer.from(s);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(b.length);
  return Buffer.concat([len, b]);
};

async function openHandle(path: string, flags: number): Promise<Buffer> {
  const r = await sftp.request('OPEN', path, flags, {});
  if (r.type !== 'handle') throw new Error(`open ${path}: ${JSON.stringify(r)}`);
  return r.handle;
}

describe('sftp request handlers', () => {
  it('write, read, read past the end (EOF), fstat, fsync, close', async () => {
    const h = await openHandle('/f.bin', OPEN_MODE.WRITE | OPEN_MODE.CREAT | OPEN_MODE.TRUNC);
    // Out of order, as pipelined clients (restic's sftp library) send them.
    expect(await sftp.request('WRITE', h, 5, Buffer.from('world'))).toEqual(status(STATUS_CODE.OK));
    expect(await sftp.request('WRITE', h, 0, Buffer.from('hello'))).toEqual(status(STATUS_CODE.OK));
    expect(await sftp.request('FSTAT', h)).toMatchObject({ type: 'attrs', attrs: { size: 10 } });
    expect(await sftp.request('EXTENDED', 'fsync@openssh.com', sshString(h.toString('latin1')))).toEqual(
      status(STATUS_CODE.OK),
    );
    expect(await sftp.request('CLOSE', h)).toEqual(status(STATUS_CODE.OK));
    expect(readFileSync(join(root, 'f.bin'), 'utf8')).toBe('helloworld');

    const r = await openHandle('f.bin', OPEN_MODE.READ);
    expect(await sftp.request('READ', r, 3, 4)).toEqual({ type: 'data', data: Buffer.from('lowo') });
    expect(await sftp.request('READ', r, 8, 100)).toEqual({ type: 'data', data: Buffer.from('ld') });
    expect(await sftp.request('READ', r, 10, 100)).toEqual(status(STATUS_CODE.EOF));
    expect(await sftp.request('CLOSE', r)).toEqual(status(STATUS_CODE.OK));
    // A closed (or never issued) handle is refused, not crashed on.
    expect(await sftp.request('READ', r, 0, 1)).toEqual(status(STATUS_CODE.FAILURE));
    expect(await sftp.request('CLOSE', Buffer.from('nonsense'))).toEqual(status(STATUS_CODE.FAILURE));
  });

  it('open flags: EXCL on an existing file fails, APPEND appends, no CREAT on a missing file fails', async () => {
    writeFileSync(join(root, 'a'), 'a');
    expect(await sftp.request('OPEN', 'a', OPEN_MODE.WRITE | OPEN_MODE.CREAT | OPEN_MODE.EXCL, {})).toEqual(
      status(STATUS_CODE.FAILURE),
    );
    const h = await openHandle('a', OPEN_MODE.WRITE | OPEN_MODE.APPEND);
    await sftp.request('WRITE', h, 0, Buffer.from('b'));
    await sftp.request('CLOSE', h);
    expect(readFileSync(join(root, 'a'), 'utf8')).toBe('ab');
    expect(await sftp.request('OPEN', 'missing', OPEN_MODE.READ, {})).toEqual(
      status(STATUS_CODE.NO_SUCH_FILE),
    );
    expect(await sftp.request('OPEN', '/', OPEN_MODE.READ, {})).toEqual(status(STATUS_CODE.FAILURE));
  });

  it('opendir / readdir lists entries, then ends with EOF', async () => {
    for (let i = 0; i < 150; i++) writeFileSync(join(root, `n${i}`), '');
    const h = await sftp.request('OPENDIR', '/');
    if (h.type !== 'handle') throw new Error('no dir handle');
    const names: string[] = [];
    for (;;) {
      const r = await sftp.request('READDIR', h.handle);
      if (r.type === 'status') {
        expect(r.code).toBe(STATUS_CODE.EOF);
        break;
      }
      if (r.type !== 'name') throw new Error(`unexpected ${r.type}`);
      names.push(...r.names.map((n) => n.filename));
    }
    expect(names.sort()).toEqual(Array.from({ length: 150 }, (_, i) => `n${i}`).sort());
    expect(await sftp.request('OPENDIR', 'n1')).toEqual(status(STATUS_CODE.NO_SUCH_FILE));
    expect(await sftp.request('OPENDIR', 'nope')).toEqual(status(STATUS_CODE.NO_SUCH_FILE));
  });

  it('stat, lstat, setstat, realpath', async () => {
    writeFileSync(join(root, 's'), '12345');
    symlinkSync('s', join(root, 'inner-link'));
    expect(await sftp.request('STAT', 'inner-link')).toMatchObject({ type: 'attrs', attrs: { size: 5 } });
    const l = await sftp.request('LSTAT', 'inner-link');
    expect(l.type === 'attrs' && (l.attrs.mode & 0o170000) === 0o120000).toBe(true);
    expect(await sftp.request('SETSTAT', 's', { mode: 0o4600, size: 2 })).toEqual(status(STATUS_CODE.OK));
    // Permission bits only: the setuid bit asked for is dropped.
    expect(statSync(join(root, 's')).mode & 0o7777).toBe(0o600);
    expect(statSync(join(root, 's')).size).toBe(2);
    expect(await sftp.request('SETSTAT', 's', { uid: 12345, gid: 12345 })).toEqual(
      status(STATUS_CODE.PERMISSION_DENIED),
    );
    expect(await sftp.request('REALPATH', '.')).toMatchObject({ type: 'name', names: [{ filename: '/' }] });
    expect(await sftp.request('REALPATH', 'a/../inner-link')).toMatchObject({ names: [{ filename: '/s' }] });
    expect(await sftp.request('REALPATH', '/not/yet')).toMatchObject({ names: [{ filename: '/not/yet' }] });
    expect(await sftp.request('READLINK', 'inner-link')).toMatchObject({ names: [{ filename: '/s' }] });
    expect(await sftp.request('STAT', 'missing')).toEqual(status(STATUS_CODE.NO_SUCH_FILE));
  });

  it('mkdir, rmdir, remove, rename (no overwrite), posix-rename (overwrite)', async () => {
    expect(await sftp.request('MKDIR', 'd', {})).toEqual(status(STATUS_CODE.OK));
    expect(await sftp.request('MKDIR', 'd', {})).toEqual(status(STATUS_CODE.FAILURE));
    writeFileSync(join(root, 'd', 'x'), 'x');
    writeFileSync(join(root, 'y'), 'y');
    expect(await sftp.request('RMDIR', 'd')).toEqual(status(STATUS_CODE.FAILURE));
    expect(await sftp.request('RENAME', 'y', 'd/x')).toEqual(status(STATUS_CODE.FAILURE));
    expect(
      await sftp.request(
        'EXTENDED',
        'posix-rename@openssh.com',
        Buffer.concat([sshString('y'), sshString('d/x')]),
      ),
    ).toEqual(status(STATUS_CODE.OK));
    expect(readFileSync(join(root, 'd', 'x'), 'utf8')).toBe('y');
    expect(await sftp.request('RENAME', 'd/x', 'z')).toEqual(status(STATUS_CODE.OK));
    expect(await sftp.request('REMOVE', 'z')).toEqual(status(STATUS_CODE.OK));
    expect(await sftp.request('REMOVE', 'z')).toEqual(status(STATUS_CODE.NO_SUCH_FILE));
    expect(await sftp.request('RMDIR', 'd')).toEqual(status(STATUS_CODE.OK));
    expect(await sftp.request('RMDIR', '/')).toEqual(status(STATUS_CODE.PERMISSION_DENIED));
    expect(await sftp.request('EXTENDED', 'posix-rename@openssh.com', Buffer.from([0, 0, 0, 9]))).toEqual(
      status(STATUS_CODE.BAD_MESSAGE),
    );
  });

  it('every way out of the jail is PERMISSION_DENIED, and logged', async () => {
    symlinkSync(join(dir, 'outside'), join(root, 'out'));
    symlinkSync(join(dir, 'outside', 'secret'), join(root, 'secret-link'));
    symlinkSync(join(dir, 'outside', 'new'), join(root, 'dangling'));
    const denied = status(STATUS_CODE.PERMISSION_DENIED);
    expect(await sftp.request('REALPATH', '..')).toEqual(denied);
    expect(await sftp.request('STAT', '/../outside/secret')).toEqual(denied);
    expect(await sftp.request('STAT', 'secret-link')).toEqual(denied);
    expect(await sftp.request('OPEN', 'secret-link', OPEN_MODE.READ, {})).toEqual(denied);
    expect(await sftp.request('OPEN', 'out/new', OPEN_MODE.WRITE | OPEN_MODE.CREAT, {})).toEqual(denied);
    expect(await sftp.request('OPEN', 'dangling', OPEN_MODE.WRITE | OPEN_MODE.CREAT, {})).toEqual(denied);
    expect(await sftp.request('OPENDIR', 'out')).toEqual(denied);
    expect(await sftp.request('REMOVE', 'out/secret')).toEqual(denied);
    expect(await sftp.request('MKDIR', 'out/d', {})).toEqual(denied);
    expect(await sftp.request('RENAME', 'secret-link', '../stolen')).toEqual(denied);
    expect(await sftp.request('READLINK', 'secret-link')).toEqual(denied);
    expect(await sftp.request('SETSTAT', 'secret-link', { mode: 0o777 })).toEqual(denied);
    expect(await sftp.request('SYMLINK', 'l', '/etc/passwd')).toEqual(denied);
    expect(await sftp.request('STAT', 'a\0b')).toEqual(denied);
    expect(readFileSync(join(dir, 'outside', 'secret'), 'utf8')).toBe('secret');
    expect(statSync(join(dir, 'outside', 'secret')).mode & 0o777).not.toBe(0o777);
    expect(log.lines.filter((l) => l.msg === 'sshd: sftp path refused by the jail').length).toBe(13);
    // Replies never carry a real path of the hub.
    expect(log.text()).not.toContain(dir);
  });

  it('refuses extensions it does not implement, and ends the session on EOF', async () => {
    expect(await sftp.request('EXTENDED', 'statvfs@openssh.com', sshString('/'))).toEqual(
      status(STATUS_CODE.OP_UNSUPPORTED),
    );
    sftp.emit('end');
    expect(sftp.ended).toBe(true);
  });
});

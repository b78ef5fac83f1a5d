import { constants, type Stats } from 'node:fs';
import {
  chmod,
  type FileHandle,
  lstat,
  mkdir,
  open,
  readdir,
  readlink,
  rename,
  rmdir,
  stat,
  truncate,
  unlink,
  utimes,
} from 'node:fs/promises';
import { join } from 'node:path';
import ssh2, { type Attributes, type FileEntry, type InputAttributes, type SFTPWrapper } from 'ssh2';
import type { Logger } from '../log/index.js';
import { errnoCode, JailError, type SftpJail } from './sftp-jail.js';

const { STATUS_CODE, OPEN_MODE } = ssh2.utils.sftp;

/** Largest READ answered in one DATA packet (OpenSSH's sftp-server caps reads the same way). */
const MAX_READ = 64 * 1024;
/** Names per READDIR reply: keeps each NAME packet well under the clients' 256 KiB message cap. */
const NAMES_PER_READDIR = 100;
/** Open handles per SFTP session; a client leaking handles cannot exhaust the hub's fds. */
const MAX_HANDLES = 256;

type Handle =
  | { kind: 'file'; fh: FileHandle; virtual: string }
  | { kind: 'dir'; real: string; virtual: string; pending: FileEntry[] | null };

/**
 * Serves one SFTP session inside `jail`: what OpenSSH's `sftp` and restic use (open / read /
 * write / close, stat family, setstat family, opendir / readdir, mkdir / rmdir, remove, rename,
 * posix-rename@openssh.com, fsync@openssh.com, realpath, readlink). SYMLINK is refused: a
 * client-made symlink could point anywhere. Error replies carry the errno name only, never a
 * real path on the hub.
 */
export function serveSftp(sftp: SFTPWrapper, jail: SftpJail, logger: Logger): void {
  const handles = new Map<number, Handle>();
  let nextHandle = 1;
  let ended = false;

  const newHandle = (h: Handle): Buffer | null => {
    if (handles.size >= MAX_HANDLES) return null;
    const id = nextHandle++;
    handles.set(id, h);
    const buf = Buffer.alloc(4);
    buf.writeUInt32BE(id >>> 0);
    return buf;
  };
  const getHandle = (buf: Buffer): Handle | undefined =>
    buf.length === 4 ? handles.get(buf.readUInt32BE(0)) : undefined;

  /** Runs one request; any throw becomes a STATUS reply with the mapped code. */
  let escapes = 0;
  const run = (reqid: number, op: string, fn: () => Promise<void>): void => {
    fn().catch((err: unknown) => {
      if (ended) return;
      const { code, message } = statusOf(err);
      if (err instanceof JailError) {
        // Someone probing for a way out is worth a warning; a flood of them is worth one line.
        escapes++;
        if (escapes <= 20) logger.warn({ op, reason: err.message }, 'sshd: sftp path refused by the jail');
        else if (escapes === 21)
          logger.warn('sshd: further jail refusals in this sftp session are not logged');
      } else if (code === STATUS_CODE.FAILURE) {
        logger.debug({ err, op }, 'sshd: sftp request failed');
      }
      sftp.status(reqid, code, message);
    });
  };

  sftp.on('error', (err: Error) => {
    logger.warn({ err }, 'sshd: sftp session error');
  });
  const cleanup = () => {
    if (ended) return;
    ended = true;
    for (const h of handles.values()) {
      if (h.kind === 'file') {
        h.fh.close().catch((err: unknown) => logger.debug({ err }, 'sshd: closing an sftp file failed'));
      }
    }
    handles.clear();
  };
  sftp.on('end', () => {
    // The client's EOF ends the session, as sftp-server exiting does under OpenSSH's sshd: the
    // client waits for exit-status and close before it exits.
    cleanup();
    sendExitStatus(sftp, 0);
    sftp.end();
  });
  sftp.on('close', cleanup);

  sftp.on('REALPATH', (reqid: number, path: string) =>
    run(reqid, 'realpath', async () => {
      const p = await jail.resolveFollow(path).catch((err: unknown) => {
        // A path that does not exist yet canonicalises lexically (OpenSSH does the same).
        if (errnoCode(err) === 'ENOENT') return null;
        throw err;
      });
      const virtual = p ? jail.toVirtual(p.real) : jail.virtualPath(path);
      if (virtual === null) throw new JailError();
      sftp.name(reqid, [{ filename: virtual, longname: virtual, attrs: {} as Attributes }]);
    }),
  );

  const statOp = (name: string, follow: boolean) => (reqid: number, path: string) =>
    run(reqid, name, async () => {
      const p = follow ? await jail.resolveFollow(path) : await jail.resolveNoFollow(path);
      sftp.attrs(reqid, toAttrs(follow ? await stat(p.real) : await lstat(p.real)));
    });
  sftp.on('STAT', statOp('stat', true));
  sftp.on('LSTAT', statOp('lstat', false));

  sftp.on('FSTAT', (reqid: number, handle: Buffer) =>
    run(reqid, 'fstat', async () => {
      const h = getHandle(handle);
      if (h?.kind !== 'file') return badHandle(sftp, reqid);
      sftp.attrs(reqid, toAttrs(await h.fh.stat()));
    }),
  );

  sftp.on('SETSTAT', (reqid: number, path: string, attrs: InputAttributes) =>
    run(reqid, 'setstat', async () => {
      const p = await jail.resolveFollow(path);
      await applyAttrs(attrs, {
        size: (n) => truncate(p.real, n),
        mode: (m) => chmod(p.real, m),
        times: (a, m) => utimes(p.real, a, m),
        current: () => stat(p.real),
      });
      sftp.status(reqid, STATUS_CODE.OK);
    }),
  );

  sftp.on('FSETSTAT', (reqid: number, handle: Buffer, attrs: InputAttributes) =>
    run(reqid, 'fsetstat', async () => {
      const h = getHandle(handle);
      if (h?.kind !== 'file') return badHandle(sftp, reqid);
      await applyAttrs(attrs, {
        size: (n) => h.fh.truncate(n),
        mode: (m) => h.fh.chmod(m),
        times: (a, m) => h.fh.utimes(a, m),
        current: () => h.fh.stat(),
      });
      sftp.status(reqid, STATUS_CODE.OK);
    }),
  );

  sftp.on('OPEN', (reqid: number, filename: string, pflags: number, attrs: InputAttributes) =>
    run(reqid, 'open', async () => {
      const p = await jail.resolveFollow(filename);
      const mode = typeof attrs.mode === 'number' ? attrs.mode & 0o777 : 0o644;
      // realpath resolved every symlink; O_NOFOLLOW makes one swapped in since then an error.
      const fh = await open(p.real, openFlags(pflags) | constants.O_NOFOLLOW, mode);
      const st = await fh.stat();
      if (!st.isFile()) {
        await fh.close();
        throw Object.assign(new Error('not a regular file'), { code: 'EISDIR' });
      }
      const handle = newHandle({ kind: 'file', fh, virtual: p.virtual });
      if (!handle) {
        await fh.close();
        throw Object.assign(new Error('too many open handles'), { code: 'EMFILE' });
      }
      sftp.handle(reqid, handle);
    }),
  );

  sftp.on('READ', (reqid: number, handle: Buffer, offset: number, length: number) =>
    run(reqid, 'read', async () => {
      const h = getHandle(handle);
      if (h?.kind !== 'file') return badHandle(sftp, reqid);
      const buf = Buffer.allocUnsafe(Math.min(length, MAX_READ));
      const { bytesRead } = await h.fh.read(buf, 0, buf.length, offset);
      if (bytesRead === 0) sftp.status(reqid, STATUS_CODE.EOF);
      else sftp.data(reqid, buf.subarray(0, bytesRead));
    }),
  );

  sftp.on('WRITE', (reqid: number, handle: Buffer, offset: number, data: Buffer) =>
    run(reqid, 'write', async () => {
      const h = getHandle(handle);
      if (h?.kind !== 'file') return badHandle(sftp, reqid);
      let done = 0;
      while (done < data.length) {
        const { bytesWritten } = await h.fh.write(data, done, data.length - done, offset + done);
        done += bytesWritten;
      }
      sftp.status(reqid, STATUS_CODE.OK);
    }),
  );

  sftp.on('CLOSE', (reqid: number, handle: Buffer) =>
    run(reqid, 'close', async () => {
      const h = getHandle(handle);
      if (!h) return badHandle(sftp, reqid);
      handles.delete(handle.readUInt32BE(0));
      if (h.kind === 'file') await h.fh.close();
      sftp.status(reqid, STATUS_CODE.OK);
    }),
  );

  sftp.on('OPENDIR', (reqid: number, path: string) =>
    run(reqid, 'opendir', async () => {
      const p = await jail.resolveFollow(path);
      const st = await stat(p.real);
      if (!st.isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
      const handle = newHandle({ kind: 'dir', real: p.real, virtual: p.virtual, pending: null });
      if (!handle) throw Object.assign(new Error('too many open handles'), { code: 'EMFILE' });
      sftp.handle(reqid, handle);
    }),
  );

  sftp.on('READDIR', (reqid: number, handle: Buffer) =>
    run(reqid, 'readdir', async () => {
      const h = getHandle(handle);
      if (h?.kind !== 'dir') return badHandle(sftp, reqid);
      if (h.pending === null) h.pending = await listDir(h.real);
      if (h.pending.length === 0) {
        sftp.status(reqid, STATUS_CODE.EOF);
        return;
      }
      sftp.name(reqid, h.pending.splice(0, NAMES_PER_READDIR));
    }),
  );

  sftp.on('REMOVE', (reqid: number, path: string) =>
    run(reqid, 'remove', async () => {
      await unlink((await jail.resolveNoFollow(path)).real);
      sftp.status(reqid, STATUS_CODE.OK);
    }),
  );

  sftp.on('MKDIR', (reqid: number, path: string, attrs: InputAttributes) =>
    run(reqid, 'mkdir', async () => {
      const mode = typeof attrs.mode === 'number' ? attrs.mode & 0o777 : 0o755;
      await mkdir((await jail.resolveNoFollow(path)).real, { mode });
      sftp.status(reqid, STATUS_CODE.OK);
    }),
  );

  sftp.on('RMDIR', (reqid: number, path: string) =>
    run(reqid, 'rmdir', async () => {
      const p = await jail.resolveNoFollow(path);
      if (p.virtual === '/') throw new JailError('Permission denied: the repository root cannot be removed');
      await rmdir(p.real);
      sftp.status(reqid, STATUS_CODE.OK);
    }),
  );

  sftp.on('RENAME', (reqid: number, oldPath: string, newPath: string) =>
    run(reqid, 'rename', async () => {
      await renameInJail(jail, oldPath, newPath, false);
      sftp.status(reqid, STATUS_CODE.OK);
    }),
  );

  sftp.on('READLINK', (reqid: number, path: string) =>
    run(reqid, 'readlink', async () => {
      const p = await jail.resolveNoFollow(path);
      const target = jail.linkTargetVirtual(p.real, await readlink(p.real));
      // Naming an outside target would tell the client about the hub's filesystem.
      if (target === null) throw new JailError('Permission denied: symlink points outside the repository');
      sftp.name(reqid, [{ filename: target, longname: target, attrs: {} as Attributes }]);
    }),
  );

  sftp.on('SYMLINK', (reqid: number) => {
    sftp.status(reqid, STATUS_CODE.PERMISSION_DENIED, 'symlinks cannot be created in the repository');
  });

  sftp.on('EXTENDED', (reqid: number, name: string, data: Buffer | undefined) => {
    if (name === 'posix-rename@openssh.com') {
      const args = readSshStrings(data, 2);
      if (!args) return sftp.status(reqid, STATUS_CODE.BAD_MESSAGE, 'malformed posix-rename request');
      return run(reqid, name, async () => {
        await renameInJail(jail, args[0]!.toString('utf8'), args[1]!.toString('utf8'), true);
        sftp.status(reqid, STATUS_CODE.OK);
      });
    }
    if (name === 'fsync@openssh.com') {
      const args = readSshStrings(data, 1);
      if (!args) return sftp.status(reqid, STATUS_CODE.BAD_MESSAGE, 'malformed fsync request');
      return run(reqid, name, async () => {
        const h = getHandle(args[0]!);
        if (h?.kind !== 'file') return badHandle(sftp, reqid);
        await h.fh.sync();
        sftp.status(reqid, STATUS_CODE.OK);
      });
    }
    // statvfs@openssh.com and others need an EXTENDED_REPLY, which ssh2's server cannot send.
    sftp.status(reqid, STATUS_CODE.OP_UNSUPPORTED, `${name.slice(0, 64)} is not supported`);
  });
}

/**
 * ssh2's SFTP stream has no exit(); without an exit-status OpenSSH's `ssh -s sftp` (what restic
 * runs) exits 255 after a clean session. This reaches into ssh2 internals, so it checks their
 * shape and skips the status (harmless for `sftp` and restic) if a later ssh2 changes them.
 */
function sendExitStatus(sftp: SFTPWrapper, status: number): void {
  const internals = sftp as unknown as {
    _protocol?: { exitStatus?: (chan: number, status: number) => void };
    outgoing?: { id?: number; state?: string };
  };
  const { _protocol: proto, outgoing } = internals;
  if (
    typeof proto?.exitStatus === 'function' &&
    typeof outgoing?.id === 'number' &&
    outgoing.state === 'open'
  ) {
    proto.exitStatus(outgoing.id, status);
  }
}

function badHandle(sftp: SFTPWrapper, reqid: number): void {
  sftp.status(reqid, STATUS_CODE.FAILURE, 'invalid handle');
}

async function renameInJail(jail: SftpJail, from: string, to: string, overwrite: boolean): Promise<void> {
  const src = await jail.resolveNoFollow(from);
  const dst = await jail.resolveNoFollow(to);
  if (src.virtual === '/' || dst.virtual === '/')
    throw new JailError('Permission denied: the repository root cannot be renamed');
  if (!overwrite) {
    // SFTP v3 RENAME must not replace an existing file (OpenSSH's sftp-server refuses too).
    const exists = await lstat(dst.real).then(
      () => true,
      (err: unknown) => {
        if (errnoCode(err) === 'ENOENT') return false;
        throw err;
      },
    );
    if (exists) throw Object.assign(new Error('target exists'), { code: 'EEXIST' });
  }
  await rename(src.real, dst.real);
}

/** SFTP pflags to open(2) flags. */
function openFlags(pflags: number): number {
  const read = (pflags & OPEN_MODE.READ) !== 0;
  const write = (pflags & (OPEN_MODE.WRITE | OPEN_MODE.APPEND)) !== 0;
  let flags = read && write ? constants.O_RDWR : write ? constants.O_WRONLY : constants.O_RDONLY;
  if (pflags & OPEN_MODE.APPEND) flags |= constants.O_APPEND;
  if (pflags & OPEN_MODE.CREAT) flags |= constants.O_CREAT;
  if (pflags & OPEN_MODE.TRUNC) flags |= constants.O_TRUNC;
  if (pflags & OPEN_MODE.EXCL) flags |= constants.O_EXCL;
  return flags;
}

interface AttrTarget {
  size(n: number): Promise<void>;
  mode(m: number): Promise<void>;
  times(atime: number, mtime: number): Promise<void>;
  current(): Promise<Stats>;
}

async function applyAttrs(attrs: InputAttributes, target: AttrTarget): Promise<void> {
  if (typeof attrs.uid === 'number' || typeof attrs.gid === 'number') {
    // Ownership stays the hub's: a no-op change is fine (`put -p` sends it), a real one is refused.
    const st = await target.current();
    if (
      (attrs.uid !== undefined && attrs.uid !== st.uid) ||
      (attrs.gid !== undefined && attrs.gid !== st.gid)
    ) {
      throw Object.assign(new Error('cannot change ownership'), { code: 'EPERM' });
    }
  }
  if (typeof attrs.size === 'number') await target.size(attrs.size);
  if (typeof attrs.mode === 'number' || typeof attrs.mode === 'string') {
    const mode = typeof attrs.mode === 'number' ? attrs.mode : Number.parseInt(attrs.mode, 8);
    // Permission bits only: no setuid/setgid/sticky inside the backup repo.
    await target.mode(mode & 0o777);
  }
  const { atime, mtime } = attrs;
  if (atime !== undefined && mtime !== undefined) {
    await target.times(toSeconds(atime), toSeconds(mtime));
  }
}

function toSeconds(t: number | Date): number {
  return typeof t === 'number' ? t : Math.floor(t.getTime() / 1000);
}

function toAttrs(st: Stats): Attributes {
  return {
    mode: st.mode,
    uid: st.uid,
    gid: st.gid,
    size: st.size,
    atime: Math.floor(st.atimeMs / 1000),
    mtime: Math.floor(st.mtimeMs / 1000),
  };
}

async function listDir(real: string): Promise<FileEntry[]> {
  const names = await readdir(real);
  const entries: FileEntry[] = [];
  for (const filename of names) {
    const st = await lstat(join(real, filename)).catch((err: unknown) => {
      // Removed between readdir and lstat: just not listed.
      if (errnoCode(err) === 'ENOENT') return null;
      throw err;
    });
    if (st) entries.push({ filename, longname: longname(filename, st), attrs: toAttrs(st) });
  }
  return entries;
}

/** An `ls -l` line, which OpenSSH's `sftp` prints for `ls -l`. */
function longname(name: string, st: Stats): string {
  const type = st.isDirectory() ? 'd' : st.isSymbolicLink() ? 'l' : st.isFile() ? '-' : '?';
  const bits = 'rwxrwxrwx'
    .split('')
    .map((c, i) => (st.mode & (0o400 >> i) ? c : '-'))
    .join('');
  const date = st.mtime.toISOString().slice(0, 16).replace('T', ' ');
  return `${type}${bits} ${String(st.nlink).padStart(4)} ${String(st.uid).padEnd(8)} ${String(st.gid).padEnd(8)} ${String(st.size).padStart(8)} ${date} ${name}`;
}

/** Reads `count` SSH wire strings (uint32 length + bytes); null if malformed. */
function readSshStrings(data: Buffer | undefined, count: number): Buffer[] | null {
  if (!data) return null;
  const out: Buffer[] = [];
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (p + 4 > data.length) return null;
    const len = data.readUInt32BE(p);
    p += 4;
    if (p + len > data.length) return null;
    out.push(data.subarray(p, p + len));
    p += len;
  }
  return out;
}

/** Maps an fs or jail error to an SFTP status; the message never includes a hub path. */
function statusOf(err: unknown): { code: number; message: string } {
  if (err instanceof JailError) return { code: STATUS_CODE.PERMISSION_DENIED, message: err.message };
  const code = errnoCode(err);
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return { code: STATUS_CODE.NO_SUCH_FILE, message: 'No such file or directory' };
    case 'EACCES':
    case 'EPERM':
      return { code: STATUS_CODE.PERMISSION_DENIED, message: 'Permission denied' };
    case 'ELOOP':
      return { code: STATUS_CODE.PERMISSION_DENIED, message: 'symlink refused' };
    default:
      return { code: STATUS_CODE.FAILURE, message: code ? `Failure (${code})` : 'Failure' };
  }
}

import { lstat, realpath } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

/** A client path that would leave the jail (by `..`, or a symlink whose target is outside). */
export class JailError extends Error {
  constructor(message = 'Permission denied: path is outside the repository') {
    super(message);
    this.name = 'JailError';
  }
}

/** A path as the client sees it (`/` is the jail root) and the real path to operate on. */
export interface JailedPath {
  virtual: string;
  real: string;
}

/**
 * Maps SFTP client paths into a directory, the way `ForceCommand internal-sftp -d` with a
 * chroot would: the client sees the root as `/`, relative paths start there, and no path
 * reaches outside it. Every path is first normalised lexically (a `..` above `/` is refused,
 * not clamped, so the client gets an error instead of a silently different directory), then
 * resolved on disk with realpath and prefix-checked, so symlinks cannot lead out either.
 *
 * Only the sshd writes into the root and it refuses SYMLINK, so the symlinks that exist were
 * made by someone with a shell on the hub; the check-then-use window is closed for the last
 * path component by opening with O_NOFOLLOW (see sftp-server.ts).
 */
export class SftpJail {
  readonly root: string;

  /** `realRoot` must be the root's realpath (see `SftpJail.open`). */
  private constructor(realRoot: string) {
    this.root = realRoot;
  }

  static async open(root: string): Promise<SftpJail> {
    return new SftpJail(await realpath(root));
  }

  /** Normalises a client path to an absolute virtual path; throws JailError above the root. */
  virtualPath(clientPath: string): string {
    if (clientPath.includes('\0')) throw new JailError('Permission denied: path contains a NUL byte');
    const stack: string[] = [];
    for (const part of clientPath.split('/')) {
      if (part === '' || part === '.') continue;
      if (part === '..') {
        if (stack.length === 0) throw new JailError();
        stack.pop();
      } else {
        stack.push(part);
      }
    }
    return `/${stack.join('/')}`;
  }

  /** The virtual path of a real path inside the root, or null if it is outside. */
  toVirtual(real: string): string | null {
    if (real === this.root) return '/';
    if (!real.startsWith(this.root + sep)) return null;
    return `/${relative(this.root, real).split(sep).join('/')}`;
  }

  /**
   * For operations that follow symlinks (open, stat, opendir, setstat, realpath): the real path
   * of what the client path names, fully resolved and inside the root. A path that does not
   * exist yet (a file about to be created) resolves through its parent directory; a dangling
   * symlink is refused, since creating through it would write wherever it points.
   */
  async resolveFollow(clientPath: string): Promise<JailedPath> {
    const virtual = this.virtualPath(clientPath);
    const lexical = this.#lexicalReal(virtual);
    try {
      return { virtual, real: this.#checkInside(await realpath(lexical)) };
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw err;
    }
    // Missing: either nothing is there, or a dangling symlink is.
    const st = await lstat(lexical).catch((err: unknown) => {
      if (errnoCode(err) === 'ENOENT') return null;
      throw err;
    });
    if (st?.isSymbolicLink())
      throw new JailError('Permission denied: symlink points outside the repository or nowhere');
    const parent = this.#checkInside(await realpath(dirname(lexical)));
    return { virtual, real: join(parent, basename(lexical)) };
  }

  /**
   * For operations on a directory entry itself (lstat, readlink, remove, rename, mkdir, rmdir):
   * the parent directory is resolved and checked, the last component is not followed.
   */
  async resolveNoFollow(clientPath: string): Promise<JailedPath> {
    const virtual = this.virtualPath(clientPath);
    if (virtual === '/') return { virtual, real: this.root };
    const lexical = this.#lexicalReal(virtual);
    const parent = this.#checkInside(await realpath(dirname(lexical)));
    return { virtual, real: join(parent, basename(lexical)) };
  }

  /** Where a symlink at `linkReal` with target `target` points, as a virtual path, or null if outside. */
  linkTargetVirtual(linkReal: string, target: string): string | null {
    const abs = isAbsolute(target) ? target : resolve(dirname(linkReal), target);
    return this.toVirtual(abs);
  }

  #lexicalReal(virtual: string): string {
    return virtual === '/' ? this.root : join(this.root, ...virtual.slice(1).split('/'));
  }

  #checkInside(real: string): string {
    if (this.toVirtual(real) === null) throw new JailError();
    return real;
  }
}

export function errnoCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

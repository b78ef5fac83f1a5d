import { lstat, readlink, realpath } from 'node:fs/promises';
import { basename, dirname, join, posix, resolve, sep } from 'node:path';
import { ApiError } from '../../http/errors.js';

/** Symlink hops followed before giving up, as the kernel does (ELOOP). */
const MAX_LINK_HOPS = 40;

/** A path of the workspace API, checked: `rel` for answers, `abs` for the file system. */
export interface ProjectPath {
  /** Normalised, relative to the project directory, '/'-separated; '' is the root. */
  rel: string;
  /** Where the file system operation goes (symlinks resolved, see ProjectPaths). */
  abs: string;
}

const outside = (field: string, given: string) =>
  new ApiError(400, 'path_outside_project', `${field} must stay inside the project: ${given}`, field);

/**
 * Confines API paths to one project directory. Every path is checked twice: lexically (no
 * absolute paths, no `..` that climbs out) and on disk (the real path, after every symlink on
 * the way, must still be inside), so a link to `/etc` is as refused as `../../etc`.
 */
export class ProjectPaths {
  private constructor(readonly root: string) {}

  /** `dir` must exist; it is resolved once so comparisons see the same real path as realpath(). */
  static async open(dir: string): Promise<ProjectPaths> {
    return new ProjectPaths(await realpath(dir));
  }

  /** Lexical normalisation: '' for the root, never a leading '/', never '..'. */
  normalise(given: string, field: string): string {
    if (given.includes('\0')) throw new ApiError(400, 'invalid_path', `${field} contains a NUL byte`, field);
    if (given.startsWith('/') || /^[A-Za-z]:[\\/]/.test(given)) throw outside(field, given);
    const norm = posix.normalize(given === '' ? '.' : given).replace(/\/+$/, '');
    if (norm === '..' || norm.startsWith('../')) throw outside(field, given);
    return norm === '.' ? '' : norm;
  }

  /**
   * The real location of `given` (every symlink followed, including the last component), for
   * operations that read or write through links: listing, download, text, upload. A path that
   * does not exist yet is placed under the real path of its nearest existing ancestor.
   */
  async resolve(given: string, field: string): Promise<ProjectPath> {
    const rel = this.normalise(given, field);
    const abs = await this.confine(join(this.root, rel), field, given, 0);
    return { rel, abs };
  }

  /**
   * The location of the entry itself (its parent resolved, its last component not followed),
   * for operations on the name: rename and delete act on a symlink, never on what it points to.
   * The project root itself is refused (it cannot be renamed or deleted).
   */
  async entry(given: string, field: string): Promise<ProjectPath> {
    const rel = this.normalise(given, field);
    if (rel === '')
      throw new ApiError(400, 'invalid_path', `${field} must not be the project directory`, field);
    const parent = await this.confine(join(this.root, dirname(rel)), field, given, 0);
    return { rel, abs: join(parent, basename(rel)) };
  }

  private inside(abs: string): boolean {
    return abs === this.root || abs.startsWith(this.root.endsWith(sep) ? this.root : this.root + sep);
  }

  private async confine(abs: string, field: string, given: string, hops: number): Promise<string> {
    if (hops > MAX_LINK_HOPS) throw new ApiError(400, 'invalid_path', `${field}: too many symlinks`, field);
    let real: string;
    try {
      real = await realpath(abs);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
      real = await this.confineMissing(abs, field, given, hops);
    }
    if (!this.inside(real)) throw outside(field, given);
    return real;
  }

  /** `abs` does not resolve: a dangling symlink (follow it by hand) or a name not created yet. */
  private async confineMissing(abs: string, field: string, given: string, hops: number): Promise<string> {
    const parent = dirname(abs);
    if (parent === abs) return abs;
    const link = await lstat(abs).catch(() => null);
    if (link?.isSymbolicLink()) {
      // A write through a dangling link would create its target: that target must be inside too.
      const target = resolve(parent, await readlink(abs));
      return this.confine(target, field, given, hops + 1);
    }
    const realParent = await this.confine(parent, field, given, hops);
    return join(realParent, basename(abs));
  }
}

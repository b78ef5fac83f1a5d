// Helpers of the backups tests: temp dirs, password files, trees to back up and compare.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import type { ResticRepo } from './spawn.js';

export function tempDir(prefix = 'lp-restic-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A local repository path (not made yet) and a password file in `dir`. */
export function localRepo(dir: string, password = 'correct horse battery staple'): ResticRepo {
  const passwordFile = join(dir, 'password');
  // With a trailing newline, as ensureSecret writes it: restic trims it.
  writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  return { repository: join(dir, 'repo'), passwordFile };
}

/** Writes `files` (relative path → content) under `dir`. */
export function writeTree(dir: string, files: Record<string, string | Buffer>): void {
  for (const [rel, content] of Object.entries(files)) {
    const p = join(dir, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, content);
  }
}

/** A small project: text, an empty file, random binary, nested folders, a name with glob characters. */
export function sampleProject(dir: string): void {
  writeTree(dir, {
    'a.txt': 'hello restic\n',
    empty: '',
    'notes/deep/n.md': '# notes\n',
    'data/random.bin': randomBytes(300_000 + 7),
    'we[ir]d */x y.txt': 'odd name\n',
  });
}

/** Every regular file under `dir`: relative path → sha256. */
export function hashTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[relative(dir, p)] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

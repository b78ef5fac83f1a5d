import { chmodSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Creates `dir` (and parents) and makes it 0700: it holds secrets or keys. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // mkdir's mode is masked by the umask and ignored for an existing dir, so set it explicitly.
  chmodSync(dir, 0o700);
}

/**
 * Writes a file readable by its owner only (0600), atomically: a crash never leaves a
 * half-written key or secret behind. The parent dir is made 0700.
 */
export function writePrivateFile(path: string, data: string | Uint8Array): void {
  ensurePrivateDir(dirname(path));
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, data, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

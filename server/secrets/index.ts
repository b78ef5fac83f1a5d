import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { writePrivateFile } from '../fs/private.js';

/** A fresh random secret, URL-safe (it travels in URLs and headers). */
export function newSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/**
 * Reads the secret at `path`, creating it (0600 in a 0700 dir) on first use.
 * An empty file counts as missing so a crash mid-creation cannot lock the user out.
 */
export function ensureSecret(path: string, bytes = 32): { value: string; created: boolean } {
  if (existsSync(path)) {
    const value = readFileSync(path, 'utf8').trim();
    if (value !== '') return { value, created: false };
  }
  const value = newSecret(bytes);
  writePrivateFile(path, `${value}\n`);
  return { value, created: true };
}

/** Reads an existing secret; null when it does not exist (e.g. the hub never ran on this data dir). */
export function readSecret(path: string): string | null {
  if (!existsSync(path)) return null;
  const value = readFileSync(path, 'utf8').trim();
  return value === '' ? null : value;
}

/** What may be shown of a secret: its first characters, never the whole. */
export function secretPrefix(value: string, chars = 6): string {
  return `${value.slice(0, chars)}…`;
}

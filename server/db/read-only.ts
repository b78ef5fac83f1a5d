import { existsSync, readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { schemaVersion } from './migrate.js';
import type { Db } from './open.js';

/**
 * Runs `read` against the database at `path` without creating or changing any file, and returns
 * undefined when there is no database file. Used to look at a data dir before (or without) owning
 * it, e.g. while another hub runs on it.
 *
 * Why not just `new Database(path, { readonly: true })`: on a WAL database whose -wal file is
 * gone (the hub shut down cleanly), sqlite creates fresh -wal and -shm files even for a read-only
 * connection, and cannot remove them on close. So:
 * - no -wal file: the main file holds everything; read it into memory and query the copy;
 * - a -wal file: a hub has the database open (or crashed); recent commits may live only in the
 *   WAL, so open the file read-only, which reuses the existing -wal/-shm instead of creating them.
 */
export function withReadOnlySnapshot<T>(path: string, read: (db: Db) => T): T | undefined {
  if (!existsSync(path)) return undefined;
  const db = existsSync(`${path}-wal`) ? openLive(path) : openCopy(path);
  if (db === undefined) return undefined;
  try {
    return read(db);
  } finally {
    db.close();
  }
}

/** PRAGMA user_version of the file at `path`; null when there is no such file. */
export function readSchemaVersionReadOnly(path: string): number | null {
  return withReadOnlySnapshot(path, schemaVersion) ?? null;
}

function openLive(path: string): Db | undefined {
  try {
    return new Database(path, { readonly: true, fileMustExist: true });
  } catch (err) {
    // Deleted between our existence check and the open: the same as never there.
    if (!existsSync(path)) return undefined;
    throw err;
  }
}

function openCopy(path: string): Db | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  // A hub may have opened the file while we copied it; then the copy may be torn or stale.
  if (existsSync(`${path}-wal`)) return openLive(path);
  // The in-memory VFS cannot do WAL; header bytes 18/19 are the write/read format versions
  // (2 = WAL, 1 = rollback journal), and flipping them in our private copy is all it takes.
  if (bytes.length >= 100 && bytes[18] === 2 && bytes[19] === 2) {
    bytes[18] = 1;
    bytes[19] = 1;
  }
  return new Database(bytes, { readonly: true });
}

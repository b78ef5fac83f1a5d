import type BetterSqlite3 from 'better-sqlite3';
import Database from 'better-sqlite3';

/** A better-sqlite3 connection; every repository in this folder takes one. */
export type Db = BetterSqlite3.Database;

/**
 * Opens (creating if needed) the sqlite file at `path` with the settings the hub relies on.
 * It does not create parent directories: the data dir is created, with its permissions, by
 * whoever owns the data-dir layout, and a missing dir here means a wrong path, not a first start.
 */
export function openDatabase(path: string): Db {
  const db = new Database(path);
  try {
    // Set first: switching to WAL below needs a lock another process may briefly hold.
    db.pragma('busy_timeout = 5000');
    // WAL lets the HTTP handlers read while a supervisor writes, and survives crashes without fsync storms.
    db.pragma('journal_mode = WAL');
    // With WAL, NORMAL is still crash-safe for the database; only the last commits before a power loss may go.
    db.pragma('synchronous = NORMAL');
    // sqlite leaves foreign keys off per connection unless asked; schema constraints must actually hold.
    db.pragma('foreign_keys = ON');
  } catch (err) {
    // E.g. "file is not a database": do not leak the file handle when the caller cannot get one.
    db.close();
    throw err;
  }
  return db;
}

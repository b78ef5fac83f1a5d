import type { Db } from './open.js';
import { withReadOnlySnapshot } from './read-only.js';

/**
 * Admin settings: a key → JSON value map. Settings are the source of truth for config
 * (env only gives defaults), so values keep their JSON type across a restart.
 */
export class SettingsRepo {
  readonly #all;
  readonly #get;
  readonly #upsert;
  readonly #delete;
  readonly #setMany;

  constructor(db: Db) {
    this.#all = db.prepare<[], { key: string; value: string }>(
      'SELECT key, value FROM settings ORDER BY key',
    );
    this.#get = db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE key = ?');
    this.#upsert = db.prepare<[string, string, number]>(
      `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
    );
    this.#delete = db.prepare<[string]>('DELETE FROM settings WHERE key = ?');
    // One transaction so a settings form saves all of its fields or none.
    this.#setMany = db.transaction((values: Record<string, unknown>) => {
      const now = Date.now();
      for (const [key, value] of Object.entries(values)) this.#upsert.run(key, toJson(key, value), now);
    });
  }

  all(): Record<string, unknown> {
    return rowsToRecord(this.#all.all());
  }

  get(key: string): unknown | undefined {
    const row = this.#get.get(key);
    return row === undefined ? undefined : fromJson(key, row.value);
  }

  set(key: string, value: unknown): void {
    this.#upsert.run(key, toJson(key, value), Date.now());
  }

  setMany(values: Record<string, unknown>): void {
    this.#setMany(values);
  }

  delete(key: string): void {
    this.#delete.run(key);
  }
}

/**
 * All settings of the database at `path`, without creating or modifying any file; {} when the
 * file does not exist or has no settings table yet (never migrated).
 */
export function readSettingsReadOnly(path: string): Record<string, unknown> {
  return (
    withReadOnlySnapshot(path, (db) => {
      const table = db
        .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'settings'")
        .get();
      if (table === undefined) return {};
      return rowsToRecord(
        db.prepare<[], { key: string; value: string }>('SELECT key, value FROM settings').all(),
      );
    }) ?? {}
  );
}

function rowsToRecord(rows: { key: string; value: string }[]): Record<string, unknown> {
  // fromEntries defines own properties, so a key like "__proto__" cannot reach the prototype.
  return Object.fromEntries(rows.map(({ key, value }) => [key, fromJson(key, value)]));
}

function toJson(key: string, value: unknown): string {
  const json = JSON.stringify(value);
  // JSON.stringify returns undefined for undefined, functions and symbols: nothing we could read back.
  if (typeof json !== 'string') {
    throw new TypeError(
      `Setting ${key}: ${typeof value} is not storable as JSON (use delete to remove a setting)`,
    );
  }
  return json;
}

function fromJson(key: string, json: string): unknown {
  try {
    return JSON.parse(json);
  } catch (err) {
    // Only a hand-edited database gets here; say which key, or the fix is a hunt.
    throw new Error(`Setting ${key} holds invalid JSON in the database`, { cause: err });
  }
}

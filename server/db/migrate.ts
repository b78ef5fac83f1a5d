import { type Migration, migrations } from './migrations.js';
import type { Db } from './open.js';

/** The database was written by a newer Launchpad; running older code on it could corrupt it. */
export class DatabaseTooNewError extends Error {
  readonly found: number;
  readonly supported: number;
  readonly path: string | undefined;

  constructor(found: number, supported: number, path?: string) {
    const where = path ? `The database ${path}` : 'The database';
    super(
      `${where} has schema version ${found}, newer than this Launchpad supports (${supported}). ` +
        'Upgrade Launchpad, or use another data dir.',
    );
    this.name = 'DatabaseTooNewError';
    this.found = found;
    this.supported = supported;
    this.path = path;
  }
}

/** The schema version recorded in the file: the number of the last migration applied. */
export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Brings `db` up to the latest schema (or `target`). Never downgrades. */
export function migrate(db: Db, opts: { target?: number } = {}): { from: number; to: number } {
  return applyMigrations(db, migrations, opts);
}

/**
 * The engine behind `migrate`, taking the migration list as an argument so tests can feed it a
 * broken migration. Internal: the rest of the hub calls `migrate`.
 */
export function applyMigrations(
  db: Db,
  list: readonly Migration[],
  opts: { target?: number } = {},
): { from: number; to: number } {
  checkContiguous(list);
  const supported = list.length;
  const target = opts.target ?? supported;
  if (!Number.isInteger(target) || target < 0 || target > supported) {
    throw new RangeError(`Migration target ${target} is outside 0..${supported}`);
  }

  // Checked before any transaction so a too-new or up-to-date database is not even write-locked.
  const before = schemaVersion(db);
  if (before > supported) throw new DatabaseTooNewError(before, supported, dbPath(db));
  if (before >= target) return { from: before, to: before };

  // IMMEDIATE takes the write lock up front, so two processes starting at once cannot both
  // apply the same migration; the version is re-read under that lock for the same reason.
  const run = db.transaction(() => {
    const from = schemaVersion(db);
    if (from > supported) throw new DatabaseTooNewError(from, supported, dbPath(db));
    if (from >= target) return { from, to: from };
    for (const m of list.slice(from, target)) {
      try {
        db.exec(m.sql);
      } catch (err) {
        // Name the step: the raw sqlite message does not say which migration it came from.
        throw new Error(`Migration ${m.version} (${m.name}) failed: ${(err as Error).message}`, {
          cause: err,
        });
      }
    }
    // A table rebuild can silently orphan rows (foreign_keys is inert inside a transaction).
    const broken = db.pragma('foreign_key_check') as unknown[];
    if (broken.length > 0) {
      throw new Error(`Migrations to version ${target} left ${broken.length} foreign key violation(s)`);
    }
    // user_version lives in the file header and is transactional: a failure above leaves it as it was.
    db.pragma(`user_version = ${target}`);
    return { from, to: target };
  });
  return run.immediate();
}

function checkContiguous(list: readonly Migration[]): void {
  list.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new Error(`Migration list is not numbered 1..N: entry ${i} has version ${m.version}`);
    }
  });
}

/** The file path for error messages; in-memory and temp databases have none worth showing. */
function dbPath(db: Db): string | undefined {
  return db.memory || db.name === '' ? undefined : db.name;
}

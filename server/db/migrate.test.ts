import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyMigrations, DatabaseTooNewError, migrate, schemaVersion } from './migrate.js';
import { LATEST_SCHEMA_VERSION, type Migration, migrations } from './migrations.js';
import { type Db, openDatabase } from './open.js';
import { SettingsRepo } from './settings.js';

let dir: string;
let path: string;
const open: Db[] = [];

function openDb(): Db {
  const db = openDatabase(path);
  open.push(db);
  return db;
}

function tableNames(db: Db): string[] {
  return db
    .prepare<[], string>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    .pluck()
    .all();
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lp-db-migrate-'));
  path = join(dir, 'launchpad.db');
});

afterEach(() => {
  for (const db of open.splice(0)) if (db.open) db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('migrations list', () => {
  it('is numbered 1..N with LATEST_SCHEMA_VERSION = N', () => {
    expect(migrations.map((m) => m.version)).toEqual(migrations.map((_, i) => i + 1));
    expect(LATEST_SCHEMA_VERSION).toBe(migrations.length);
    expect(LATEST_SCHEMA_VERSION).toBeGreaterThanOrEqual(2);
  });
});

describe('openDatabase', () => {
  it('sets WAL, foreign keys, busy timeout and synchronous=NORMAL', () => {
    const db = openDb();
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
    expect(db.pragma('synchronous', { simple: true })).toBe(1);
  });

  it('rejects a file that is not a database', () => {
    writeFileSync(path, 'this is not a sqlite file, just some text long enough to have a header');
    expect(() => openDatabase(path)).toThrow(/not a database/);
  });
});

describe('migrate', () => {
  it('migrates a fresh database from 0 to the latest version', () => {
    const db = openDb();
    expect(schemaVersion(db)).toBe(0);
    expect(migrate(db)).toEqual({ from: 0, to: LATEST_SCHEMA_VERSION });
    expect(schemaVersion(db)).toBe(LATEST_SCHEMA_VERSION);
    expect(tableNames(db)).toEqual([
      'backup_runs',
      'events',
      'host_ports',
      'hosts',
      'join_tokens',
      'login_tokens',
      'projects',
      'sessions',
      'settings',
      'ssh_keys',
    ]);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
  });

  it('is a no-op the second time', () => {
    const db = openDb();
    migrate(db);
    expect(migrate(db)).toEqual({ from: LATEST_SCHEMA_VERSION, to: LATEST_SCHEMA_VERSION });
    expect(schemaVersion(db)).toBe(LATEST_SCHEMA_VERSION);
  });

  it('upgrades an older database and keeps its data', () => {
    const old = openDb();
    expect(migrate(old, { target: 1 })).toEqual({ from: 0, to: 1 });
    expect(tableNames(old)).toEqual(['settings']);
    new SettingsRepo(old).set('publicHost', 'hub.lan');
    old.close();

    const db = openDb();
    expect(migrate(db)).toEqual({ from: 1, to: LATEST_SCHEMA_VERSION });
    expect(new SettingsRepo(db).get('publicHost')).toBe('hub.lan');
    expect(tableNames(db)).toContain('sessions');
  });

  it('never downgrades: a target below the current version changes nothing', () => {
    const db = openDb();
    migrate(db);
    expect(migrate(db, { target: 1 })).toEqual({ from: LATEST_SCHEMA_VERSION, to: LATEST_SCHEMA_VERSION });
    expect(schemaVersion(db)).toBe(LATEST_SCHEMA_VERSION);
  });

  it('rejects a target outside the known versions', () => {
    const db = openDb();
    expect(() => migrate(db, { target: LATEST_SCHEMA_VERSION + 1 })).toThrow(RangeError);
    expect(() => migrate(db, { target: -1 })).toThrow(RangeError);
    expect(schemaVersion(db)).toBe(0);
  });

  it('refuses a database from a newer Launchpad without touching the file', () => {
    const setup = openDb();
    migrate(setup);
    setup.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 5}`);
    setup.close();
    const before = readFileSync(path);

    const db = openDb();
    let caught: unknown;
    try {
      migrate(db);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(DatabaseTooNewError);
    const err = caught as DatabaseTooNewError;
    expect(err.found).toBe(LATEST_SCHEMA_VERSION + 5);
    expect(err.supported).toBe(LATEST_SCHEMA_VERSION);
    expect(err.message).toBe(
      `The database ${path} has schema version ${LATEST_SCHEMA_VERSION + 5}, newer than this Launchpad ` +
        `supports (${LATEST_SCHEMA_VERSION}). Upgrade Launchpad, or use another data dir.`,
    );
    db.close();
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it('omits the path for an in-memory database', () => {
    const err = new DatabaseTooNewError(9, 2);
    expect(err.message).toMatch(/^The database has schema version 9,/);
  });
});

describe('applyMigrations', () => {
  const broken: Migration = {
    version: LATEST_SCHEMA_VERSION + 1,
    name: 'broken',
    sql: 'CREATE TABLE half_done (x INTEGER); SELEC nonsense;',
  };

  it('rolls back every pending migration when one fails', () => {
    const db = openDb();
    expect(() => applyMigrations(db, [...migrations, broken])).toThrow(
      new RegExp(`Migration ${broken.version} \\(broken\\) failed`),
    );
    expect(schemaVersion(db)).toBe(0);
    expect(tableNames(db)).toEqual([]);
  });

  it('leaves an up-to-date database at its version when the next migration fails', () => {
    const db = openDb();
    migrate(db);
    new SettingsRepo(db).set('kept', true);
    expect(() => applyMigrations(db, [...migrations, broken])).toThrow(/broken/);
    expect(schemaVersion(db)).toBe(LATEST_SCHEMA_VERSION);
    expect(tableNames(db)).not.toContain('half_done');
    expect(new SettingsRepo(db).get('kept')).toBe(true);
  });

  it('applies a migration appended to the list', () => {
    const db = openDb();
    migrate(db);
    const next: Migration = {
      version: LATEST_SCHEMA_VERSION + 1,
      name: 'extra',
      sql: 'CREATE TABLE extra (x INTEGER);',
    };
    expect(applyMigrations(db, [...migrations, next])).toEqual({
      from: LATEST_SCHEMA_VERSION,
      to: LATEST_SCHEMA_VERSION + 1,
    });
    expect(tableNames(db)).toContain('extra');
  });

  it('rejects a list that is not numbered 1..N', () => {
    const db = openDb();
    const gap: Migration[] = [
      { version: 1, name: 'a', sql: 'SELECT 1' },
      { version: 3, name: 'c', sql: 'SELECT 1' },
    ];
    expect(() => applyMigrations(db, gap)).toThrow(/not numbered 1..N/);
    expect(schemaVersion(db)).toBe(0);
  });
});

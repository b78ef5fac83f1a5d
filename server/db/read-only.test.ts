import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from './migrate.js';
import { LATEST_SCHEMA_VERSION } from './migrations.js';
import { openDatabase } from './open.js';
import { readSchemaVersionReadOnly } from './read-only.js';
import { readSettingsReadOnly, SettingsRepo } from './settings.js';

let dir: string;
let path: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lp-db-ro-'));
  path = join(dir, 'launchpad.db');
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function createClosedDb(settings: Record<string, unknown>): void {
  const db = openDatabase(path);
  migrate(db);
  new SettingsRepo(db).setMany(settings);
  db.close();
}

describe('read-only access', () => {
  it('reports a missing database without creating a file', () => {
    expect(readSchemaVersionReadOnly(path)).toBeNull();
    expect(readSettingsReadOnly(path)).toEqual({});
    expect(existsSync(path)).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('reads a closed WAL database without creating -wal/-shm or changing it', () => {
    createClosedDb({ publicHost: 'hub.lan', basePort: 9300 });
    expect(readdirSync(dir)).toEqual(['launchpad.db']);
    const before = readFileSync(path);

    expect(readSchemaVersionReadOnly(path)).toBe(LATEST_SCHEMA_VERSION);
    expect(readSettingsReadOnly(path)).toEqual({ publicHost: 'hub.lan', basePort: 9300 });

    expect(readdirSync(dir)).toEqual(['launchpad.db']);
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it('sees commits still in the WAL of a running hub', () => {
    const hub = openDatabase(path);
    try {
      migrate(hub);
      new SettingsRepo(hub).set('mode', 'local');
      expect(existsSync(`${path}-wal`)).toBe(true);
      expect(readSettingsReadOnly(path)).toEqual({ mode: 'local' });
      expect(readSchemaVersionReadOnly(path)).toBe(LATEST_SCHEMA_VERSION);
    } finally {
      hub.close();
    }
  });

  it('treats a never-migrated database as version 0 with no settings', () => {
    openDatabase(path).close();
    expect(readSchemaVersionReadOnly(path)).toBe(0);
    expect(readSettingsReadOnly(path)).toEqual({});
  });
});

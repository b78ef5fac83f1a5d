import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from './migrate.js';
import { type Db, openDatabase } from './open.js';
import { SettingsRepo } from './settings.js';

let dir: string;
let db: Db;
let settings: SettingsRepo;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lp-db-settings-'));
  db = openDatabase(join(dir, 'launchpad.db'));
  migrate(db);
  settings = new SettingsRepo(db);
});

afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('SettingsRepo', () => {
  it('round-trips JSON values of every kind', () => {
    const values: Record<string, unknown> = {
      text: 'hello',
      number: 9200,
      fraction: 0.25,
      yes: true,
      no: false,
      nothing: null,
      list: [1, 'two'],
      object: { nested: { port: 22, hosts: ['a', 'b'] } },
    };
    for (const [k, v] of Object.entries(values)) settings.set(k, v);
    for (const [k, v] of Object.entries(values)) expect(settings.get(k)).toEqual(v);
    expect(settings.all()).toEqual(values);
  });

  it('returns undefined for a missing key, and after delete', () => {
    expect(settings.get('missing')).toBeUndefined();
    settings.set('k', 1);
    settings.delete('k');
    expect(settings.get('k')).toBeUndefined();
    expect(() => settings.delete('never-set')).not.toThrow();
  });

  it('overwrites a value and records when', () => {
    settings.set('k', 'a');
    settings.set('k', 'b');
    expect(settings.get('k')).toBe('b');
    const row = db
      .prepare<[], { updated_at: number }>("SELECT updated_at FROM settings WHERE key = 'k'")
      .get();
    expect(Number.isInteger(row?.updated_at)).toBe(true);
    expect(Math.abs(Date.now() - (row?.updated_at ?? 0))).toBeLessThan(60_000);
  });

  it('saves setMany in one transaction: all or nothing', () => {
    settings.setMany({ a: 1, b: 'two' });
    expect(settings.all()).toEqual({ a: 1, b: 'two' });
    expect(() => settings.setMany({ a: 100, c: 3, bad: undefined })).toThrow(TypeError);
    expect(settings.all()).toEqual({ a: 1, b: 'two' });
  });

  it('refuses values JSON cannot hold', () => {
    expect(() => settings.set('k', undefined)).toThrow(/use delete/);
    expect(() => settings.set('k', () => 1)).toThrow(TypeError);
    expect(settings.get('k')).toBeUndefined();
  });

  it('keeps a "__proto__" key as plain data', () => {
    settings.set('__proto__', { polluted: true });
    const all = settings.all();
    expect(Object.getPrototypeOf(all)).toBe(Object.prototype);
    expect(Object.hasOwn(all, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

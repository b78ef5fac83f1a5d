import { describe, expect, it } from 'vitest';
import { formatBytes, formatFiles, restoreFolderFor, restorePath } from './backup-format.js';

describe('formatBytes', () => {
  it('uses binary units with one decimal below 10', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(153 * 1024 * 1024)).toBe('153 MiB');
    expect(formatBytes(10239)).toBe('10 KiB');
    expect(formatBytes(3 * 1024 ** 4)).toBe('3.0 TiB');
  });
});

describe('formatFiles', () => {
  it('counts files', () => {
    expect(formatFiles(1)).toBe('1 file');
    expect(formatFiles(12345)).toBe('12,345 files');
  });
});

describe('restoreFolderFor', () => {
  it('names the folder after the snapshot time in UTC', () => {
    expect(restoreFolderFor('2026-11-22T10:00:00.123456789Z')).toBe('restore-2026-11-22T10-00-00Z/');
    expect(restoreFolderFor('2026-11-22T11:00:05.5+01:00')).toBe('restore-2026-11-22T10-00-05Z/');
  });
});

describe('restorePath', () => {
  it('takes a relative path inside the project', () => {
    expect(restorePath('  ')).toBeNull();
    expect(restorePath('./notes/a.md ')).toBe('notes/a.md');
    expect(() => restorePath('/etc/passwd')).toThrow(/relative/);
    expect(() => restorePath('a/../../b')).toThrow(/inside the project/);
  });
});

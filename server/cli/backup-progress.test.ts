import { describe, expect, it } from 'vitest';
import { formatBytes, formatEta, progressReporter, progressText } from './backup-progress.js';

const p = (percent: number) => ({
  percent,
  bytesDone: percent * 1_048_576,
  totalBytes: 104_857_600,
  filesDone: percent,
  totalFiles: 100,
  etaSeconds: 125,
});

describe('backup progress', () => {
  it('formats bytes in binary units and ETAs in minutes and hours', () => {
    expect([0, 512, 1536, 10 * 1024 * 1024, 3 * 1024 ** 3].map(formatBytes)).toEqual([
      '0 B',
      '512 B',
      '1.5 KiB',
      '10 MiB',
      '3.0 GiB',
    ]);
    expect([null, 45, 200, 7500].map(formatEta)).toEqual(['—', '45s', '3m20s', '2h05m']);
    expect(progressText(p(42))).toBe(' 42%  42 MiB of 100 MiB  42 of 100 files  ETA 2m05s');
  });

  it('redraws one bar in place on a terminal and ends its line', () => {
    let out = '';
    const r = progressReporter((s) => {
      out += s;
    }, true);
    r.update(p(50));
    r.update(p(100));
    r.end();
    expect(out).toBe(
      `\r[${'#'.repeat(12)}${'.'.repeat(12)}]  50%  50 MiB of 100 MiB  50 of 100 files  ETA 2m05s\x1b[K` +
        `\r[${'#'.repeat(24)}] 100%  100 MiB of 100 MiB  100 of 100 files  ETA 2m05s\x1b[K\n`,
    );
  });

  it('writes plain lines elsewhere, at most one per interval and only when something changed', () => {
    const lines: string[] = [];
    let now = 0;
    const r = progressReporter((s) => lines.push(s), false, { plainEveryMs: 1000, now: () => now });
    r.update(p(10));
    now = 500;
    r.update(p(20));
    now = 1500;
    r.update(p(20));
    now = 3000;
    r.update(p(20));
    r.end();
    expect(lines).toEqual([
      'backup:  10%  10 MiB of 100 MiB  10 of 100 files  ETA 2m05s\n',
      'backup:  20%  20 MiB of 100 MiB  20 of 100 files  ETA 2m05s\n',
    ]);
  });
});

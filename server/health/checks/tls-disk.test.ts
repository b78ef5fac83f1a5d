import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { checkDisk } from './disk.js';
import { checkTls } from './tls.js';

const DAY = 86_400_000;
const now = new Date('2030-01-01T00:00:00Z');

describe('tls check', () => {
  it('ok with the days left, warn under 30 days, error once expired', () => {
    expect(checkTls({ notAfter: new Date(now.getTime() + 400 * DAY), custom: false }, now)).toMatchObject({
      id: 'tls',
      status: 'ok',
      message: 'Valid for 400 more days (until 2031-02-05)',
      fix: null,
    });
    const soon = checkTls({ notAfter: new Date(now.getTime() + 10 * DAY), custom: true }, now);
    expect(soon).toMatchObject({
      status: 'warn',
      message: 'The certificate expires in 10 days (2030-01-11)',
    });
    expect(soon.fix).toMatch(/COCALC_TLS_CERT/);
    const gone = checkTls({ notAfter: new Date(now.getTime() - DAY), custom: false }, now);
    expect(gone).toMatchObject({ status: 'error', message: expect.stringMatching(/expired on 2029-12-31/) });
    expect(gone.fix).toMatch(/Restart the hub/);
  });
});

describe('disk check', () => {
  const fs = (freePercent: number) => async () => ({
    bsize: 4096,
    blocks: 1_000_000,
    bavail: freePercent * 10_000,
  });

  it('reads the real data dir’s disk', async () => {
    const r = await checkDisk(tmpdir());
    expect(r.id).toBe('disk');
    expect(r.message).toMatch(/free of .* on the disk of/);
  });

  it('< 5 % free is a warning, < 1 % an error, with the free space in the message', async () => {
    expect((await checkDisk('/data', fs(30))).status).toBe('ok');
    const warn = await checkDisk('/data', fs(4));
    expect(warn).toMatchObject({
      status: 'warn',
      message: '156 MiB free of 3.8 GiB (4.0 %) on the disk of /data',
    });
    expect(warn.fix).toMatch(/Free space/);
    expect((await checkDisk('/data', fs(0.5))).status).toBe('error');
  });

  it('a statfs failure is an error naming the directory', async () => {
    const r = await checkDisk('/nope', async () => {
      throw Object.assign(new Error('no such file or directory'), { code: 'ENOENT' });
    });
    expect(r).toMatchObject({
      status: 'error',
      message: 'Cannot read the free space of /nope: ENOENT: no such file or directory',
    });
  });
});

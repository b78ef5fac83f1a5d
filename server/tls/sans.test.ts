import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { desiredSans } from './index.js';
import { parseSubjectAltName, sameSans } from './sans.js';

describe('desiredSans', () => {
  it('lists loopback, the hostname and the public host in order', () => {
    const expected = [...new Set(['localhost', '127.0.0.1', '::1', hostname(), 'hub.example.lan'])];
    expect(desiredSans('hub.example.lan')).toEqual(expected);
  });

  it('drops duplicates, keeping the first', () => {
    expect(desiredSans('localhost').filter((s) => s === 'localhost')).toHaveLength(1);
    expect(desiredSans('127.0.0.1').filter((s) => s === '127.0.0.1')).toHaveLength(1);
    expect(desiredSans('0:0:0:0:0:0:0:1').filter((s) => s === '::1')).toHaveLength(1);
    expect(desiredSans(hostname().toUpperCase())).toEqual(desiredSans(hostname()));
  });
});

describe('sameSans', () => {
  it('ignores order, case and IPv6 spelling', () => {
    expect(sameSans(['a.example', '::1'], ['0:0:0:0:0:0:0:1', 'A.example'])).toBe(true);
    expect(sameSans(['a.example'], ['a.example', 'b.example'])).toBe(false);
  });
});

describe('parseSubjectAltName', () => {
  it('reads DNS and IP entries, skipping other kinds', () => {
    expect(
      parseSubjectAltName(
        'DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, email:a@b.c, DNS:hub.lan',
      ),
    ).toEqual(['localhost', '127.0.0.1', '::1', 'hub.lan']);
  });

  it('keeps quoted values whole', () => {
    expect(parseSubjectAltName('DNS:"evil.example, DNS:good.example", DNS:x.example')).toEqual([
      'evil.example, DNS:good.example',
      'x.example',
    ]);
  });

  it('handles a missing extension', () => {
    expect(parseSubjectAltName(undefined)).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { cookieValue, withoutCookie } from './cookie-header.js';

describe('cookie header scans', () => {
  it('finds a cookie by its whole name', () => {
    expect(cookieValue('lp_session=abc', 'lp_session')).toBe('abc');
    expect(cookieValue('a=1; lp_session=abc; b=2', 'lp_session')).toBe('abc');
    expect(cookieValue('a=1;lp_session=abc', 'lp_session')).toBe('abc');
    expect(cookieValue('xlp_session=bad; lp_session=good', 'lp_session')).toBe('good');
    expect(cookieValue('xlp_session=bad', 'lp_session')).toBeUndefined();
    expect(cookieValue('lp_session="q"', 'lp_session')).toBe('q');
    expect(cookieValue('lp_session=a%2Bb', 'lp_session')).toBe('a+b');
    expect(cookieValue('lp_session=%zz', 'lp_session')).toBe('%zz');
    expect(cookieValue(undefined, 'lp_session')).toBeUndefined();
    expect(cookieValue('lp_session=first; lp_session=second', 'lp_session')).toBe('first');
  });

  it('removes a cookie and keeps the rest', () => {
    const header = 'a=1; lp_session=abc; b=2';
    expect(withoutCookie(header, 'lp_session')).toBe('a=1; b=2');
    expect(withoutCookie('lp_session=abc', 'lp_session')).toBeUndefined();
    expect(withoutCookie('lp_session=x; lp_session=y; c=3', 'lp_session')).toBe('c=3');
    expect(withoutCookie('xlp_session=keep', 'lp_session')).toBe('xlp_session=keep');
    expect(withoutCookie('a=1; xlp_session=keep; lp_session=drop', 'lp_session')).toBe(
      'a=1; xlp_session=keep',
    );
    const untouched = 'a=1; b=2';
    expect(withoutCookie(untouched, 'lp_session')).toBe(untouched);
  });
});

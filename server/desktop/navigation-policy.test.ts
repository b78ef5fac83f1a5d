import { describe, expect, it } from 'vitest';
import { DEFAULT_EXTERNAL_HOSTS, decideNavigation, type NavigationPolicy } from './navigation-policy.js';
import { isSameOrigin, originOf } from './origin.js';
import { decidePermission } from './permission-policy.js';

const HUB = 'https://127.0.0.1:9200';
const policy: NavigationPolicy = {
  hubOrigin: HUB,
  externalHosts: ['github.com', '*.cocalc.com'],
  externalOrigins: ['https://192.168.1.20:9200'],
};

describe('decideNavigation', () => {
  it('keeps the hub origin in the window', () => {
    for (const url of [
      `${HUB}/`,
      `${HUB}/settings?x=1#top`,
      'https://127.0.0.1:9200',
      `${HUB}/login?token=abc`,
    ]) {
      expect(decideNavigation(url, policy), url).toBe('in-window');
    }
  });

  it('does not treat look-alikes of the hub as the hub', () => {
    for (const url of [
      'http://127.0.0.1:9200/',
      'https://127.0.0.1:9201/',
      'https://localhost:9200/',
      'https://127.0.0.1.evil.com:9200/',
      'https://[::1]:9200/',
    ]) {
      expect(decideNavigation(url, policy), url).toBe('deny');
    }
  });

  it('sends allowlisted https links to the system browser', () => {
    expect(decideNavigation('https://github.com/sagemathinc/cocalc', policy)).toBe('system-browser');
    expect(decideNavigation('https://doc.cocalc.com/x.html', policy)).toBe('system-browser');
    expect(decideNavigation('https://GITHUB.COM/', policy)).toBe('system-browser');
    expect(decideNavigation('https://github.com:443/', policy)).toBe('system-browser');
  });

  it('sends the extra origins (the hub’s LAN URL) to the system browser, only on that exact origin', () => {
    expect(decideNavigation('https://192.168.1.20:9200/', policy)).toBe('system-browser');
    expect(decideNavigation('https://192.168.1.20:9300/', policy)).toBe('deny');
    expect(decideNavigation('http://192.168.1.20:9200/', policy)).toBe('deny');
  });

  it('matches wildcard patterns on subdomains only, and exact hosts exactly', () => {
    expect(decideNavigation('https://cocalc.com/', policy)).toBe('deny');
    expect(decideNavigation('https://evilcocalc.com/', policy)).toBe('deny');
    expect(decideNavigation('https://cocalc.com.evil.net/', policy)).toBe('deny');
    expect(decideNavigation('https://gist.github.com/', policy)).toBe('deny');
    expect(decideNavigation('https://github.com.evil.net/', policy)).toBe('deny');
  });

  it('refuses plain http, credentials in the URL, unknown hosts and other schemes', () => {
    for (const url of [
      'http://github.com/',
      'https://user:pass@github.com/',
      'https://github.com@evil.com/',
      'https://user@127.0.0.1:9200/',
      'https://example.org/',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'about:blank',
      'mailto:someone@example.org',
      `blob:${HUB}/0f1e`,
      'chrome://settings',
      'not a url',
      '',
    ]) {
      expect(decideNavigation(url, policy), url).toBe('deny');
    }
  });

  it('has a default allowlist of https documentation hosts', () => {
    const defaults = { hubOrigin: HUB, externalHosts: DEFAULT_EXTERNAL_HOSTS };
    expect(decideNavigation('https://github.com/', defaults)).toBe('system-browser');
    expect(decideNavigation('https://doc.cocalc.com/', defaults)).toBe('system-browser');
    expect(decideNavigation('https://example.org/', defaults)).toBe('deny');
  });
});

describe('origins', () => {
  it('normalises default ports, case and IPv6', () => {
    expect(originOf('https://Example.COM:443/x')).toBe('https://example.com');
    expect(originOf('https://[::1]:9200/a')).toBe('https://[::1]:9200');
    expect(isSameOrigin('https://127.0.0.1:9200/a?b', 'https://127.0.0.1:9200')).toBe(true);
  });

  it('has none for opaque and malformed URLs', () => {
    for (const url of ['about:blank', 'data:text/plain,x', 'file:///tmp/x', 'garbage', '', null, undefined]) {
      expect(originOf(url), String(url)).toBeNull();
      expect(isSameOrigin(url, 'https://127.0.0.1:9200')).toBe(false);
    }
  });
});

describe('decidePermission', () => {
  it('grants clipboard writes and fullscreen to the hub only', () => {
    expect(decidePermission('clipboard-sanitized-write', `${HUB}/`, HUB)).toBe(true);
    expect(decidePermission('fullscreen', `${HUB}/x`, HUB)).toBe(true);
    expect(decidePermission('clipboard-sanitized-write', 'https://evil.com/', HUB)).toBe(false);
  });

  it('never grants anything else', () => {
    for (const p of ['media', 'notifications', 'geolocation', 'clipboard-read', 'openExternal', 'midi']) {
      expect(decidePermission(p, `${HUB}/`, HUB), p).toBe(false);
    }
  });
});

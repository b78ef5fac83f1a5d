import { describe, expect, it } from 'vitest';
import { BRIDGE_METHODS, IPC_CHANNELS } from './ipc-channels.js';
import { checkIpcCall, IPC_ARGS, MAX_COPY_TEXT } from './ipc-contract.js';

const HUB = 'https://127.0.0.1:9200';
const FROM_HUB = `${HUB}/overview`;

describe('IPC channels', () => {
  it('has one distinct, namespaced channel and one schema per bridge function', () => {
    expect(BRIDGE_METHODS.sort()).toEqual([
      'copyText',
      'openDataFolder',
      'restartHub',
      'revealLogs',
      'setDataDir',
    ]);
    const channels = Object.values(IPC_CHANNELS);
    expect(new Set(channels).size).toBe(channels.length);
    for (const c of channels) expect(c).toMatch(/^launchpad:[a-z-]+$/);
    expect(Object.keys(IPC_ARGS).sort()).toEqual([...BRIDGE_METHODS].sort());
  });
});

describe('checkIpcCall', () => {
  it('accepts well-formed calls from the hub page', () => {
    expect(checkIpcCall('restartHub', FROM_HUB, [], HUB)).toEqual({ ok: true, args: [] });
    expect(checkIpcCall('openDataFolder', FROM_HUB, [], HUB)).toEqual({ ok: true, args: [] });
    expect(checkIpcCall('revealLogs', `${HUB}/`, [], HUB)).toEqual({ ok: true, args: [] });
    expect(checkIpcCall('copyText', FROM_HUB, ['https://192.168.1.20:9200'], HUB)).toEqual({
      ok: true,
      args: ['https://192.168.1.20:9200'],
    });
    expect(checkIpcCall('copyText', FROM_HUB, [''], HUB)).toEqual({ ok: true, args: [''] });
    expect(checkIpcCall('setDataDir', FROM_HUB, ['/home/me/launchpad'], HUB)).toEqual({
      ok: true,
      args: ['/home/me/launchpad'],
    });
    const env = { COCALC_PRODUCT: 'launchpad', COCALC_DEPLOYMENT_MODE: 'local', COCALC_BASE_PORT: '9300' };
    expect(checkIpcCall('setDataDir', FROM_HUB, ['/srv/lp', env], HUB)).toEqual({
      ok: true,
      args: ['/srv/lp', env],
    });
  });

  it('refuses any sender that is not a frame on the hub origin', () => {
    for (const sender of [
      'https://evil.com/',
      'http://127.0.0.1:9200/',
      'https://127.0.0.1:9201/',
      'https://localhost:9200/',
      'file:///tmp/x.html',
      'about:blank',
      'data:text/html,x',
      '',
      null,
      undefined,
    ]) {
      const r = checkIpcCall('restartHub', sender, [], HUB);
      expect(r.ok, String(sender)).toBe(false);
      if (!r.ok) expect(r.reason).toMatch(/^restartHub: refused for a frame outside the hub/);
    }
  });

  it('refuses missing, extra and mistyped arguments', () => {
    const bad: [Parameters<typeof checkIpcCall>[0], unknown[]][] = [
      ['restartHub', ['x']],
      ['openDataFolder', [1]],
      ['revealLogs', [undefined]],
      ['copyText', []],
      ['copyText', [42]],
      ['copyText', ['a', 'b']],
      ['copyText', [{ toString: () => 'x' }]],
      ['copyText', ['x'.repeat(MAX_COPY_TEXT + 1)]],
      ['setDataDir', []],
      ['setDataDir', ['relative/dir']],
      ['setDataDir', ['']],
      ['setDataDir', ['/tmp/a\0b']],
      ['setDataDir', [`/${'a'.repeat(5000)}`]],
      ['setDataDir', ['/ok', '/extra']],
      ['setDataDir', [null]],
      // Only the wizard's COCALC_* choices may reach the hub's env: never NODE_OPTIONS and the like.
      ['setDataDir', ['/ok', { NODE_OPTIONS: '--require /tmp/x.js' }]],
      ['setDataDir', ['/ok', { COCALC_DATA_DIR: '/elsewhere' }]],
      ['setDataDir', ['/ok', { COCALC_PRODUCT: 42 }]],
    ];
    for (const [method, args] of bad) {
      const r = checkIpcCall(method, FROM_HUB, args, HUB);
      expect(r.ok, `${method}(${JSON.stringify(args).slice(0, 40)})`).toBe(false);
      if (!r.ok) expect(r.reason).toContain(`${method}: invalid arguments`);
    }
  });

  it('accepts copy text up to the limit', () => {
    expect(checkIpcCall('copyText', FROM_HUB, ['x'.repeat(MAX_COPY_TEXT)], HUB).ok).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import type { HealthCheck, HealthReport, Status } from '../api/index.js';
import type { HubSnapshot } from './hub-supervisor.js';
import { hubHealth, TRAY_ICONS, type TrayMenuItem, trayMenu } from './tray-menu.js';

function status(over: Partial<Status> = {}, lan: string | null = 'https://192.168.1.20:9200'): Status {
  return {
    product: 'launchpad',
    deploymentMode: 'local',
    version: '0.1.0',
    uptimeSeconds: 12,
    ports: { https: 9200, sshd: 9201, http: null },
    tls: { leafFingerprint: 'AA:BB', caFingerprint: 'CC:DD', custom: false },
    restartRequired: false,
    sshd: { listening: true, port: 9201, hostKeyFingerprint: 'SHA256:abc', connections: 0 },
    signedIn: true,
    detail: {
      dataDir: '/data',
      publicHost: '192.168.1.20',
      urls: { loopback: 'https://127.0.0.1:9200', lan },
      pid: 1,
      startedAt: '2030-01-01T00:00:00.000Z',
      tlsNotAfter: '2031-01-01T00:00:00.000Z',
      activeSessions: 1,
      setupRequired: false,
    },
    ...over,
  };
}

const STATES: Record<string, HubSnapshot> = {
  ready: { phase: 'running', status: status() },
  degraded: { phase: 'running', status: status({ restartRequired: true }) },
  error: {
    phase: 'error',
    problem: {
      title: 't',
      message: 'COCALC_BASE_PORT: port 9200 (HTTPS) is already in use. Stop it',
      userCanFix: true,
    },
  },
  stopped: { phase: 'stopped' },
  starting: { phase: 'starting' },
  stopping: { phase: 'stopping' },
};

function item(items: TrayMenuItem[], id: string): TrayMenuItem {
  const found = items.find((i) => i.id === id);
  if (!found) throw new Error(`no item ${id} in ${items.map((i) => i.id).join(', ')}`);
  return found;
}

function enabledActions(snapshot: HubSnapshot): string[] {
  return trayMenu({ hub: snapshot, startAtLogin: false })
    .items.filter((i) => i.enabled && i.type !== 'separator' && i.id !== 'status')
    .map((i) => i.id);
}

describe('trayMenu', () => {
  it('always has the same rows, in order, whatever the state (AppIndicator needs a menu)', () => {
    for (const [name, hub] of Object.entries(STATES)) {
      const ids = trayMenu({ hub, startAtLogin: false }).items.map((i) => i.id);
      const startStop =
        name === 'ready' || name === 'degraded' || name === 'stopping' ? 'stop-hub' : 'start-hub';
      expect(ids, name).toEqual([
        'status',
        'copy-lan-url',
        'separator-1',
        'open-dashboard',
        startStop,
        'open-data-folder',
        'separator-2',
        'start-at-login',
        'quit',
      ]);
    }
  });

  it('ready: green icon, running line, LAN URL copyable, dashboard and Stop enabled', () => {
    const m = trayMenu({ hub: STATES.ready!, startAtLogin: false });
    expect(m.icon).toBe('ready');
    expect(item(m.items, 'status')).toEqual({
      id: 'status',
      label: 'Hub running: Launchpad, local network',
      enabled: false,
    });
    expect(item(m.items, 'copy-lan-url')).toEqual({
      id: 'copy-lan-url',
      label: 'Copy LAN URL: https://192.168.1.20:9200',
      enabled: true,
    });
    expect(m.lanUrl).toBe('https://192.168.1.20:9200');
    expect(m.tooltip).toBe('Launchpad: Hub running: Launchpad, local network');
    expect(enabledActions(STATES.ready!)).toEqual([
      'copy-lan-url',
      'open-dashboard',
      'stop-hub',
      'open-data-folder',
      'start-at-login',
      'quit',
    ]);
  });

  it('degraded (restart required): amber icon and says why, still fully usable', () => {
    const m = trayMenu({ hub: STATES.degraded!, startAtLogin: false });
    expect(m.icon).toBe('degraded');
    expect(item(m.items, 'status').label).toBe(
      'Hub running: Launchpad, local network (restart to apply settings)',
    );
    expect(enabledActions(STATES.degraded!)).toEqual(enabledActions(STATES.ready!));
  });

  it('error: red icon, the first line of the message cut to fit, Start enabled, no dashboard', () => {
    const m = trayMenu({ hub: STATES.error!, startAtLogin: false });
    expect(m.icon).toBe('error');
    const label = item(m.items, 'status').label;
    expect(label.startsWith('Hub error: COCALC_BASE_PORT: port 9200 (HTTPS) is already in use')).toBe(true);
    expect(label.endsWith('…')).toBe(true);
    expect(label.length).toBeLessThanOrEqual('Hub error: '.length + 60);
    expect(item(m.items, 'copy-lan-url')).toMatchObject({
      enabled: false,
      label: 'LAN URL: hub not running',
    });
    expect(m.lanUrl).toBeNull();
    expect(enabledActions(STATES.error!)).toEqual([
      'start-hub',
      'open-data-folder',
      'start-at-login',
      'quit',
    ]);
  });

  it('error: a multi-line message shows its first line only', () => {
    const hub: HubSnapshot = {
      phase: 'error',
      problem: { title: 't', message: 'short first line\nsecond line', userCanFix: false },
    };
    expect(item(trayMenu({ hub, startAtLogin: false }).items, 'status').label).toBe(
      'Hub error: short first line',
    );
  });

  it('stopped: grey icon, Start enabled', () => {
    const m = trayMenu({ hub: STATES.stopped!, startAtLogin: false });
    expect(m.icon).toBe('stopped');
    expect(item(m.items, 'status').label).toBe('Hub stopped');
    expect(item(m.items, 'start-hub')).toEqual({ id: 'start-hub', label: 'Start hub', enabled: true });
    expect(enabledActions(STATES.stopped!)).toEqual([
      'start-hub',
      'open-data-folder',
      'start-at-login',
      'quit',
    ]);
  });

  it('starting and stopping: grey icon, the pending button shown but disabled', () => {
    const starting = trayMenu({ hub: STATES.starting!, startAtLogin: false });
    expect(starting.icon).toBe('stopped');
    expect(item(starting.items, 'status').label).toBe('Hub starting…');
    expect(item(starting.items, 'start-hub').enabled).toBe(false);
    expect(enabledActions(STATES.starting!)).toEqual(['open-data-folder', 'start-at-login', 'quit']);

    const stopping = trayMenu({ hub: STATES.stopping!, startAtLogin: false });
    expect(stopping.icon).toBe('stopped');
    expect(item(stopping.items, 'status').label).toBe('Hub stopping…');
    expect(item(stopping.items, 'stop-hub').enabled).toBe(false);
  });

  it('a hub without a LAN URL (Plus, cloud) says so and offers nothing to copy', () => {
    const plus: HubSnapshot = {
      phase: 'running',
      status: status({ product: 'plus', deploymentMode: null }, null),
    };
    const m = trayMenu({ hub: plus, startAtLogin: false });
    expect(item(m.items, 'status').label).toBe('Hub running: Plus');
    expect(item(m.items, 'copy-lan-url')).toMatchObject({ enabled: false });
    expect(item(m.items, 'copy-lan-url').label).toMatch(/^No LAN URL/);
    expect(m.lanUrl).toBeNull();

    const cloud: HubSnapshot = {
      phase: 'running',
      status: status({ product: 'launchpad', deploymentMode: 'cloud' }, null),
    };
    expect(item(trayMenu({ hub: cloud, startAtLogin: false }).items, 'status').label).toBe(
      'Hub running: Launchpad, cloud',
    );
  });

  it('Start at login is a checkbox that mirrors the setting', () => {
    for (const startAtLogin of [true, false]) {
      expect(item(trayMenu({ hub: STATES.ready!, startAtLogin }).items, 'start-at-login')).toEqual({
        id: 'start-at-login',
        label: 'Start at login',
        enabled: true,
        type: 'checkbox',
        checked: startAtLogin,
      });
    }
  });

  it('is a pure function: same input, equal output; plain JSON', () => {
    const a = trayMenu({ hub: STATES.ready!, startAtLogin: true });
    const b = trayMenu({ hub: STATES.ready!, startAtLogin: true });
    expect(a).toEqual(b);
    expect(JSON.parse(JSON.stringify(a))).toEqual(a);
  });

  it('uses only icons that exist', () => {
    for (const hub of Object.values(STATES)) {
      expect(TRAY_ICONS).toContain(trayMenu({ hub, startAtLogin: false }).icon);
    }
  });
});

describe('hubHealth', () => {
  it('names each state', () => {
    expect(Object.fromEntries(Object.entries(STATES).map(([k, v]) => [k, hubHealth(v)]))).toEqual({
      ready: 'ready',
      degraded: 'degraded',
      error: 'error',
      stopped: 'stopped',
      starting: 'starting',
      stopping: 'stopping',
    });
  });
});

describe('hosts in the tray', () => {
  const running: HubSnapshot = { phase: 'running', status: status() };
  it('shows how many joined hosts are online and offline while the hub runs', () => {
    const items = trayMenu({ hub: running, startAtLogin: false, hosts: { online: 2, offline: 1 } }).items;
    expect(items[1]).toEqual({ id: 'hosts', label: 'Hosts: 2 online, 1 offline', enabled: false });
    expect(
      trayMenu({ hub: running, startAtLogin: false, hosts: { online: 0, offline: 0 } }).items[1]?.label,
    ).toBe('No hosts joined yet');
  });

  it('has no hosts line for Plus (no counts given) or a stopped hub', () => {
    expect(trayMenu({ hub: running, startAtLogin: false }).items.some((i) => i.id === 'hosts')).toBe(false);
    const stopped = trayMenu({
      hub: { phase: 'stopped' },
      startAtLogin: false,
      hosts: { online: 1, offline: 0 },
    });
    expect(stopped.items.some((i) => i.id === 'hosts')).toBe(false);
  });
});

describe('health in the tray', () => {
  const running: HubSnapshot = { phase: 'running', status: status() };
  const check = (over: Partial<HealthCheck>): HealthCheck => ({
    id: 'x',
    title: 'X',
    scope: 'hub',
    status: 'ok',
    message: 'fine',
    since: '2030-01-01T00:00:00.000Z',
    fix: null,
    subject: null,
    ...over,
  });
  const report = (summary: HealthReport['summary'], checks: HealthCheck[]): HealthReport => ({
    summary,
    checkedAt: '2030-01-01T00:00:00.000Z',
    checks,
  });
  const sftp = check({
    id: 'sftp-write',
    title: 'Backup repository (SFTP)',
    status: 'error',
    message: 'Cannot write to the backup repository /data/backup-repo: Permission denied',
    fix: 'Make it writable',
  });
  const tunnel = check({
    id: 'host-tunnel:h1',
    title: 'Tunnel of lab-box',
    scope: 'host',
    status: 'error',
    message: 'Offline',
    subject: { kind: 'host', id: 'h1', name: 'lab-box' },
  });

  it('ready: green icon and a "Health: Ready" line under the status', () => {
    const m = trayMenu({ hub: running, startAtLogin: false, health: report('ready', [check({})]) });
    expect(m.icon).toBe('ready');
    expect(m.items[1]).toEqual({ id: 'health', label: 'Health: Ready', enabled: false });
    expect(m.tooltip).toBe('Launchpad: Hub running: Launchpad, local network · Ready');
  });

  it('degraded: amber icon, the worst problem named, the hub stays stoppable', () => {
    const m = trayMenu({
      hub: running,
      startAtLogin: false,
      health: report('degraded', [check({}), tunnel]),
    });
    expect(m.icon).toBe('degraded');
    expect(item(m.items, 'health').label).toBe('Health: Degraded — Tunnel of lab-box: Offline');
    expect(item(m.items, 'stop-hub').enabled).toBe(true);
    expect(item(m.items, 'open-dashboard').enabled).toBe(true);
  });

  it('error: red icon, a hub error named before a host error, the count of the others, cut to one line', () => {
    const m = trayMenu({ hub: running, startAtLogin: false, health: report('error', [tunnel, sftp]) });
    expect(m.icon).toBe('error');
    const label = item(m.items, 'health').label;
    expect(label).toMatch(/^Health: Error — Backup repository \(SFTP\): Cannot write.*… \(\+1 more\)$/);
    expect(m.tooltip).toMatch(/· Error$/);
    // Still a running hub: Stop, not Start.
    expect(item(m.items, 'stop-hub').enabled).toBe(true);
    expect(m.items.some((i) => i.id === 'start-hub')).toBe(false);
  });

  it('a stopped hub shows no health line even if a report is passed', () => {
    const m = trayMenu({ hub: { phase: 'stopped' }, startAtLogin: false, health: report('error', [sftp]) });
    expect(m.items.some((i) => i.id === 'health')).toBe(false);
    expect(m.icon).toBe('stopped');
  });

  it('the health line comes before the hosts line', () => {
    const ids = trayMenu({
      hub: running,
      startAtLogin: false,
      hosts: { online: 1, offline: 0 },
      health: report('ready', []),
    }).items.map((i) => i.id);
    expect(ids.slice(0, 3)).toEqual(['status', 'health', 'hosts']);
  });

  it('hubHealth: the summary decides for a running hub; restart required is at least degraded', () => {
    expect(hubHealth(running, report('error', [sftp]))).toBe('error');
    expect(hubHealth(running, report('degraded', [tunnel]))).toBe('degraded');
    expect(hubHealth(running, report('ready', []))).toBe('ready');
    expect(hubHealth(STATES.degraded!, report('ready', []))).toBe('degraded');
    expect(hubHealth(running, null)).toBe('ready');
  });
});

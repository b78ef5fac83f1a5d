import type { HealthCheck, HealthReport, Status } from '../api/index.js';
import type { HubSnapshot } from './hub-supervisor.js';

/** The hub's state as the tray shows it. */
export type HubHealth = 'starting' | 'ready' | 'degraded' | 'error' | 'stopping' | 'stopped';

/** The tray icons in resources/icons/ (`tray-<name>.png`, 16 px, and `tray-<name>@2x.png`, 32 px). */
export type TrayIcon = 'ready' | 'degraded' | 'error' | 'stopped';
export const TRAY_ICONS: readonly TrayIcon[] = ['ready', 'degraded', 'error', 'stopped'];

export type TrayAction =
  | 'copy-lan-url'
  | 'open-dashboard'
  | 'start-hub'
  | 'stop-hub'
  | 'open-data-folder'
  | 'start-at-login'
  | 'quit';

export interface TrayMenuItem {
  /** What a click does (the shell maps it to a handler), or `status` / `separator-N` for inert rows. */
  id: TrayAction | 'status' | 'health' | 'hosts' | `separator-${number}`;
  label: string;
  enabled: boolean;
  type?: 'normal' | 'separator' | 'checkbox';
  checked?: boolean;
}

export interface TrayModel {
  icon: TrayIcon;
  tooltip: string;
  items: TrayMenuItem[];
  /** The LAN URL the `copy-lan-url` item copies (null when there is none). */
  lanUrl: string | null;
}

export interface TrayInput {
  hub: HubSnapshot;
  startAtLogin: boolean;
  /** Joined hosts (not this machine) of a Launchpad hub; absent for Plus or a stopped hub. */
  hosts?: { online: number; offline: number } | undefined;
  /** The running hub's health report (RunningHub.health()); absent for a stopped hub. */
  health?: HealthReport | null | undefined;
}

/**
 * A running hub is as healthy as its health summary says; running on stale settings (restart
 * required) is degraded too. Without a report (not yet checked) it counts as ready.
 */
export function hubHealth(hub: HubSnapshot, health?: HealthReport | null): HubHealth {
  if (hub.phase !== 'running') return hub.phase;
  if (health?.summary === 'error') return 'error';
  if (health?.summary === 'degraded' || hub.status.restartRequired) return 'degraded';
  return 'ready';
}

const ICON: Record<HubHealth, TrayIcon> = {
  ready: 'ready',
  degraded: 'degraded',
  error: 'error',
  starting: 'stopped',
  stopping: 'stopped',
  stopped: 'stopped',
};

function productName(status: Status): string {
  if (status.product === 'plus') return 'Plus';
  if (status.product === 'rocket') return 'Rocket';
  return status.deploymentMode === 'cloud' ? 'Launchpad, cloud' : 'Launchpad, local network';
}

/** Menu labels are one line; long error messages are cut (the dialog and the log have them whole). */
const MAX_DETAIL = 60;
function shorten(text: string): string {
  const line = text.split('\n')[0] ?? '';
  return line.length > MAX_DETAIL ? `${line.slice(0, MAX_DETAIL - 1)}…` : line;
}

function statusLine(hub: HubSnapshot): string {
  switch (hub.phase) {
    case 'starting':
      return 'Hub starting…';
    case 'stopping':
      return 'Hub stopping…';
    case 'stopped':
      return 'Hub stopped';
    case 'error':
      return `Hub error: ${shorten(hub.problem.message)}`;
    case 'running': {
      const suffix = hub.status.restartRequired ? ' (restart to apply settings)' : '';
      return `Hub running: ${productName(hub.status)}${suffix}`;
    }
  }
}

function lanItem(hub: HubSnapshot): { item: TrayMenuItem; lanUrl: string | null } {
  if (hub.phase !== 'running') {
    return { item: { id: 'copy-lan-url', label: 'LAN URL: hub not running', enabled: false }, lanUrl: null };
  }
  const lan = hub.status.detail?.urls.lan ?? null;
  if (lan === null) {
    return {
      item: {
        id: 'copy-lan-url',
        label: 'No LAN URL (this hub is reachable on this computer only)',
        enabled: false,
      },
      lanUrl: null,
    };
  }
  return { item: { id: 'copy-lan-url', label: `Copy LAN URL: ${lan}`, enabled: true }, lanUrl: lan };
}

function hostsItem(h: { online: number; offline: number }): TrayMenuItem {
  const label =
    h.online + h.offline === 0 ? 'No hosts joined yet' : `Hosts: ${h.online} online, ${h.offline} offline`;
  return { id: 'hosts', label, enabled: false };
}

const SUMMARY_WORDS = { ready: 'Ready', degraded: 'Degraded', error: 'Error' } as const;
const RANK = { error: 0, warn: 1, ok: 2 } as const;

/** Worst first: errors before warnings, the hub's own checks before a host's or a project's. */
function problems(health: HealthReport): HealthCheck[] {
  return health.checks
    .filter((c) => c.status !== 'ok')
    .sort((a, b) => RANK[a.status] - RANK[b.status] || Number(a.scope !== 'hub') - Number(b.scope !== 'hub'));
}

/** "Health: Ready", or the summary with the worst problem (and how many more there are). */
function healthItem(health: HealthReport): TrayMenuItem {
  const found = problems(health);
  const first = found[0];
  const more = found.length > 1 ? ` (+${found.length - 1} more)` : '';
  const label = first
    ? `Health: ${SUMMARY_WORDS[health.summary]} — ${shorten(`${first.title}: ${first.message}`)}${more}`
    : `Health: ${SUMMARY_WORDS[health.summary]}`;
  return { id: 'health', label, enabled: false };
}

function startStopItem(phase: HubSnapshot['phase']): TrayMenuItem {
  switch (phase) {
    case 'running':
      return { id: 'stop-hub', label: 'Stop hub', enabled: true };
    case 'stopping':
      return { id: 'stop-hub', label: 'Stop hub', enabled: false };
    case 'starting':
      return { id: 'start-hub', label: 'Start hub', enabled: false };
    case 'stopped':
    case 'error':
      return { id: 'start-hub', label: 'Start hub', enabled: true };
  }
}

/**
 * The tray's icon, tooltip and context menu for a hub state: a pure function, rebuilt on
 * every change. Linux's AppIndicator shows nothing without a context menu, so there is
 * always one, whatever the state.
 */
export function trayMenu(input: TrayInput): TrayModel {
  const running = input.hub.phase === 'running';
  const report = running ? (input.health ?? null) : null;
  const health = hubHealth(input.hub, report);
  const line = statusLine(input.hub);
  const lan = lanItem(input.hub);
  return {
    icon: ICON[health],
    tooltip: `Launchpad: ${line}${report ? ` · ${SUMMARY_WORDS[report.summary]}` : ''}`,
    lanUrl: lan.lanUrl,
    items: [
      { id: 'status', label: line, enabled: false },
      ...(report ? [healthItem(report)] : []),
      ...(running && input.hosts ? [hostsItem(input.hosts)] : []),
      lan.item,
      { id: 'separator-1', label: '', enabled: true, type: 'separator' },
      { id: 'open-dashboard', label: 'Open dashboard', enabled: running },
      startStopItem(input.hub.phase),
      { id: 'open-data-folder', label: 'Open data folder', enabled: true },
      { id: 'separator-2', label: '', enabled: true, type: 'separator' },
      {
        id: 'start-at-login',
        label: 'Start at login',
        enabled: true,
        type: 'checkbox',
        checked: input.startAtLogin,
      },
      { id: 'quit', label: 'Quit Launchpad', enabled: true },
    ],
  };
}

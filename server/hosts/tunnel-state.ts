import type { Logger } from '../log/index.js';
import type { ConnectionInfo } from '../sshd/index.js';
import type { ProbeResult } from './health-probe.js';
import type { HostsRepo } from './hosts-repo.js';

/** What the hub knows of one host's tunnel right now. */
export interface TunnelState {
  online: boolean;
  /** While online: when the current connection was authenticated. */
  since: number | null;
  rttMs: number | null;
}

export interface TunnelMonitorDeps {
  /** The sshd's live connections (sshd.connections()). */
  connections(): ConnectionInfo[];
  hosts: HostsRepo;
  probe(port: number, serviceSecret: string): Promise<ProbeResult>;
  /** Some host's state, RTT or last error changed. */
  changed(): void;
  logger: Logger;
  now(): number;
  /** How often connections are re-read (they are also re-read on every sshd status event). */
  refreshMs?: number;
  /** How often each online host is probed through its tunnel. */
  probeMs?: number;
}

interface Online {
  connectionId: number;
  since: number;
  httpPort: number;
  rttMs: number | null;
}

/**
 * Online/offline per host from the sshd's connections: a host is online while a tunnel-role
 * connection owned by it holds its HTTP forward. Online hosts are probed (signed GET /healthz
 * through the tunnel) every 10 s for their RTT; last seen is written at each transition and
 * probe, and the last probe error is kept in hosts.last_error.
 */
export class TunnelMonitor {
  readonly #d: TunnelMonitorDeps;
  readonly #online = new Map<string, Online>();
  readonly #probing = new Set<string>();
  #timers: NodeJS.Timeout[] = [];
  #stopped = false;

  constructor(deps: TunnelMonitorDeps) {
    this.#d = deps;
  }

  start(): void {
    this.refresh();
    const refresh = setInterval(() => this.refresh(), this.#d.refreshMs ?? 1000);
    const probe = setInterval(() => this.probeAll(), this.#d.probeMs ?? 10_000);
    refresh.unref();
    probe.unref();
    this.#timers = [refresh, probe];
  }

  stop(): void {
    this.#stopped = true;
    for (const t of this.#timers) clearInterval(t);
    this.#timers = [];
  }

  state(hostId: string): TunnelState {
    const o = this.#online.get(hostId);
    return o ? { online: true, since: o.since, rttMs: o.rttMs } : { online: false, since: null, rttMs: null };
  }

  /** A removed host is no longer tracked (its connection is being closed). */
  forget(hostId: string): void {
    this.#online.delete(hostId);
  }

  /** Re-reads the sshd's connections; marks transitions and probes hosts that just came online. */
  refresh(): void {
    if (this.#stopped) return;
    const now = this.#d.now();
    const live = new Map<string, { c: ConnectionInfo; httpPort: number }>();
    for (const c of this.#d.connections()) {
      const http = c.forwards.find((f) => f.kind === 'http');
      if (c.role === 'tunnel' && c.owner !== null && http) live.set(c.owner, { c, httpPort: http.port });
    }
    let changed = false;
    for (const [hostId] of this.#online) {
      if (live.has(hostId)) continue;
      this.#online.delete(hostId);
      this.#d.hosts.markSeen(hostId, now);
      this.#d.logger.info({ hostId }, 'host offline');
      changed = true;
    }
    for (const [hostId, { c, httpPort }] of live) {
      const cur = this.#online.get(hostId);
      if (cur && cur.connectionId === c.id && cur.httpPort === httpPort) continue;
      const host = this.#d.hosts.get(hostId);
      if (!host || host.removedAt !== null) continue;
      this.#online.set(hostId, { connectionId: c.id, since: c.since, httpPort, rttMs: null });
      this.#d.hosts.markSeen(hostId, now);
      this.#d.logger.info({ hostId, remoteAddress: c.remoteAddress }, 'host online');
      changed = true;
      void this.probe(hostId);
    }
    if (changed) this.#d.changed();
  }

  /** Probes every online host once (the 10 s loop). */
  probeAll(): void {
    for (const hostId of this.#online.keys()) void this.probe(hostId);
  }

  /** Probes one host; resolves when its RTT and last error are updated. */
  async probe(hostId: string): Promise<void> {
    const o = this.#online.get(hostId);
    const host = this.#d.hosts.get(hostId);
    if (!o || !host || this.#probing.has(hostId)) return;
    this.#probing.add(hostId);
    try {
      const r = await this.#d.probe(o.httpPort, host.serviceSecret);
      // The host may have gone (or reconnected) while the probe ran: only the same connection
      // counts. After stop() the db may be closed already.
      if (this.#stopped || this.#online.get(hostId) !== o) return;
      o.rttMs = r.rttMs;
      const error = r.ok ? null : r.error;
      this.#d.hosts.markSeen(hostId, this.#d.now());
      if (error !== host.lastError) {
        this.#d.hosts.setLastError(hostId, error);
        if (error) this.#d.logger.warn({ hostId, error }, 'host health check failed');
      }
      this.#d.changed();
    } catch (err) {
      // probe() resolves with errors; a throw here is a db problem, which must not stop the loop.
      this.#d.logger.warn({ err, hostId }, 'host health check could not be recorded');
    } finally {
      this.#probing.delete(hostId);
    }
  }
}

import { EventEmitter } from 'node:events';
import type { HealthReport, HostView } from '../api/index.js';
import { type ProbeResult, probeHealth } from '../hosts/index.js';
import type { Logger } from '../log/index.js';
import type { SshdStatus } from '../sshd/index.js';
import { type BackupAgeSource, checkBackupAge } from './checks/backup-age.js';
import { checkDisk, type StatFs } from './checks/disk.js';
import { checkHostRoute, checkHostTunnel, type RouteProbe, type RouteTarget } from './checks/hosts.js';
import { sshSelfTest } from './checks/ssh-self-test.js';
import { checkTls } from './checks/tls.js';
import type { HealthKey } from './health-key.js';
import { HealthTracker } from './tracker.js';
import { type CheckResult, result } from './types.js';

/** What the hub's sshd gives the checks (Launchpad only; Plus has no sshd). */
export interface SshdSource {
  handle: {
    status(): SshdStatus;
    on(event: 'status', listener: () => void): unknown;
    off(event: 'status', listener: () => void): unknown;
  };
  /** `ssh-ed25519 AAAA…` of the hub's host key. */
  hostKey: string;
  key: HealthKey;
  /** The SFTP root (`<data dir>/backup-repo`). */
  repoDir: string;
}

export interface HealthServiceOptions {
  sshd: SshdSource | null;
  tls: { notAfter: Date; custom: boolean };
  dataDir: string;
  hosts: {
    /** Hosts as the API lists them; "this machine" is left out (it has no tunnel). */
    listHosts(): HostView[];
    serviceTarget(hostId: string): RouteTarget | null;
    subscribe(listener: () => void): () => void;
  };
  projects: {
    list(): { id: string; name: string; createdAt: string }[];
    subscribe(listener: () => void): () => void;
  };
  /** The backup service, once there is one; without it the backup-age checks are skipped. */
  backups?: BackupAgeSource | null;
  logger: Logger;
  /** Between rounds (30 s). */
  intervalMs?: number;
  /** A change of hosts, projects or the sshd runs a round after this quiet time (500 ms). */
  debounceMs?: number;
  /** A check that takes longer is an error (15 s). */
  checkTimeoutMs?: number;
  statfs?: StatFs;
  probeRoute?: RouteProbe;
  now?: () => Date;
}

export const DEFAULT_HEALTH_INTERVAL_MS = 30_000;

/**
 * Runs every check every 30 s, and soon after hosts, projects or the sshd's listener change;
 * keeps each check's `since` and tells subscribers only when a status or message changed. One
 * round runs at a time; a trigger during a round queues exactly one more.
 */
export class HealthService {
  readonly #o: HealthServiceOptions;
  readonly #tracker: HealthTracker;
  readonly #emitter = new EventEmitter();
  readonly #now: () => Date;
  #timer: NodeJS.Timeout | null = null;
  #debounce: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  #again = false;
  #stopped = false;
  #unsubscribe: (() => void)[] = [];
  #signatures = { hosts: '', projects: '', sshd: '' };

  constructor(o: HealthServiceOptions) {
    this.#o = o;
    this.#now = o.now ?? (() => new Date());
    this.#tracker = new HealthTracker(this.#now());
    // One listener per open page.
    this.#emitter.setMaxListeners(0);
  }

  /** Runs the first round now, then every interval and on changes. */
  start(): void {
    const o = this.#o;
    this.#signatures = { hosts: this.#hostsSig(), projects: this.#projectsSig(), sshd: this.#sshdSig() };
    // Hosts change on every RTT probe and projects on every "last active": only a change in what
    // is checked (which hosts, their state; which projects; the sshd's listener) starts a round.
    const watch = (key: 'hosts' | 'projects' | 'sshd', sig: () => string) => () => {
      const next = sig();
      if (next === this.#signatures[key]) return;
      this.#signatures[key] = next;
      this.trigger();
    };
    this.#unsubscribe.push(o.hosts.subscribe(watch('hosts', () => this.#hostsSig())));
    this.#unsubscribe.push(o.projects.subscribe(watch('projects', () => this.#projectsSig())));
    if (o.sshd) {
      const sshd = o.sshd;
      const onStatus = watch('sshd', () => this.#sshdSig());
      sshd.handle.on('status', onStatus);
      this.#unsubscribe.push(() => sshd.handle.off('status', onStatus));
    }
    this.#timer = setInterval(() => void this.runNow(), o.intervalMs ?? DEFAULT_HEALTH_INTERVAL_MS);
    this.#timer.unref();
    void this.runNow();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    if (this.#debounce) clearTimeout(this.#debounce);
    for (const off of this.#unsubscribe) off();
    this.#unsubscribe = [];
  }

  /** Waits for a round under way (so a stop does not cut a check in half). */
  async settled(): Promise<void> {
    while (this.#running) await this.#running;
  }

  report(): HealthReport {
    return this.#tracker.report;
  }

  /** Calls `listener` when a check changed status or message; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void {
    this.#emitter.on('change', listener);
    return () => {
      this.#emitter.off('change', listener);
    };
  }

  /** A round soon (debounced), e.g. after a change. */
  trigger(): void {
    if (this.#stopped) return;
    if (this.#debounce) clearTimeout(this.#debounce);
    this.#debounce = setTimeout(() => {
      this.#debounce = null;
      void this.runNow();
    }, this.#o.debounceMs ?? 500);
    this.#debounce.unref();
  }

  /** Runs a round (or queues one after the round under way); resolves when it is recorded. */
  runNow(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      try {
        do {
          this.#again = false;
          await this.#round();
        } while (this.#again && !this.#stopped);
      } finally {
        this.#running = null;
      }
    })();
    return this.#running;
  }

  async #round(): Promise<void> {
    const results = await this.#runChecks();
    if (this.#stopped) return;
    const before = new Map(this.#tracker.report.checks.map((c) => [c.id, c.status]));
    if (!this.#tracker.update(results, this.#now())) return;
    for (const c of this.#tracker.report.checks) {
      if (before.get(c.id) === c.status) continue;
      const line = { check: c.id, status: c.status, message: c.message };
      if (c.status === 'ok') this.#o.logger.info(line, 'health: check ok');
      else this.#o.logger.warn(line, `health: check ${c.status}`);
    }
    this.#emitter.emit('change');
  }

  async #runChecks(): Promise<CheckResult[]> {
    const o = this.#o;
    const timeout = o.checkTimeoutMs ?? 15_000;
    const hosts = o.hosts.listHosts().filter((h) => !h.thisMachine);
    const probe =
      o.probeRoute ?? ((port: number, secret: string): Promise<ProbeResult> => probeHealth(port, secret));
    const tasks: Promise<CheckResult[]>[] = [];
    if (o.sshd) {
      const sshd = o.sshd;
      tasks.push(
        guard(
          ['sshd', 'sftp-write'],
          async () => {
            const r = await sshSelfTest({
              status: sshd.handle.status(),
              hostKey: sshd.hostKey,
              key: sshd.key,
              repoDir: sshd.repoDir,
              timeoutMs: timeout / 2,
            });
            return [r.sshd, r.sftp];
          },
          timeout,
        ),
      );
    }
    tasks.push(guard(['tls'], async () => [checkTls(o.tls, this.#now())], timeout));
    tasks.push(guard(['disk'], async () => [await checkDisk(o.dataDir, o.statfs)], timeout));
    for (const h of hosts) {
      tasks.push(guard([`host-tunnel:${h.id}`], async () => [checkHostTunnel(h)], timeout, h));
      tasks.push(
        guard(
          [`host-route:${h.id}`],
          async () => [await checkHostRoute(h, o.hosts.serviceTarget(h.id), probe)],
          timeout,
          h,
        ),
      );
    }
    const backups = o.backups;
    if (backups) {
      for (const p of o.projects.list()) {
        tasks.push(
          guard(
            [`backup-age:${p.id}`],
            async () => [checkBackupAge(p, backups, this.#now())],
            timeout,
            undefined,
            p,
          ),
        );
      }
    }
    return (await Promise.all(tasks)).flat();
  }

  #hostsSig(): string {
    return this.#o.hosts
      .listHosts()
      .filter((h) => !h.thisMachine)
      .map((h) => `${h.id}:${h.state}:${h.name}`)
      .join(',');
  }

  #projectsSig(): string {
    return this.#o.projects
      .list()
      .map((p) => `${p.id}:${p.name}`)
      .join(',');
  }

  #sshdSig(): string {
    const s = this.#o.sshd?.handle.status();
    return s ? `${s.listening}:${s.port}:${s.lastError ?? ''}` : '';
  }
}

/**
 * Runs one check with a time limit; a throw or a hang becomes an error result for each of its
 * ids, so one broken check never hides the others.
 */
async function guard(
  ids: string[],
  run: () => Promise<CheckResult[]>,
  timeoutMs: number,
  host?: HostView,
  project?: { id: string; name: string },
): Promise<CheckResult[]> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      run(),
      new Promise<never>((_r, reject) => {
        timer = setTimeout(
          () => reject(new Error(`the check did not finish in ${Math.round(timeoutMs / 1000)} s`)),
          timeoutMs,
        );
      }),
    ]);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return ids.map((id) =>
      result(
        {
          id,
          title: id,
          scope: host ? 'host' : project ? 'project' : 'hub',
          subject: host
            ? { kind: 'host', id: host.id, name: host.name }
            : project
              ? { kind: 'project', id: project.id, name: project.name }
              : null,
        },
        'error',
        `The check failed: ${message}`,
        'Look at the hub log; this is a bug if it persists',
      ),
    );
  } finally {
    clearTimeout(timer);
  }
}

import { EventEmitter } from 'node:events';
import type {
  CreateTokenRequest,
  CreateTokenResponse,
  HostView,
  JoinResponse,
  TokenView,
} from '../api/index.js';
import { type Db, EventsRepo } from '../db/index.js';
import type { Logger } from '../log/index.js';
import { ensureSecret } from '../secrets/index.js';
import { type PairingHandler, type SshdHandle, SshKeysRepo } from '../sshd/index.js';
import { HostsError } from './errors.js';
import { probeHealth } from './health-probe.js';
import { HostsRepo } from './hosts-repo.js';
import type { HubIdentity } from './hub-identity.js';
import { type JoinOrigin, JoinService } from './join.js';
import { createPairingHandler } from './pairing-handler.js';
import { allHostPorts, type PortRange } from './port-allocator.js';
import { RedemptionLimiter, type RedemptionLimits } from './redemption.js';
import { HostRegistry } from './registry.js';
import { TokenService } from './tokens.js';
import { JoinTokensRepo } from './tokens-repo.js';
import { TunnelMonitor } from './tunnel-state.js';

export interface HubHostsOptions {
  db: Db;
  logger: Logger;
  /** Launchpad's version: the "this machine" row's agent version. */
  version: string;
  startedAt: number;
  /** What a Launchpad (or Rocket) hub needs for tokens and joins; null in Plus, which has neither. */
  launchpad: {
    identity: HubIdentity;
    tunnelRange: PortRange;
    /** secrets/backup-repo-password: made (0600) at the first join. */
    backupPasswordFile: string;
  } | null;
  redemptionLimits?: RedemptionLimits;
  tunnel?: { refreshMs?: number; probeMs?: number };
  now?: () => number;
}

/** A joined host as the project proxy and project control reach it. `secret` is a secret: never log it. */
export interface JoinedHostTarget {
  name: string;
  online: boolean;
  lastSeenAt: number | null;
  port: number | null;
  secret: string;
}

/** Hosts and tokens as the live stream sends them. */
export interface HostsSnapshot {
  hosts: HostView[];
  tokens: TokenView[];
}

const NOT_A_LAUNCHPAD_HUB =
  'This hub runs Plus, which has no hosts: joining needs a Launchpad hub (COCALC_PRODUCT=launchpad)';

/**
 * The hosts capability of a running hub: join tokens, joining (HTTPS and SSH pairing), the host
 * registry, tunnel state. Created before the sshd (which needs `pairingHandler`), then
 * `attachSshd` starts watching tunnels. Every change is announced through `subscribe`.
 */
export class HubHosts {
  readonly pairingHandler: PairingHandler | undefined;
  readonly #o: HubHostsOptions;
  readonly #now: () => number;
  readonly #emitter = new EventEmitter();
  readonly #keys: SshKeysRepo;
  readonly #hostsRepo: HostsRepo;
  readonly #log: Logger;
  readonly #tokens: TokenService | null;
  readonly #join: JoinService | null;
  readonly #registry: HostRegistry;
  #sshd: SshdHandle | null = null;
  #tunnels: TunnelMonitor | null = null;
  #changePending = false;

  constructor(o: HubHostsOptions) {
    this.#o = o;
    this.#now = o.now ?? Date.now;
    // One listener per open page.
    this.#emitter.setMaxListeners(0);
    const { db, logger } = o;
    const log = logger.child({ component: 'hosts' });
    this.#log = log;
    const tokensRepo = new JoinTokensRepo(db);
    const hostsRepo = new HostsRepo(db);
    this.#hostsRepo = hostsRepo;
    const events = new EventsRepo(db);
    this.#keys = new SshKeysRepo(db);
    const changed = () => this.#changed();
    const now = this.#now;
    this.#registry = new HostRegistry({
      db,
      hosts: hostsRepo,
      keys: this.#keys,
      events,
      tunnels: () => this.#tunnels,
      disconnectKey: (fp) => this.#sshd?.disconnectKey(fp) ?? Promise.resolve(0),
      thisMachine: o.launchpad ? { version: o.version, startedAt: o.startedAt } : null,
      changed,
      logger: log,
      now,
    });
    const lp = o.launchpad;
    if (!lp) {
      this.#tokens = null;
      this.#join = null;
      this.pairingHandler = undefined;
      return;
    }
    this.#tokens = new TokenService({
      db,
      tokens: tokensRepo,
      keys: this.#keys,
      events,
      hub: lp.identity,
      disconnectSshKey: (fp) => this.#sshd?.disconnectKey(fp) ?? Promise.resolve(0),
      changed,
      logger: log,
      now,
    });
    let backupPassword: string | undefined;
    this.#join = new JoinService({
      db,
      tokens: tokensRepo,
      hosts: hostsRepo,
      keys: this.#keys,
      events,
      hub: lp.identity,
      tunnelRange: lp.tunnelRange,
      backupPassword: () => {
        backupPassword ??= ensureSecret(lp.backupPasswordFile).value;
        return backupPassword;
      },
      limiter: new RedemptionLimiter(o.redemptionLimits),
      changed,
      logger: log,
      now,
    });
    this.pairingHandler = createPairingHandler(this.#join);
  }

  /** Starts following the sshd's tunnels (online/offline, RTT probes). */
  attachSshd(sshd: SshdHandle): void {
    this.#sshd = sshd;
    const tunnels = new TunnelMonitor({
      connections: () => sshd.connections(),
      hosts: this.#hostsRepo,
      probe: (port, secret) => probeHealth(port, secret),
      changed: () => this.#changed(),
      logger: this.#log,
      now: this.#now,
      ...this.#o.tunnel,
    });
    this.#tunnels = tunnels;
    sshd.on('status', this.#onSshdStatus);
    tunnels.start();
  }

  readonly #onSshdStatus = () => this.#tunnels?.refresh();

  stop(): void {
    this.#tunnels?.stop();
    this.#sshd?.off('status', this.#onSshdStatus);
  }

  createToken(req: CreateTokenRequest): CreateTokenResponse {
    return this.#launchpad(this.#tokens).create(req);
  }

  listTokens(): TokenView[] {
    return this.#tokens?.list() ?? [];
  }

  /** False for an unknown token id. */
  revokeToken(id: string): Promise<boolean> {
    return this.#tokens?.revoke(id) ?? Promise.resolve(false);
  }

  join(raw: unknown, origin: JoinOrigin): JoinResponse {
    return this.#launchpad(this.#join).join(raw, origin);
  }

  listHosts(): HostView[] {
    return this.#registry.list();
  }

  /** False for an unknown or already removed host. */
  removeHost(id: string): Promise<boolean> {
    return this.#registry.remove(id);
  }

  self(hostId: string): HostView {
    return this.#registry.self(hostId);
  }

  reportAgentError(hostId: string, error: string | null): void {
    this.#registry.reportAgentError(hostId, error);
    this.#changed();
  }

  checkCredential(hostId: string, credential: string): boolean {
    return this.#registry.checkCredential(hostId, credential);
  }

  /**
   * How the hub reaches a joined host's service: 127.0.0.1:<its http tunnel port>, signed with its
   * service secret. Null for an unknown or removed host (and for "this machine", which is not
   * behind a tunnel: the hub wires its in-process service itself).
   */
  serviceTarget(hostId: string): JoinedHostTarget | null {
    const h = this.#hostsRepo.get(hostId);
    if (!h || h.removedAt !== null) return null;
    return {
      name: h.name,
      online: this.#tunnels?.state(hostId).online ?? false,
      lastSeenAt: h.lastSeenAt,
      port: allHostPorts(this.#o.db).get(hostId)?.http ?? null,
      secret: h.serviceSecret,
    };
  }

  snapshot(): HostsSnapshot {
    return { hosts: this.listHosts(), tokens: this.listTokens() };
  }

  /** Calls `listener` after hosts or tokens changed; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void {
    this.#emitter.on('change', listener);
    return () => {
      this.#emitter.off('change', listener);
    };
  }

  /** Changes within one tick (a join touches tokens and hosts) reach subscribers as one. */
  #changed(): void {
    if (this.#changePending) return;
    this.#changePending = true;
    setImmediate(() => {
      this.#changePending = false;
      this.#emitter.emit('change');
    });
  }

  #launchpad<T>(service: T | null): T {
    if (service === null) throw new HostsError(409, 'not_a_launchpad_hub', NOT_A_LAUNCHPAD_HUB);
    return service;
  }
}

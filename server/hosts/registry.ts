import { hostname } from 'node:os';
import { type HostView, THIS_MACHINE_HOST_ID } from '../api/index.js';
import { type Db, type EventsRepo, writeTransaction } from '../db/index.js';
import type { Logger } from '../log/index.js';
import type { SshKeysRepo } from '../sshd/index.js';
import { secretMatches } from './credentials.js';
import { HostsError } from './errors.js';
import type { HostRecord, HostsRepo } from './hosts-repo.js';
import { allHostPorts, freeHostPorts } from './port-allocator.js';
import type { TunnelMonitor } from './tunnel-state.js';

export interface HostRegistryDeps {
  db: Db;
  hosts: HostsRepo;
  keys: SshKeysRepo;
  events: EventsRepo;
  /** Null until the sshd is attached (and always in Plus). */
  tunnels(): TunnelMonitor | null;
  /** Closes a key's live connections and their forward listeners (sshd.disconnectKey). */
  disconnectKey(fingerprint: string): Promise<unknown>;
  /** The "this machine" row (a Launchpad hub runs projects itself too); null where there is none. */
  thisMachine: { version: string; startedAt: number } | null;
  changed(): void;
  logger: Logger;
  now(): number;
}

/** The hosts of this hub as the API shows them, their credentials, and their removal. */
export class HostRegistry {
  constructor(private readonly d: HostRegistryDeps) {}

  /** "This machine" first, then joined hosts oldest first; removed hosts are not listed. */
  list(): HostView[] {
    const ports = allHostPorts(this.d.db);
    const joined = this.d.hosts.listActive().map((h) => this.view(h, ports.get(h.id) ?? null));
    return [...(this.d.thisMachine ? [this.thisMachineView()] : []), ...joined];
  }

  /**
   * The host's own view, for its `GET /api/hosts/self`. Throws 410 host_removed for a removed
   * host (the agent stops retrying on it), 404 for an unknown one.
   */
  /** Stores what the host's agent reports about itself (410 for a removed host, like self()). */
  reportAgentError(hostId: string, error: string | null): void {
    this.self(hostId);
    this.d.hosts.setAgentError(hostId, error, this.d.now());
  }

  self(hostId: string): HostView {
    const h = this.d.hosts.get(hostId);
    if (!h) throw new HostsError(404, 'host_not_found', `No host ${hostId} on this hub`);
    if (h.removedAt !== null) {
      throw new HostsError(
        410,
        'host_removed',
        `This host was removed from the hub at ${new Date(h.removedAt).toISOString()}. ` +
          'To use it again, make a new join token on the hub and run `launchpad --server --join <token>` here.',
      );
    }
    return this.view(h, allHostPorts(this.d.db).get(h.id) ?? null);
  }

  /** Whether `credential` is host `hostId`'s (removed hosts included: they must learn they were removed). */
  checkCredential(hostId: string, credential: string): boolean {
    const h = this.d.hosts.get(hostId);
    return h !== undefined && secretMatches(credential, h.credentialHash);
  }

  /**
   * Removes a host: its keys are revoked and its ports freed (one transaction), then its live
   * connection is closed, which closes its forward listeners. False for an unknown or already
   * removed host.
   */
  async remove(hostId: string): Promise<boolean> {
    if (hostId === THIS_MACHINE_HOST_ID && this.d.thisMachine) {
      throw new HostsError(409, 'this_machine', 'The hub’s own machine cannot be removed from the hub');
    }
    const now = this.d.now();
    const removed = writeTransaction(this.d.db, () => {
      const h = this.d.hosts.get(hostId);
      if (!h || !this.d.hosts.markRemoved(hostId, now)) return null;
      const ports = allHostPorts(this.d.db).get(hostId) ?? null;
      const fingerprints = this.d.keys.revokeByOwner(hostId, now);
      freeHostPorts(this.d.db, hostId);
      this.d.events.record('host.removed', hostId, { name: h.name, ports }, now);
      return { h, ports, fingerprints };
    });
    if (!removed) return false;
    this.d.tunnels()?.forget(hostId);
    await Promise.all(removed.fingerprints.map((fp) => this.d.disconnectKey(fp)));
    this.d.logger.info({ hostId, name: removed.h.name, ports: removed.ports }, 'host removed');
    this.d.changed();
    return true;
  }

  private view(h: HostRecord, ports: { http: number; ssh: number } | null): HostView {
    const t = this.d.tunnels()?.state(h.id) ?? { online: false, since: null, rttMs: null };
    const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
    return {
      id: h.id,
      name: h.name,
      platform: h.platform,
      agentVersion: h.agentVersion,
      thisMachine: false,
      ports,
      state: t.online ? 'online' : h.lastSeenAt === null ? 'never-connected' : 'offline',
      // Offline: since it was last seen (when the connection went away).
      since: t.online ? iso(t.since) : iso(h.lastSeenAt),
      lastSeenAt: iso(h.lastSeenAt),
      rttMs: t.rttMs,
      lastError: h.lastError,
      agentError:
        h.agentError !== null && h.agentErrorAt !== null
          ? { message: h.agentError, at: new Date(h.agentErrorAt).toISOString() }
          : null,
      createdAt: new Date(h.createdAt).toISOString(),
    };
  }

  private thisMachineView(): HostView {
    const m = this.d.thisMachine as { version: string; startedAt: number };
    const started = new Date(m.startedAt).toISOString();
    return {
      id: THIS_MACHINE_HOST_ID,
      name: hostname(),
      platform: `${process.platform}-${process.arch}`,
      agentVersion: m.version,
      thisMachine: true,
      ports: null,
      state: 'online',
      since: started,
      lastSeenAt: new Date(this.d.now()).toISOString(),
      rttMs: null,
      lastError: null,
      agentError: null,
      createdAt: started,
    };
  }
}

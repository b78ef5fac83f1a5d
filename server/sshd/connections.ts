import type { ForwardInfo } from './forwards.js';
import type { Role } from './roles.js';

/** One authenticated SSH connection, as introspection shows it. */
export interface ConnectionInfo {
  id: number;
  fingerprint: string;
  role: Role;
  owner: string | null;
  remoteAddress: string;
  remotePort: number;
  /** When it authenticated (unix ms). */
  since: number;
  forwards: ForwardInfo[];
}

/** What the registry needs from a live connection. */
export interface LiveConnection {
  readonly id: number;
  readonly fingerprint: string;
  readonly role: Role;
  readonly owner: string | null;
  info(): ConnectionInfo;
  /** Disconnects; `reason` goes to the log. Returns once its forward listeners are closed. */
  close(reason: string): Promise<void>;
}

/** The authenticated connections of one sshd, for limits, eviction, revocation and listing. */
export class ConnectionRegistry {
  readonly #live = new Map<number, LiveConnection>();

  add(c: LiveConnection): void {
    this.#live.set(c.id, c);
  }
  delete(c: LiveConnection): void {
    this.#live.delete(c.id);
  }
  all(): LiveConnection[] {
    return [...this.#live.values()];
  }
  countForKey(fingerprint: string): number {
    let n = 0;
    for (const c of this.#live.values()) if (c.fingerprint === fingerprint) n++;
    return n;
  }
  /**
   * The tunnel connections a new tunnel connection replaces: those of the same owner (a host
   * reconnecting after a network change or crash), or of the same key when it has no owner.
   */
  tunnelPredecessors(fingerprint: string, owner: string | null): LiveConnection[] {
    return this.all().filter(
      (c) => c.role === 'tunnel' && (owner === null ? c.fingerprint === fingerprint : c.owner === owner),
    );
  }
  ofKey(fingerprint: string): LiveConnection[] {
    return this.all().filter((c) => c.fingerprint === fingerprint);
  }
}

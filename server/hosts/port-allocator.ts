import type { Db } from '../db/index.js';
import type { TunnelPorts } from '../sshd/index.js';

/** The host tunnel port range, both ends included (config.ports.tunnel). */
export interface PortRange {
  first: number;
  last: number;
}

/** Every slot of the range is taken. The message names the setting that widens it. */
export class PortsExhaustedError extends Error {
  constructor(range: PortRange) {
    const count = range.last - range.first + 1;
    super(
      `No free host tunnel ports: all ${count} ports (${range.first}-${range.last}, two per host) are assigned. ` +
        'Remove a host you no longer use, or widen the range with the setting tunnelPortCount ' +
        '(Settings, or COCALC_TUNNEL_PORT_COUNT) and restart the hub.',
    );
    this.name = 'PortsExhaustedError';
  }
}

/**
 * Assigns `hostId` the lowest free pair of the range: slot k is http = first + 2k, ssh = first
 * + 2k + 1. A slot is free when neither of its ports is in host_ports (ports kept from an older,
 * differently placed range block the slots they fall in). Call it inside the writeTransaction
 * that inserts the host: the read and the insert then see no other writer in between, and the
 * primary key on host_ports.port refuses a shared port even if a caller forgets.
 */
export function allocateHostPorts(db: Db, hostId: string, range: PortRange): TunnelPorts {
  if (!db.inTransaction) throw new Error('allocateHostPorts must run inside a write transaction');
  const used = new Set(
    db
      .prepare<[number, number], { port: number }>('SELECT port FROM host_ports WHERE port BETWEEN ? AND ?')
      .all(range.first, range.last)
      .map((r) => r.port),
  );
  for (let http = range.first; http + 1 <= range.last; http += 2) {
    if (used.has(http) || used.has(http + 1)) continue;
    const insert = db.prepare<[number, string, string]>(
      'INSERT INTO host_ports (port, host_id, kind) VALUES (?, ?, ?)',
    );
    insert.run(http, hostId, 'http');
    insert.run(http + 1, hostId, 'ssh');
    return { http, ssh: http + 1 };
  }
  throw new PortsExhaustedError(range);
}

/** Returns a host's ports to the pool; how many were freed. */
export function freeHostPorts(db: Db, hostId: string): number {
  return db.prepare<[string]>('DELETE FROM host_ports WHERE host_id = ?').run(hostId).changes;
}

/** The ports of every host that has some, by host id. */
export function allHostPorts(db: Db): Map<string, TunnelPorts> {
  const out = new Map<string, Partial<TunnelPorts>>();
  const rows = db
    .prepare<[], { port: number; host_id: string; kind: 'http' | 'ssh' }>(
      'SELECT port, host_id, kind FROM host_ports',
    )
    .all();
  for (const r of rows) out.set(r.host_id, { ...out.get(r.host_id), [r.kind]: r.port });
  const complete = new Map<string, TunnelPorts>();
  for (const [id, p] of out)
    if (p.http !== undefined && p.ssh !== undefined) complete.set(id, p as TunnelPorts);
  return complete;
}

// Shared harness of the hub-side backup unit tests: a migrated sqlite file, a project registry
// and host list kept in memory, and a stand-in for a host service's backup protocol: a real
// local HTTP server that answers POST /_lp/projects/<id>/backup|restore with NDJSON lines, as
// server/projects/control-contract.ts specifies, scripted per test.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { ProjectView } from '../../api/index.js';
import { type Db, migrate, openDatabase } from '../../db/index.js';
import { SIGNATURE_HEADER } from '../../hosts/index.js';
import { ApiError } from '../../http/index.js';
import type { Logger } from '../../log/index.js';
import type { ProjectHost, ProjectHostsSource } from '../../projects/index.js';
import type { BackupProjectsSource, HubRepo, RepoSnapshot } from './backup-service.js';

export const silentLogger: Logger = pino({ level: 'silent' });

export function tempDb(): { db: Db; close(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'lp-backups-'));
  const db = openDatabase(join(dir, 'launchpad.db'));
  migrate(db);
  return {
    db,
    close() {
      if (db.open) db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function testClock(start = Date.UTC(2030, 0, 1)): { now: () => number; advance(ms: number): void } {
  let t = start;
  return {
    now: () => t,
    advance(ms: number) {
      t += ms;
    },
  };
}

/** One request the stand-in received, with its body parsed. */
export interface HostCall {
  method: string;
  url: string;
  signed: boolean;
  body: unknown;
}

export type HostScript = (call: HostCall, res: ServerResponse, req: IncomingMessage) => void | Promise<void>;

/** A stand-in for a host service's backup/restore protocol on 127.0.0.1. */
export async function startHostStandIn(): Promise<{
  port: number;
  calls: HostCall[];
  /** What the next requests get (until set again). */
  script(s: HostScript): void;
  close(): Promise<void>;
}> {
  const calls: HostCall[] = [];
  let current: HostScript = (_c, res) => {
    res.writeHead(500).end();
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const call: HostCall = {
        method: req.method ?? '',
        url: req.url ?? '',
        signed: typeof req.headers[SIGNATURE_HEADER] === 'string',
        body: text ? (JSON.parse(text) as unknown) : null,
      };
      calls.push(call);
      void current(call, res, req);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as AddressInfo).port,
    calls,
    script(s) {
      current = s;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** Writes NDJSON lines with `gapMs` between them; ends the response unless `end` is false. */
export async function streamLines(
  res: ServerResponse,
  lines: unknown[],
  gapMs = 0,
  end = true,
): Promise<void> {
  res.writeHead(200, { 'content-type': 'application/x-ndjson' });
  for (const line of lines) {
    res.write(`${JSON.stringify(line)}\n`);
    if (gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
  }
  if (end) res.end();
}

export const progressLine = (percent: number) => ({
  type: 'progress',
  percent,
  bytesDone: percent * 1000,
  totalBytes: 100_000,
  filesDone: percent,
  totalFiles: 100,
  etaSeconds: 100 - percent,
});

export const SNAPSHOT_ID = 'a1b2c3d4'.repeat(8);
export const SUMMARY = {
  filesNew: 3,
  filesChanged: 1,
  dataAdded: 2048,
  totalFiles: 100,
  totalBytes: 100_000,
};

/** Projects and hosts as plain data: the registry and host list the service reads. */
export function fakeRegistry(port: number) {
  const projects = new Map<string, ProjectView>();
  const hosts = new Map<string, ProjectHost>();
  hosts.set('h1', {
    id: 'h1',
    name: 'lab-box',
    online: true,
    lastSeenAt: Date.now(),
    endpoint: { port, secret: 's3cret' },
  });
  const source: BackupProjectsSource = {
    list: () => [...projects.values()],
    get: (id) => {
      const p = projects.get(id);
      if (!p) throw new ApiError(404, 'project_not_found', `No project ${id} on this hub`, 'id');
      return p;
    },
    subscribe: () => () => undefined,
  };
  const hostSource: ProjectHostsSource = {
    get: (id) => hosts.get(id) ?? null,
    online: () => [...hosts.values()].filter((h) => h.online),
    subscribe: () => () => undefined,
  };
  const add = (id: string, name: string, state: ProjectView['state'] = 'running', hostId = 'h1') => {
    const view: ProjectView = {
      id,
      name,
      hostId,
      hostName: hosts.get(hostId)?.name ?? 'a removed host',
      hostOnline: true,
      state,
      error: null,
      createdAt: new Date(0).toISOString(),
      lastActiveAt: null,
      url: `/${id}/`,
    };
    projects.set(id, view);
    return view;
  };
  return { projects, hosts, source, hostSource, add };
}

/** A repository stand-in: the snapshots `set` put there. */
export function memoryRepo(): HubRepo & { set(host: string, s: RepoSnapshot[]): void } {
  const byHost = new Map<string, RepoSnapshot[]>();
  return {
    ensure: async () => undefined,
    snapshots: async (host) => byHost.get(host) ?? [],
    set(host, s) {
      byHost.set(host, s);
    },
  };
}

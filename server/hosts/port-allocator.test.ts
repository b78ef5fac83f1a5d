import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { build } from 'esbuild';
import { afterEach, describe, expect, it } from 'vitest';
import { type Db, openDatabase, writeTransaction } from '../db/index.js';
import { allHostPorts, allocateHostPorts, freeHostPorts, PortsExhaustedError } from './port-allocator.js';
import { insertBareHost, tempDb } from './test-support.js';

const RANGE = { first: 30_000, last: 30_005 }; // three slots

let t: ReturnType<typeof tempDb>;
afterEach(() => t?.close());

/** Inserts host `id` and allocates its ports in one write transaction, as a join does. */
function join1(db: Db, id: string, range = RANGE) {
  return writeTransaction(db, () => {
    insertBareHost(db, id);
    return allocateHostPorts(db, id, range);
  });
}

describe('port allocation', () => {
  it('gives the first host of an empty range its first two ports, http then ssh', () => {
    t = tempDb();
    expect(join1(t.db, 'h1')).toEqual({ http: 30_000, ssh: 30_001 });
    expect(allHostPorts(t.db).get('h1')).toEqual({ http: 30_000, ssh: 30_001 });
  });

  it('refuses with ports_exhausted, naming the tunnelPortCount setting, once every slot is taken; nothing half-done stays', () => {
    t = tempDb();
    join1(t.db, 'h1');
    join1(t.db, 'h2');
    join1(t.db, 'h3');
    let err: unknown;
    try {
      join1(t.db, 'h4');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PortsExhaustedError);
    expect((err as Error).message).toMatch(/all 6 ports \(30000-30005, two per host\)/);
    expect((err as Error).message).toMatch(/tunnelPortCount.*COCALC_TUNNEL_PORT_COUNT/);
    // The transaction rolled back: no host row without ports.
    expect(t.db.prepare("SELECT count(*) AS n FROM hosts WHERE id = 'h4'").get()).toEqual({ n: 0 });
  });

  it('an odd last port is never half of a pair', () => {
    t = tempDb();
    const range = { first: 30_000, last: 30_002 };
    join1(t.db, 'h1', range);
    expect(() => join1(t.db, 'h2', range)).toThrow(PortsExhaustedError);
  });

  it('reuses freed ports, lowest free slot first, after removals in the middle (fragmentation)', () => {
    t = tempDb();
    join1(t.db, 'h1');
    join1(t.db, 'h2');
    join1(t.db, 'h3');
    expect(freeHostPorts(t.db, 'h2')).toBe(2);
    expect(freeHostPorts(t.db, 'h1')).toBe(2);
    expect(join1(t.db, 'h4')).toEqual({ http: 30_000, ssh: 30_001 });
    expect(join1(t.db, 'h5')).toEqual({ http: 30_002, ssh: 30_003 });
    expect(() => join1(t.db, 'h6')).toThrow(PortsExhaustedError);
    expect([...allHostPorts(t.db).keys()].sort()).toEqual(['h3', 'h4', 'h5']);
  });

  it('a port kept from a differently placed range blocks the slot it falls in', () => {
    t = tempDb();
    // A host that joined when the range started at 29_999: its ssh port is 30_000.
    join1(t.db, 'old', { first: 29_999, last: 30_000 });
    expect(join1(t.db, 'h1')).toEqual({ http: 30_002, ssh: 30_003 });
  });

  it('must run inside a transaction, and the schema refuses a shared port anyway', () => {
    t = tempDb();
    insertBareHost(t.db, 'h1');
    insertBareHost(t.db, 'h2');
    expect(() => allocateHostPorts(t.db, 'h1', RANGE)).toThrow(/inside a write transaction/);
    t.db.prepare("INSERT INTO host_ports (port, host_id, kind) VALUES (30000, 'h1', 'http')").run();
    expect(() =>
      t.db.prepare("INSERT INTO host_ports (port, host_id, kind) VALUES (30000, 'h2', 'http')").run(),
    ).toThrow(/UNIQUE|PRIMARY KEY/);
    expect(() =>
      t.db.prepare("INSERT INTO host_ports (port, host_id, kind) VALUES (30001, 'h1', 'http')").run(),
    ).toThrow(/UNIQUE/);
  });

  it('a second connection cannot allocate while the first one’s allocation is open, and then gets the next slot', () => {
    t = tempDb();
    const other = openDatabase(t.path);
    try {
      // Fail at once instead of waiting 5 s: this shows the lock, not the wait.
      other.pragma('busy_timeout = 0');
      insertBareHost(t.db, 'a');
      insertBareHost(t.db, 'b');
      t.db.exec('BEGIN IMMEDIATE');
      expect(allocateHostPorts(t.db, 'a', RANGE)).toEqual({ http: 30_000, ssh: 30_001 });
      expect(() => writeTransaction(other, () => allocateHostPorts(other, 'b', RANGE))).toThrow(
        /database is locked/,
      );
      t.db.exec('COMMIT');
      expect(writeTransaction(other, () => allocateHostPorts(other, 'b', RANGE))).toEqual({
        http: 30_002,
        ssh: 30_003,
      });
    } finally {
      other.close();
    }
  });

  it('connections allocating in parallel threads on one file never share a port', async () => {
    t = tempDb();
    const bundle = await bundleAllocatorForWorkers(t.dir);
    const range = { first: 40_000, last: 40_999 };
    const perWorker = 60;
    const workers = 4;
    const results = await Promise.all(
      Array.from({ length: workers }, (_, w) => runWorker(bundle, { path: t.path, w, perWorker, range })),
    );
    const all = results.flat();
    expect(all).toHaveLength(workers * perWorker);
    const ports = all.flatMap((p) => [p.http, p.ssh]);
    expect(new Set(ports).size).toBe(ports.length);
    for (const p of all) expect(p.ssh).toBe(p.http + 1);
    // Lowest free first, whoever won each race: the slots used are exactly the lowest ones.
    expect(Math.max(...ports)).toBe(range.first + 2 * workers * perWorker - 1);
    expect(allHostPorts(t.db).size).toBe(workers * perWorker);
  });
});

// ---- worker threads: the allocator bundled to plain JS (a worker cannot load TypeScript) ----

const HERE = fileURLToPath(new URL('.', import.meta.url));

async function bundleAllocatorForWorkers(dir: string): Promise<string> {
  const out = join(dir, 'allocator-worker.mjs');
  const sqlite = createRequire(import.meta.url).resolve('better-sqlite3');
  await build({
    stdin: {
      contents: `
        import { parentPort, workerData } from 'node:worker_threads';
        import { openDatabase, writeTransaction } from './../db/index.ts';
        import { allocateHostPorts } from './port-allocator.ts';
        const { path, w, perWorker, range } = workerData;
        const db = openDatabase(path);
        const insert = db.prepare(
          "INSERT INTO hosts (id, name, platform, agent_version, credential_hash, service_secret, created_at) VALUES (?, ?, 't', '0', 'x', 'x', 0)",
        );
        const count = db.prepare('SELECT count(*) FROM host_ports');
        const got = [];
        for (let i = 0; i < perWorker; i++) {
          const id = 'w' + w + '-' + i;
          // Read first, as a join does (it reads the token before it writes): with a deferred
          // BEGIN, two such transactions would collide instead of queueing.
          got.push(writeTransaction(db, () => { count.get(); insert.run(id, id); return allocateHostPorts(db, id, range); }));
        }
        db.close();
        parentPort.postMessage(got);
      `,
      resolveDir: HERE,
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: out,
    logLevel: 'silent',
    plugins: [
      {
        name: 'native-sqlite',
        setup(b) {
          // The native module stays outside the bundle, loaded from this checkout by absolute path.
          b.onResolve({ filter: /^better-sqlite3$/ }, () => ({ path: sqlite, external: true }));
        },
      },
    ],
  });
  return out;
}

function runWorker(
  file: string,
  data: { path: string; w: number; perWorker: number; range: { first: number; last: number } },
): Promise<{ http: number; ssh: number }[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(file, { workerData: data });
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`allocator worker exited with ${code}`));
    });
  });
}

// Shared helpers of `npm run bench`: a registry of every process the benchmark starts (stopped by
// PID at the end), /proc readers for CPU and memory, free ports, HTTPS calls, wrk and curl runs,
// and a WebSocket round-trip meter. Plain ESM with JSDoc: it runs on the built dist/ as is.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Kernel clock ticks per second (the unit of /proc/<pid>/stat and /proc/stat). */
export const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch (err) {
    process.stderr.write(`bench: getconf CLK_TCK failed (${err}); assuming 100\n`);
    return 100;
  }
})();

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// Processes

/**
 * @typedef {object} Tracked
 * @property {string} name
 * @property {import('node:child_process').ChildProcess} proc
 * @property {number} pid
 * @property {() => string} output the last 64 KiB of stdout and stderr
 * @property {Promise<{code: number | null, signal: string | null}>} exited
 * @property {(re: RegExp, ms: number) => Promise<RegExpExecArray>} waitFor first match on stdout
 */

const TAIL = 64 * 1024;

/**
 * Every process the benchmark starts, so that all of them are stopped by PID at the end (also
 * on errors and Ctrl-C), with the processes they started themselves (project servers, sshd's
 * per-connection children) found through /proc before their parents go.
 */
export class ProcessRegistry {
  /** @type {Tracked[]} */
  #procs = [];
  /** @type {Set<number>} */
  #extra = new Set();

  /**
   * @param {string} name
   * @param {string} file
   * @param {string[]} args
   * @param {import('node:child_process').SpawnOptions} [opts]
   * @returns {Tracked}
   */
  spawn(name, file, args, opts = {}) {
    const proc = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    if (proc.pid === undefined) throw new Error(`cannot start ${name} (${file})`);
    let out = '';
    let stdout = '';
    /** @type {Set<() => boolean>} */
    const watchers = new Set();
    const keep = (s) => (s.length > TAIL ? s.slice(s.length - TAIL) : s);
    proc.stdout?.setEncoding('utf8').on('data', (c) => {
      out = keep(out + c);
      stdout = keep(stdout + c);
      for (const w of [...watchers]) if (w()) watchers.delete(w);
    });
    proc.stderr?.setEncoding('utf8').on('data', (c) => {
      out = keep(out + c);
    });
    const exited = new Promise((resolve) => {
      proc.once('exit', (code, signal) => resolve({ code, signal }));
    });
    proc.once('error', (err) => {
      out = keep(`${out}\n[spawn error] ${err.message}`);
    });
    const t = {
      name,
      proc,
      pid: proc.pid,
      output: () => out,
      exited,
      waitFor: (re, ms) =>
        new Promise((resolve, reject) => {
          let done = false;
          const timer = setTimeout(() => {
            done = true;
            reject(new Error(`${name}: ${re} not seen in ${ms} ms\n${out}`));
          }, ms);
          const check = () => {
            if (done) return true;
            const m = re.exec(stdout);
            if (!m) return false;
            done = true;
            clearTimeout(timer);
            resolve(m);
            return true;
          };
          if (!check()) watchers.add(check);
          void exited.then(({ code, signal }) => {
            if (done) return;
            done = true;
            clearTimeout(timer);
            reject(new Error(`${name} exited (${code ?? signal}) before ${re}\n${out}`));
          });
        }),
    };
    this.#procs.push(t);
    return t;
  }

  /** A PID not started here but to be stopped at the end (e.g. found as a child). */
  adopt(pid) {
    this.#extra.add(pid);
  }

  /** Stops one tracked process: SIGTERM, then SIGKILL after `graceMs`. Resolves when it exited. */
  async stop(t, graceMs = 3000) {
    if (t.proc.exitCode !== null || t.proc.signalCode !== null) return;
    for (const pid of descendants(t.pid)) this.#extra.add(pid);
    t.proc.kill('SIGTERM');
    const timer = setTimeout(() => {
      if (t.proc.exitCode === null && t.proc.signalCode === null) t.proc.kill('SIGKILL');
    }, graceMs);
    await t.exited;
    clearTimeout(timer);
  }

  /** Stops everything, newest first; then whatever their children left behind, by PID. */
  async stopAll() {
    const procs = [...this.#procs].reverse();
    this.#procs = [];
    // Children first recorded while their parents still run.
    for (const t of procs) if (alive(t.pid)) for (const pid of descendants(t.pid)) this.#extra.add(pid);
    for (const t of procs) await this.stop(t);
    await sleep(200);
    for (const pid of this.#extra) {
      if (!alive(pid)) continue;
      try {
        process.kill(pid, 'SIGKILL');
      } catch (err) {
        process.stderr.write(`bench: could not kill ${pid}: ${err.message}\n`);
      }
    }
    this.#extra.clear();
  }
}

function alive(pid) {
  return existsSync(`/proc/${pid}`);
}

/** Fields of /proc/<pid>/stat after the command name (index 0 = state). */
function statFields(pid) {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return text.slice(text.lastIndexOf(')') + 2).split(' ');
}

/** PIDs whose parent chain leads to `pid` (not `pid` itself), from /proc. */
export function descendants(pid) {
  /** @type {Map<number, number[]>} */
  const children = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const ppid = Number(statFields(name)[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(name));
      children.set(ppid, list);
    } catch (err) {
      // The process ended while /proc was listed: it has no children to count.
      if (err.code !== 'ENOENT' && err.code !== 'ESRCH') throw err;
    }
  }
  const out = [];
  const walk = (p) => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

/** CPU seconds (user + system) a live process has used; 0 when it is gone. */
export function cpuSeconds(pid) {
  try {
    const f = statFields(pid);
    return (Number(f[11]) + Number(f[12])) / CLK_TCK;
  } catch (err) {
    if (err.code === 'ENOENT' || err.code === 'ESRCH') return 0;
    throw err;
  }
}

/** CPU seconds of the children this process has waited for (curl, wrk: gone when measured). */
export function reapedChildrenCpuSeconds() {
  const f = statFields('self');
  return (Number(f[13]) + Number(f[14])) / CLK_TCK;
}

/** Resident set size of a process in MB (10^6 bytes); NaN when it is gone. */
export function rssMB(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? (Number(m[1]) * 1024) / 1e6 : Number.NaN;
  } catch (err) {
    if (err.code === 'ENOENT' || err.code === 'ESRCH') return Number.NaN;
    throw err;
  }
}

/** Whole-machine busy and total CPU seconds since boot (all cores), from /proc/stat. */
export function machineCpu() {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already in user)
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  return { busy: (total - idle) / CLK_TCK, total: total / CLK_TCK };
}

// ---------------------------------------------------------------------------------------------
// Ports

function listenOnce(port) {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(null));
    srv.listen({ port, host: '127.0.0.1', exclusive: true }, () => {
      const addr = srv.address();
      const got = typeof addr === 'object' && addr ? addr.port : null;
      srv.close(() => resolve(got));
    });
  });
}

/** A port free on 127.0.0.1 right now. */
export async function freePort() {
  const p = await listenOnce(0);
  if (p === null) throw new Error('cannot bind an ephemeral port on 127.0.0.1');
  return p;
}

/** The kernel's ephemeral port range (client sockets' local ports), from /proc. */
function ephemeralRange() {
  try {
    const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    return { lo: lo ?? 32768, hi: hi ?? 60999 };
  } catch (err) {
    process.stderr.write(
      `bench: cannot read the ephemeral port range (${err.message}); assuming 32768-60999\n`,
    );
    return { lo: 32768, hi: 60999 };
  }
}

/**
 * A hub base port P: P (HTTPS), P+1 (SSH) free, and the hub's tunnel range above it in bounds.
 * Tunnel ports are P+10 … P+1009; the hosts of the scale test take the first 200 of them. The
 * whole range stays below the kernel's ephemeral ports: the thousands of client connections of a
 * run (and of anything else on the machine) would otherwise take tunnel ports the hub hands out,
 * and a host's forward would fail with EADDRINUSE.
 */
export async function freeBasePort() {
  const { lo, hi } = ephemeralRange();
  // Below the ephemeral range if it leaves room (Linux default: 10000…31700), else above it.
  const [from, to] = lo - 1100 > 10000 ? [10000, lo - 1100] : [hi + 1, 65535 - 1100];
  for (let i = 0; i < 200; i++) {
    const p = from + Math.floor(Math.random() * (to - from));
    if ((await listenOnce(p)) === null || (await listenOnce(p + 1)) === null) continue;
    let ok = true;
    for (let q = p + 10; q < p + 10 + 220 && ok; q += 1) ok = (await listenOnce(q)) !== null;
    if (ok) return p;
  }
  throw new Error('no free base port found on 127.0.0.1');
}

// ---------------------------------------------------------------------------------------------
// HTTP(S)

/**
 * One request on a fresh connection; resolves with status, headers and body text.
 * @param {{ https?: boolean, port: number, path: string, method?: string, body?: unknown,
 *   headers?: Record<string, string>, ca?: string, timeoutMs?: number }} o
 * @returns {Promise<{ status: number, headers: import('node:http').IncomingHttpHeaders, text: string, json: any }>}
 */
export function call(o) {
  const payload = o.body === undefined ? undefined : Buffer.from(JSON.stringify(o.body));
  const headers = { ...(o.headers ?? {}) };
  if (payload) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(payload.length);
  }
  const useHttps = o.https ?? true;
  const req = (useHttps ? httpsRequest : httpRequest)({
    host: '127.0.0.1',
    port: o.port,
    path: o.path,
    method: o.method ?? 'GET',
    headers,
    agent: false,
    ...(useHttps ? (o.ca ? { ca: o.ca, servername: 'localhost' } : { rejectUnauthorized: false }) : {}),
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => req.destroy(new Error(`no answer from ${o.port}${o.path} in ${o.timeoutMs ?? 15000} ms`)),
      o.timeoutMs ?? 15000,
    );
    req.on('response', (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        clearTimeout(timer);
        const text = Buffer.concat(chunks).toString('utf8');
        let json;
        try {
          json = JSON.parse(text);
        } catch {
          // Not JSON (a page): callers look at the text.
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.end(payload);
  });
}

// ---------------------------------------------------------------------------------------------
// Load generators

/** `12.5ms` / `980.00us` / `1.2s` -> milliseconds. */
function wrkMs(text) {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text);
  if (!m) return Number.NaN;
  const v = Number(m[1]);
  return m[2] === 'us' ? v / 1000 : m[2] === 'ms' ? v : m[2] === 's' ? v * 1000 : v * 60000;
}

/** Parses `wrk --latency` output. */
export function parseWrk(out) {
  const num = (re) => {
    const m = re.exec(out);
    return m ? Number(m[1]) : Number.NaN;
  };
  const pct = (p) => {
    const m = new RegExp(`^\\s+${p}%\\s+(\\S+)`, 'm').exec(out);
    return m ? wrkMs(m[1]) : Number.NaN;
  };
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const socketErrors = socket ? socket.slice(1).reduce((a, b) => a + Number(b), 0) : 0;
  return {
    requests: num(/^\s*(\d+) requests in/m),
    reqPerSec: num(/^Requests\/sec:\s+([\d.]+)/m),
    p50ms: pct(50),
    p75ms: pct(75),
    p90ms: pct(90),
    p99ms: pct(99),
    non2xx: num(/Non-2xx or 3xx responses: (\d+)/) || 0,
    socketErrors,
  };
}

/**
 * Runs wrk (one thread) against `url` and parses its summary.
 * @param {string} url
 * @param {{ connections: number, seconds: number, headers?: Record<string, string>, registry: ProcessRegistry }} o
 */
export async function runWrk(url, o) {
  const args = ['-t1', `-c${o.connections}`, `-d${o.seconds}s`, '--latency', '--timeout', '5s'];
  for (const [k, v] of Object.entries(o.headers ?? {})) args.push('-H', `${k}: ${v}`);
  args.push(url);
  const t = o.registry.spawn('wrk', 'wrk', args);
  const { code } = await t.exited;
  const out = t.output();
  if (code !== 0) throw new Error(`wrk exited ${code}:\n${out}`);
  const parsed = parseWrk(out);
  if (!Number.isFinite(parsed.reqPerSec)) throw new Error(`cannot parse wrk output:\n${out}`);
  return parsed;
}

/**
 * Streams one download to /dev/null with curl; resolves with bytes, seconds, the status and the
 * CPU seconds curl used.
 * @param {string} url
 * @param {{ headers?: Record<string, string>, caFile?: string, registry: ProcessRegistry }} o
 */
export async function curlDownload(url, o) {
  const args = ['-sS', '-o', '/dev/null', '-w', '%{http_code} %{size_download} %{time_total}'];
  if (o.caFile) args.push('--cacert', o.caFile);
  for (const [k, v] of Object.entries(o.headers ?? {})) args.push('-H', `${k}: ${v}`);
  args.push(url);
  const cpu0 = reapedChildrenCpuSeconds();
  const t = o.registry.spawn('curl', 'curl', args);
  const { code } = await t.exited;
  const cpu = reapedChildrenCpuSeconds() - cpu0;
  const out = t.output().trim();
  const m = /^(\d+) (\d+) ([\d.]+)$/m.exec(out);
  if (code !== 0 || !m) throw new Error(`curl ${url} failed (exit ${code}): ${out}`);
  return { status: Number(m[1]), bytes: Number(m[2]), seconds: Number(m[3]), clientCpu: cpu };
}

/** Opens a WebSocket; rejects with the HTTP status when the upgrade is refused. */
export function openWs(url, headers, ca) {
  const ws = new WebSocket(url, {
    headers,
    perMessageDeflate: false,
    ...(url.startsWith('wss:') ? (ca ? { ca, servername: 'localhost' } : { rejectUnauthorized: false }) : {}),
  });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) =>
      reject(new Error(`upgrade refused: HTTP ${res.statusCode}`)),
    );
  });
}

/** Sends `n` sequential `size`-byte messages and waits for each echo; resolves with RTTs in ms. */
export async function wsEchoRtts(url, headers, ca, n, size = 64) {
  const ws = await openWs(url, headers, ca);
  ws.binaryType = 'nodebuffer';
  const payload = Buffer.alloc(size, 0x61);
  const rtts = new Float64Array(n);
  try {
    for (let i = 0; i < n; i++) {
      const t0 = process.hrtime.bigint();
      await new Promise((resolve, reject) => {
        const onMessage = (data) => {
          ws.off('close', onClose);
          if (data.length !== size) reject(new Error(`echo of ${data.length} bytes, expected ${size}`));
          else resolve(undefined);
        };
        const onClose = () => {
          ws.off('message', onMessage);
          reject(new Error('the WebSocket closed during the echo test'));
        };
        ws.once('message', onMessage);
        ws.once('close', onClose);
        ws.send(payload);
      });
      rtts[i] = Number(process.hrtime.bigint() - t0) / 1e6;
    }
  } finally {
    ws.terminate();
  }
  return [...rtts];
}

// ---------------------------------------------------------------------------------------------
// Numbers

export function median(xs) {
  return percentile(xs, 50);
}

/** Nearest-rank percentile. */
export function percentile(xs, p) {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * s.length);
  return s[Math.min(s.length - 1, Math.max(0, rank - 1))];
}

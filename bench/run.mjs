// `npm run bench`: speed and scale of the hub, side by side with OpenSSH and a direct connection.
// See bench/README.md. Loopback only; every process it starts is stopped by PID at the end (also
// on errors and Ctrl-C). Needs the built server (`npm run build`, or at least `npm run
// build:server`, which this script runs itself when dist/server is missing).
//
//   node bench/run.mjs [--quick] [--cpu-prof] [--keep] [--skip-startup] [--skip-scale]
//                      [--paths a,b,c,cs,d] [--label <text for the results>]
import { execFileSync, spawnSync } from 'node:child_process';
import { randomFillSync, randomUUID } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  closeSync,
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { connect } from 'node:net';
import { cpus, release, tmpdir, totalmem, userInfo } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  CLK_TCK,
  call,
  cpuSeconds,
  curlDownload,
  descendants,
  freeBasePort,
  freePort,
  machineCpu,
  median,
  openWs,
  ProcessRegistry,
  percentile,
  ROOT,
  rssMB,
  runWrk,
  sleep,
  wsEchoRtts,
} from './lib.mjs';

// ---------------------------------------------------------------------------------------------
// Options

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(`--${name}`);
const optionValue = (name) => {
  const i = argv.indexOf(`--${name}`);
  return i === -1 ? undefined : argv[i + 1];
};
const QUICK = flag('quick');
const ALL_PATHS = ['a', 'b', 'c', 'cs', 'd'];
const PATHS = (optionValue('paths') ?? ALL_PATHS.join(',')).split(',').filter((p) => ALL_PATHS.includes(p));
const ALL_METRICS = ['small', 'ws', 'bulk'];
const METRICS = (optionValue('metrics') ?? ALL_METRICS.join(','))
  .split(',')
  .filter((m) => ALL_METRICS.includes(m));
const SIZES = QUICK
  ? {
      bulkMiB: 32,
      bulkRuns: 3,
      wrkSeconds: 2,
      warmSeconds: 1,
      wsMessages: 200,
      hosts: 10,
      sockets: 100,
      starts: 1,
      holdSeconds: 2,
    }
  : {
      bulkMiB: 256,
      bulkRuns: 3,
      wrkSeconds: 10,
      warmSeconds: 2,
      wsMessages: 2000,
      hosts: 100,
      sockets: 1000,
      starts: 3,
      holdSeconds: 10,
    };

const BIN = join(ROOT, 'bin', 'launchpad.mjs');
const PROJECT_MAIN = join(ROOT, 'dist', 'server', 'projects', 'workspace', 'main.js');
const SSHD = '/usr/sbin/sshd';
const LOGIN_LINE = /^ {2}Sign in {4}(https:\/\/\S+\/login\?token=\S+)$/m;
const JOINED_LINE = /^Joined hub (\S+) as host (\S+) \((.*)\); tunnel ports http (\d+), ssh (\d+)$/m;
const TOKEN_HEADER = 'x-launchpad-project-token';

const PATH_LABELS = {
  a: '(a) direct',
  b: '(b) hub, same machine',
  c: '(c) hub + tunnel',
  cs: '(c*) harness + tunnel',
  d: '(d) harness + OpenSSH',
};

const reg = new ProcessRegistry();
const tmp = mkdtempSync(join(tmpdir(), 'lp-bench-'));
const profDir = join(ROOT, 'bench', 'results', 'profiles');
const nodeFlags = flag('cpu-prof') ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [];
const log = (s) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${s}\n`);

// ---------------------------------------------------------------------------------------------
// Facts

function tryRun(file, args) {
  const r = spawnSync(file, args, { encoding: 'utf8' });
  if (r.error) return `unavailable (${r.error.message})`;
  return `${r.stdout}${r.stderr}`.trim().split('\n')[0] ?? '';
}

function facts() {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const git = (args) => {
    const r = spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' });
    return r.status === 0 ? r.stdout.trim() : null;
  };
  const dirty = git(['status', '--porcelain', '--', 'server']);
  return {
    date: new Date().toISOString(),
    machine: {
      cpuModel: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      memoryGB: Math.round(totalmem() / 1e8) / 10,
      kernel: release(),
      loadAverageAtStart: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number),
      clockTicks: CLK_TCK,
    },
    versions: {
      node: process.version,
      launchpad: pkg.version,
      commit: git(['rev-parse', 'HEAD']),
      serverSourceModified: dirty === null ? null : dirty.length > 0,
      openssh: tryRun('ssh', ['-V']),
      wrk: tryRun('wrk', ['-v']),
      curl: tryRun('curl', ['--version']),
      restic: tryRun('restic', ['version']),
    },
    label: optionValue('label') ?? null,
    options: { quick: QUICK, paths: PATHS, sizes: SIZES, cpuProf: flag('cpu-prof') },
  };
}

// ---------------------------------------------------------------------------------------------
// Processes of the benchmark

/** This environment without COCALC_* (and the log level), plus a LAN Launchpad hub on `port`. */
function hubEnv(extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('COCALC_') && k !== 'LAUNCHPAD_LOG_LEVEL') env[k] = v;
  }
  return {
    ...env,
    COCALC_PRODUCT: 'launchpad',
    COCALC_DEPLOYMENT_MODE: 'local',
    COCALC_PUBLIC_HOST: '127.0.0.1',
    ...extra,
  };
}

/** How a hub or agent process is started: node flags and entry, of dist/ or of the headless install. */
const DIST = { nodeFlags: [], entry: BIN };
let shipped = DIST;

function startHubProcess(name, dataDir, port, how = shipped) {
  return reg.spawn(
    name,
    process.execPath,
    [...nodeFlags, ...how.nodeFlags, how.entry, '--server', '--data-dir', dataDir],
    {
      env: hubEnv({ COCALC_BASE_PORT: String(port) }),
      cwd: ROOT,
    },
  );
}

/** Polls GET /api/status until a 200; resolves with the milliseconds since `t0`. */
async function firstStatus200(t, port, t0, deadlineMs = 30_000) {
  let last = null;
  while (performance.now() - t0 < deadlineMs) {
    if (t.proc.exitCode !== null) throw new Error(`${t.name} exited:\n${t.output()}`);
    try {
      const r = await call({ port, path: '/api/status', timeoutMs: 2000 });
      if (r.status === 200) return performance.now() - t0;
      last = `HTTP ${r.status}`;
    } catch (err) {
      last = err.code ?? err.message;
    }
    await sleep(5);
  }
  throw new Error(`${t.name}: no 200 from /api/status within ${deadlineMs} ms (last: ${last})`);
}

/**
 * The hub's CLI bundled as `npm run build:headless` ships it (build/headless/bundle-server.mjs):
 * one file instead of dist/server plus hundreds of files from node_modules. Written under dist/
 * so that what it leaves external (better-sqlite3, ssh2, pino) resolves from node_modules.
 */
async function headlessBundle() {
  const { bundleServer } = await import(join(ROOT, 'build', 'headless', 'bundle-server.mjs'));
  const { NODE_FLAGS } = await import(join(ROOT, 'build', 'headless', 'launcher.mjs'));
  const outfile = join(ROOT, 'dist', 'bench-headless', 'launchpad.mjs');
  await bundleServer(ROOT, outfile);
  return { nodeFlags: NODE_FLAGS, entry: outfile };
}

/**
 * Cold (empty data dir) and warm (same dir again) starts to the first 200, and idle RSS, of the
 * hub as it ships headless (the bundle) and as `node bin/launchpad.mjs` runs it from dist/.
 */
async function startupFigures() {
  const entries = { shipped, dist: DIST };
  const runs = { shipped: { cold: [], warm: [] }, dist: { cold: [], warm: [] } };
  let idle = null;
  for (let i = 0; i < SIZES.starts; i++) {
    for (const [kind, how] of Object.entries(entries)) {
      const { cold, warm } = runs[kind];
      const dir = join(tmp, `startup-${kind}-${i}`);
      const port = await freeBasePort();
      let t0 = performance.now();
      let hub = startHubProcess(`hub-cold-${kind}-${i}`, dir, port, how);
      cold.push(await firstStatus200(hub, port, t0));
      await reg.stop(hub, 10_000);
      t0 = performance.now();
      hub = startHubProcess(`hub-warm-${kind}-${i}`, dir, port, how);
      warm.push(await firstStatus200(hub, port, t0));
      if (kind === 'shipped' && i === SIZES.starts - 1) {
        // Idle: started, nothing connected, after it settled.
        await sleep(QUICK ? 2000 : 5000);
        const cpu0 = cpuSeconds(hub.pid);
        const w0 = performance.now();
        await sleep(QUICK ? 1000 : 5000);
        idle = {
          rssMB: rssMB(hub.pid),
          cpuPercent: ((cpuSeconds(hub.pid) - cpu0) / ((performance.now() - w0) / 1000)) * 100,
        };
      }
      await reg.stop(hub, 10_000);
      log(
        `start ${i + 1}/${SIZES.starts} (${kind}): cold ${cold[i]?.toFixed(0)} ms, warm ${warm[i]?.toFixed(0)} ms`,
      );
    }
  }
  const figures = (r) => ({
    coldMs: median(r.cold),
    warmMs: median(r.warm),
    coldRuns: r.cold,
    warmRuns: r.warm,
  });
  return { ...figures(runs.shipped), dist: figures(runs.dist), idle };
}

function pidsOfProjectServers(parent) {
  return descendants(parent).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('workspace/main.js');
    } catch (err) {
      if (err.code === 'ENOENT') return false;
      throw err;
    }
  });
}

/** Resolves once 127.0.0.1:`port` accepts a TCP connection. */
async function waitForPort(port, what, deadlineMs = 15_000) {
  const t0 = Date.now();
  while (Date.now() - t0 < deadlineMs) {
    const ok = await new Promise((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(50);
  }
  throw new Error(`${what}: port ${port} not open within ${deadlineMs} ms`);
}

/** A file of `mib` MiB of random bytes (so nothing on the way can compress it). */
function writeRandomFile(path, mib) {
  const fd = openSync(path, 'w');
  const chunk = Buffer.allocUnsafe(1024 * 1024);
  try {
    for (let i = 0; i < mib; i++) writeSync(fd, randomFillSync(chunk));
  } finally {
    closeSync(fd);
  }
}

/**
 * OpenSSH's sshd, unprivileged: its own config, host key and authorized_keys in a temp dir, a
 * free port on 127.0.0.1, run as `nobody` when the benchmark runs as root (no privilege
 * separation dir needed, and nothing of the system's sshd is touched). Then `ssh -N -R` from
 * here to it, forwarding a port on the sshd side to the agent's host service.
 */
async function startOpenSsh(servicePort) {
  const dir = join(tmp, 'openssh');
  mkdirSync(dir);
  const asRoot = process.getuid?.() === 0;
  const user = asRoot ? 'nobody' : userInfo().username;
  const ids = asRoot
    ? { uid: Number(tryRun('id', ['-u', 'nobody'])), gid: Number(tryRun('id', ['-g', 'nobody'])) }
    : null;
  const keygen = (file) =>
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'bench', '-f', file]);
  keygen(join(dir, 'host_key'));
  keygen(join(dir, 'client_key'));
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'client_key.pub')));
  const port = await freePort();
  const config = [
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${join(dir, 'host_key')}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    'StrictModes no',
    // With PAM off sshd refuses accounts whose password is locked (`nobody` is); PAM's account
    // check does not mind, and keys are the only way in anyway.
    'UsePAM yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PubkeyAuthentication yes',
    'AllowTcpForwarding remote',
    'GatewayPorts no',
    'PermitTTY no',
    'X11Forwarding no',
    'AllowAgentForwarding no',
    'LogLevel ERROR',
  ].join('\n');
  writeFileSync(join(dir, 'sshd_config'), `${config}\n`);
  if (ids) {
    // sshd runs as nobody: it must reach its dir (through the 0700 temp dir) and write its pid file.
    chmodSync(tmp, 0o711);
    chownSync(dir, ids.uid, ids.gid);
    for (const f of ['host_key', 'host_key.pub', 'authorized_keys', 'sshd_config']) {
      chownSync(join(dir, f), ids.uid, ids.gid);
    }
  }
  const sshd = reg.spawn('sshd', SSHD, ['-D', '-e', '-f', join(dir, 'sshd_config')], ids ?? {});
  await waitForPort(port, 'OpenSSH sshd').catch((err) => {
    throw new Error(`${err.message}\n${sshd.output()}`);
  });
  const forwardPort = await freePort();
  const ssh = reg.spawn('ssh', 'ssh', [
    '-N',
    '-v',
    '-p',
    String(port),
    '-i',
    join(dir, 'client_key'),
    '-o',
    'BatchMode=yes',
    '-o',
    'StrictHostKeyChecking=no',
    '-o',
    `UserKnownHostsFile=${join(dir, 'known_hosts')}`,
    '-o',
    'ExitOnForwardFailure=yes',
    '-o',
    'ServerAliveInterval=15',
    '-R',
    `127.0.0.1:${forwardPort}:127.0.0.1:${servicePort}`,
    `${user}@127.0.0.1`,
  ]);
  await waitForPort(forwardPort, 'OpenSSH reverse forward').catch((err) => {
    throw new Error(`${err.message}\n${ssh.output().slice(-3000)}\n${sshd.output()}`);
  });
  const cipher = /kex: server->client cipher: (\S+)/.exec(ssh.output())?.[1] ?? 'unknown';
  return { sshd, ssh, forwardPort, cipher, user };
}

// ---------------------------------------------------------------------------------------------
// Measurements

/** CPU seconds of each named group of PIDs (groups are resolved now: children may come and go). */
function cpuSnapshot(groups) {
  /** @type {Record<string, number>} */
  const out = {};
  for (const [name, pids] of Object.entries(groups))
    out[name] = pids().reduce((a, p) => a + cpuSeconds(p), 0);
  return out;
}

const urlsOf = (p) => {
  const base = `${p.https ? 'https' : 'http'}://127.0.0.1:${p.port}${p.prefix}`;
  return {
    small: `${base}/api/files/download?path=small.txt`,
    big: `${base}/api/files/download?path=big.bin`,
    ws: `${p.https ? 'wss' : 'ws'}://127.0.0.1:${p.port}${p.prefix}/port/${p.echoPort}/`,
  };
};

/**
 * Every path, metric by metric: the paths take turns within each metric (and the bulk runs go
 * round-robin), so a burst of other load on the machine does not land on one path alone.
 * @param {Record<string, any>} defs
 */
async function measurePaths(defs) {
  /** @type {Record<string, any>} */
  const out = {};
  for (const key of PATHS) {
    const p = defs[key];
    log(`${PATH_LABELS[key]}: preflight and warm-up`);
    const small = await call({
      https: p.https,
      port: p.port,
      path: `${p.prefix}/api/files/download?path=small.txt`,
      headers: p.headers,
      ca: p.ca,
    });
    if (small.status !== 200 || small.text !== p.smallText) {
      throw new Error(`${PATH_LABELS[key]}: GET small.txt gave ${small.status}: ${small.text.slice(0, 300)}`);
    }
    const warm = { connections: 50, seconds: SIZES.warmSeconds, headers: p.headers, registry: reg };
    await runWrk(urlsOf(p).small, warm);
    out[key] = { small: {}, cpuSeconds: {}, bulk: { runs: [] } };
  }
  for (const connections of METRICS.includes('small') ? [1, 50] : []) {
    for (const key of PATHS) {
      const p = defs[key];
      log(`${PATH_LABELS[key]}: small GETs, wrk c=${connections}`);
      const o = { connections, seconds: SIZES.wrkSeconds, headers: p.headers, registry: reg };
      out[key].small[`c${connections}`] = await runWrk(urlsOf(p).small, o);
    }
  }
  for (const key of METRICS.includes('ws') ? PATHS : []) {
    const p = defs[key];
    log(`${PATH_LABELS[key]}: WebSocket echo x ${SIZES.wsMessages}`);
    const rtts = await wsEchoRtts(urlsOf(p).ws, p.headers, p.ca, SIZES.wsMessages);
    out[key].ws = {
      p50ms: percentile(rtts, 50),
      p99ms: percentile(rtts, 99),
      messages: rtts.length,
      bytes: 64,
    };
  }
  const dl = (p) => ({ headers: p.headers, registry: reg, ...(p.https ? { caFile: p.caFile } : {}) });
  if (!QUICK && METRICS.includes('bulk')) {
    for (const key of PATHS) {
      log(`${PATH_LABELS[key]}: bulk warm-up`);
      await curlDownload(urlsOf(defs[key]).big, dl(defs[key]));
    }
  }
  /** @type {Record<string, Record<string, number>>} */
  const cpu = {};
  for (let i = 0; i < (METRICS.includes('bulk') ? SIZES.bulkRuns : 0); i++) {
    for (const key of PATHS) {
      const p = defs[key];
      log(`${PATH_LABELS[key]}: bulk ${i + 1}/${SIZES.bulkRuns}, ${SIZES.bulkMiB} MiB`);
      const c0 = cpuSnapshot(p.procs);
      const m0 = machineCpu();
      const r = await curlDownload(urlsOf(p).big, dl(p));
      const m1 = machineCpu();
      const c1 = cpuSnapshot(p.procs);
      if (r.status !== 200 || r.bytes !== SIZES.bulkMiB * 1024 * 1024) {
        throw new Error(`${PATH_LABELS[key]}: bulk download gave HTTP ${r.status}, ${r.bytes} bytes`);
      }
      out[key].bulk.runs.push(r.bytes / r.seconds / 1e6);
      cpu[key] ??= { bytes: 0, client: 0, machine: 0 };
      const acc = cpu[key];
      acc.bytes += r.bytes;
      acc.client += r.clientCpu;
      acc.machine += m1.busy - m0.busy;
      for (const name of Object.keys(c1)) acc[name] = (acc[name] ?? 0) + (c1[name] ?? 0) - (c0[name] ?? 0);
    }
  }
  for (const key of PATHS) {
    const { bytes, machine, ...procs } = cpu[key] ?? { bytes: 0, machine: 0 };
    const gb = bytes / 1e9;
    /** @type {Record<string, number>} */
    const perGB = {};
    for (const [name, secs] of Object.entries(procs)) perGB[name] = secs / gb;
    perGB.pathTotal = Object.values(perGB).reduce((a, b) => a + b, 0);
    perGB.machine = machine / gb;
    out[key].cpuPerGB = perGB;
    out[key].cpuSeconds = { ...procs, machine };
    out[key].bulk.mbPerSec = median(out[key].bulk.runs);
    out[key].bulk.bytes = SIZES.bulkMiB * 1024 * 1024;
  }
  return out;
}

/** Many WebSockets through the hub and the tunnel at once: each opened, one echo, held. */
async function manyWebSockets(url, headers, ca, hub, agent) {
  const count = SIZES.sockets;
  const rss0 = rssMB(hub.pid);
  const cpu0 = cpuSeconds(hub.pid);
  const t0 = performance.now();
  const sockets = [];
  const errors = [];
  let next = 0;
  const payload = Buffer.alloc(64, 0x62);
  const worker = async () => {
    while (next < count) {
      next += 1;
      try {
        const ws = await openWs(url, headers, ca);
        await new Promise((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('no echo within 10 s')), 10_000);
          ws.once('message', (data) => {
            clearTimeout(timer);
            if (data.length === 64) resolve(undefined);
            else reject(new Error(`echo of ${data.length} bytes`));
          });
          ws.send(payload);
        });
        ws.on('close', () => {
          if (!ws.benchClosing) errors.push('a held WebSocket closed');
        });
        ws.on('error', (err) => errors.push(`held WebSocket: ${err.message}`));
        sockets.push(ws);
      } catch (err) {
        errors.push(err.message);
      }
    }
  };
  await Promise.all(Array.from({ length: 25 }, worker));
  const openSeconds = (performance.now() - t0) / 1000;
  const cpuOpen = cpuSeconds(hub.pid) - cpu0;
  const c1 = cpuSeconds(hub.pid);
  const h0 = performance.now();
  await sleep(SIZES.holdSeconds * 1000);
  const holdCpuPercent = ((cpuSeconds(hub.pid) - c1) / ((performance.now() - h0) / 1000)) * 100;
  // Still all there after the hold: one more echo on each.
  let echoed = 0;
  await Promise.all(
    sockets.map(
      (ws) =>
        new Promise((resolve) => {
          const timer = setTimeout(() => {
            errors.push('no echo after the hold');
            resolve(undefined);
          }, 10_000);
          ws.once('message', () => {
            clearTimeout(timer);
            echoed += 1;
            resolve(undefined);
          });
          ws.send(payload);
        }),
    ),
  );
  const result = {
    count,
    open: sockets.length,
    echoedAfterHold: echoed,
    errors: errors.length,
    firstErrors: [...new Set(errors)].slice(0, 5),
    openSeconds,
    hubRssBeforeMB: rss0,
    hubRssMB: rssMB(hub.pid),
    agentRssMB: rssMB(agent.pid),
    hubCpuSecondsToOpen: cpuOpen,
    hubCpuPercentHeld: holdCpuPercent,
  };
  for (const ws of sockets) {
    ws.benchClosing = true;
    ws.terminate();
  }
  return result;
}

/** N hosts joined and connected (one multi-agent process); hub RSS and CPU while they are held. */
async function manyHosts(api, hub) {
  const count = SIZES.hosts;
  const created = await api('/api/tokens', {
    method: 'POST',
    body: { uses: count, ttlSeconds: 3600, name: 'bench-scale' },
  });
  if (created.status !== 201) throw new Error(`token for the scale test: ${created.status} ${created.text}`);
  const rss0 = rssMB(hub.pid);
  const t0 = performance.now();
  const multi = reg.spawn('multi-agent', process.execPath, [
    join(ROOT, 'bench', 'multi-agent.mjs'),
    '--root',
    ROOT,
    '--token',
    created.json.token,
    '--count',
    String(count),
    '--dir',
    join(tmp, 'hosts'),
  ]);
  const ready = JSON.parse((await multi.waitFor(/^(\{"event":"ready".*)$/m, 300_000))[1]);
  // The hub's own view: every host online.
  let online = 0;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const hosts = await api('/api/hosts');
    online = (hosts.json?.hosts ?? []).filter(
      (h) => h.name?.startsWith('bench-') && h.state === 'online' && h.name !== 'bench-host',
    ).length;
    if (online >= count) break;
    await sleep(500);
  }
  const allOnlineSeconds = (performance.now() - t0) / 1000;
  await sleep(1000);
  const cpu0 = cpuSeconds(hub.pid);
  const m0 = cpuSeconds(multi.pid);
  const h0 = performance.now();
  await sleep(SIZES.holdSeconds * 1000);
  const secs = (performance.now() - h0) / 1000;
  multi.proc.kill('SIGUSR2');
  const report = JSON.parse(
    (await multi.waitFor(/^(\{"event":"report".*)$/m, 10_000).catch(() => [null, '{}']))[1] ?? '{}',
  );
  const errors = [...(ready.errors ?? []), ...(report.errors ?? [])];
  const result = {
    count,
    joinedAndOnlineByAgent: ready.online,
    onlineOnHub: online,
    onlineAtEnd: report.online ?? null,
    errors: errors.length,
    firstErrors: [...new Set(errors)].slice(0, 5),
    joinSeconds: ready.joinMs / 1000,
    connectSeconds: ready.connectMs / 1000,
    allOnlineSeconds,
    hubRssBeforeMB: rss0,
    hubRssMB: rssMB(hub.pid),
    hubCpuPercentHeld: ((cpuSeconds(hub.pid) - cpu0) / secs) * 100,
    agentsRssMB: rssMB(multi.pid),
    agentsCpuPercentHeld: ((cpuSeconds(multi.pid) - m0) / secs) * 100,
  };
  await reg.stop(multi, 10_000);
  return result;
}

// ---------------------------------------------------------------------------------------------
// Output

const fmt = (v, digits = 1) => {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  if (typeof v !== 'number') return String(v);
  if (Math.abs(v) >= 10000) return `${(v / 1000).toFixed(1)}k`;
  return v.toFixed(digits);
};
const ratio = (x, y) => (Number.isFinite(x) && Number.isFinite(y) && y !== 0 ? x / y : Number.NaN);
const mark = (ok) => (ok === null ? ' ' : ok ? '✓' : '✗');

function table(rows, header) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i] ?? '').length)));
  const line = (cells) =>
    cells.map((c, i) => (i < 2 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function report(res) {
  const out = [];
  const P = res.paths;
  const paths = PATHS.filter((k) => P[k]);
  const get = (k, f) => (P[k] ? f(P[k]) : Number.NaN);
  /** [metric, unit, getter, digits, target text, target check on the row values (or null)] */
  const metrics = [
    [
      `bulk download ${SIZES.bulkMiB} MiB, median of ${SIZES.bulkRuns}`,
      'MB/s',
      (p) => p.bulk.mbPerSec,
      0,
      '(c)/(d) ≥ 2.0',
      (v) => ratio(v.c, v.d) >= 2,
    ],
    ['small GET c=1', 'req/s', (p) => p.small.c1?.reqPerSec, 0, '', null],
    ['small GET c=1 p50', 'ms', (p) => p.small.c1?.p50ms, 2, '', null],
    ['small GET c=1 p99', 'ms', (p) => p.small.c1?.p99ms, 2, '', null],
    [
      'small GET c=50',
      'req/s',
      (p) => p.small.c50?.reqPerSec,
      0,
      '(c)/(d) ≥ 1.5',
      (v) => ratio(v.c, v.d) >= 1.5,
    ],
    ['small GET c=50 p50', 'ms', (p) => p.small.c50?.p50ms, 2, '', null],
    ['small GET c=50 p99', 'ms', (p) => p.small.c50?.p99ms, 2, '(c) < 10 ms', (v) => v.c < 10],
    [
      'small GET errors (non-2xx + socket)',
      'count',
      (p) => p.small.c1?.non2xx + p.small.c1?.socketErrors + p.small.c50?.non2xx + p.small.c50?.socketErrors,
      0,
      '0',
      (v) => Object.values(v).every((x) => !Number.isFinite(x) || x === 0),
    ],
    ['WebSocket echo 64 B p50', 'ms', (p) => p.ws?.p50ms, 3, '', null],
    ['WebSocket echo 64 B p99', 'ms', (p) => p.ws?.p99ms, 3, '', null],
    ['CPU hub process', 's/GB', (p) => p.cpuPerGB.hub, 2, '', null],
    ['CPU proxy harness', 's/GB', (p) => p.cpuPerGB.harness, 2, '', null],
    ['CPU OpenSSH (sshd + ssh)', 's/GB', (p) => p.cpuPerGB.openssh, 2, '', null],
    ['CPU agent process', 's/GB', (p) => p.cpuPerGB.agent, 2, '', null],
    ['CPU project server', 's/GB', (p) => p.cpuPerGB.project, 2, '', null],
    ['CPU client (curl)', 's/GB', (p) => p.cpuPerGB.client, 2, '', null],
    ['CPU sum of the path’s processes', 's/GB', (p) => p.cpuPerGB.pathTotal, 2, '', null],
    [
      'CPU whole machine',
      's/GB',
      (p) => p.cpuPerGB.machine,
      2,
      '(c)/(d) ≤ 0.5',
      (v) => ratio(v.c, v.d) <= 0.5,
    ],
  ];
  const header = [
    'metric',
    'unit',
    ...paths.map((k) => PATH_LABELS[k]),
    '(c)/(d)',
    '(c*)/(d)',
    '(c)/(a)',
    'target',
    '',
  ];
  const rows = [];
  const checks = [];
  for (const [name, unit, f, digits, target, check] of metrics) {
    const v = Object.fromEntries(ALL_PATHS.map((k) => [k, get(k, f)]));
    // A metric left out with --metrics has no row.
    if (ALL_PATHS.every((k) => !Number.isFinite(v[k]))) continue;
    const ok = check && P.c && (P.d || !target.includes('(d)')) ? check(v) : null;
    if (ok !== null) checks.push({ metric: name, target, ok });
    rows.push([
      name,
      unit,
      ...paths.map((k) => fmt(v[k], digits)),
      fmt(ratio(v.c, v.d), 2),
      fmt(ratio(v.cs, v.d), 2),
      fmt(ratio(v.c, v.a), 2),
      target,
      mark(ok),
    ]);
  }
  out.push(table(rows, header));

  const hubRows = [];
  const hubRow = (name, unit, value, digits, target, ok) => {
    if (ok !== null) checks.push({ metric: name, target, ok });
    hubRows.push([name, unit, fmt(value, digits), target, mark(ok)]);
  };
  const s = res.startup;
  if (s) {
    hubRow('cold start to 200 /api/status (median)', 'ms', s.coldMs, 0, '< 1500', s.coldMs < 1500);
    hubRow('warm start to 200 /api/status (median)', 'ms', s.warmMs, 0, '< 600', s.warmMs < 600);
    if (s.dist) {
      hubRow(
        'cold / warm start, bin/launchpad.mjs (dist/)',
        'ms',
        `${fmt(s.dist.coldMs, 0)} / ${fmt(s.dist.warmMs, 0)}`,
        0,
        '',
        null,
      );
    }
    hubRow('idle RSS', 'MB', s.idle?.rssMB, 0, '< 150', (s.idle?.rssMB ?? Number.POSITIVE_INFINITY) < 150);
    hubRow('idle CPU', '%', s.idle?.cpuPercent, 2, '', null);
  }
  const h = res.scale?.hosts;
  if (h) {
    hubRow(
      `${h.count} hosts: online on the hub`,
      'hosts',
      h.onlineOnHub,
      0,
      `${h.count}`,
      h.onlineOnHub === h.count,
    );
    hubRow(`${h.count} hosts: errors`, 'count', h.errors, 0, '0', h.errors === 0);
    hubRow(
      `${h.count} hosts: join (HTTPS) / connect (SSH)`,
      's',
      `${fmt(h.joinSeconds, 1)} / ${fmt(h.connectSeconds, 1)}`,
      1,
      '',
      null,
    );
    hubRow(
      `${h.count} hosts: hub RSS (before)`,
      'MB',
      `${fmt(h.hubRssMB, 0)} (${fmt(h.hubRssBeforeMB, 0)})`,
      0,
      '',
      null,
    );
    hubRow(`${h.count} hosts: hub CPU held`, '%', h.hubCpuPercentHeld, 2, '', null);
    hubRow(
      `${h.count} hosts: multi-agent RSS / CPU`,
      'MB / %',
      `${fmt(h.agentsRssMB, 0)} / ${fmt(h.agentsCpuPercentHeld, 2)}`,
      0,
      '',
      null,
    );
  }
  const w = res.scale?.webSockets;
  if (w) {
    hubRow(
      `${w.count} WebSockets (c): open and echoing`,
      'sockets',
      w.echoedAfterHold,
      0,
      `${w.count}`,
      w.echoedAfterHold === w.count,
    );
    hubRow(`${w.count} WebSockets: errors`, 'count', w.errors, 0, '0', w.errors === 0);
    hubRow(`${w.count} WebSockets: time to open all (25 at a time)`, 's', w.openSeconds, 2, '', null);
    hubRow(
      `${w.count} WebSockets: hub RSS (before)`,
      'MB',
      `${fmt(w.hubRssMB, 0)} (${fmt(w.hubRssBeforeMB, 0)})`,
      0,
      '',
      null,
    );
    hubRow(
      `${w.count} WebSockets: hub CPU to open / held`,
      's / %',
      `${fmt(w.hubCpuSecondsToOpen, 2)} / ${fmt(w.hubCpuPercentHeld, 2)}`,
      0,
      '',
      null,
    );
    hubRow(`${w.count} WebSockets: agent RSS`, 'MB', w.agentRssMB, 0, '', null);
  }
  if (hubRows.length) out.push('', table(hubRows, ['hub figure', 'unit', 'value', 'target', '']));
  out.push('', `targets met: ${checks.filter((c) => c.ok).length}/${checks.length}`);
  for (const c of checks.filter((x) => !x.ok)) out.push(`  ✗ ${c.metric}: target ${c.target}`);
  return { text: out.join('\n'), checks };
}

const NOTES = [
  'The hub of (b) and (c), the agent and the start-up figures run `launchpad --server` as `npm run build:headless` ships it: the CLI bundled into one file by build/headless/bundle-server.mjs (better-sqlite3, ssh2 and pino stay in node_modules), started with the launcher’s node flags (build/headless/launcher.mjs NODE_FLAGS).',
  'Start-up: from process start to the first 200 of /api/status; cold = empty data dir (database, CA and leaf certificate, host key), warm = the same dir again. The same from `node bin/launchpad.mjs` (dist/ and node_modules file by file) is shown for reference. Idle RSS and CPU: the shipped hub, settled, nothing connected.',
  'MB = 10^6 bytes, GB = 10^9 bytes; the bulk file is 256 MiB of random bytes; latencies from wrk --latency (one thread, 5 s timeout).',
  '(a) the project server (dist/server/projects/workspace/main.js, with the V8 flags the runtime starts every project server with) on plain HTTP with its token header; (b) and (c) the real Launchpad hub (HTTPS, session cookie), (b) a "this machine" project (same-machine shortcut, no tunnel), (c) a project on a host agent process joined with a token (hub sshd + ssh2 tunnel; the agent splices the channel onto the project server’s trusted socket).',
  '(c*) and (d) use bench/proxy-harness.mjs: the hub’s createProjectProxy from dist/server/proxy behind an HTTPS server with the hub’s certificate, signing with the agent’s service secret. (c*) routes to the hub’s embedded-tunnel port, (d) to an OpenSSH `ssh -N -R` port on an unprivileged /usr/sbin/sshd: the proxy, TLS and process layout are identical, so (c*) vs (d) compares the tunnels alone; (c) vs (d) compares the product (proxy and sshd in one hub process) with the OpenSSH build of the same path. Both reach the same agent host service and project server.',
  'The WebSocket echo goes through the project’s port proxy `/<id>/port/<n>/` to bench/ws-echo.mjs (its own process): 2 000 sequential 64-byte messages, one connection.',
  'CPU s/GB: utime+stime from /proc/<pid>/stat around the 3 measured downloads (project servers and sshd’s per-connection children found by parent PID); the client is curl; "whole machine" is busy time from /proc/stat and includes anything else running on the machine.',
  'Scale: the hosts join with one multi-use token and hold one ssh2 tunnel each from one bench process (bench/multi-agent.mjs, the agent’s own join/host-service/Tunnel modules); the WebSockets go through the hub and the agent’s tunnel (path c) to the echo server.',
];

// ---------------------------------------------------------------------------------------------
// Main

async function main() {
  const started = performance.now();
  for (const tool of ['wrk', 'curl', 'ssh', 'ssh-keygen']) {
    if (spawnSync('which', [tool]).status !== 0)
      throw new Error(
        `${tool} is needed (Debian: apt-get install ${tool === 'wrk' ? 'wrk' : tool === 'curl' ? 'curl' : 'openssh-client'})`,
      );
  }
  if (PATHS.includes('d') && !existsSync(SSHD))
    throw new Error(`${SSHD} is needed for path (d) (apt-get install openssh-server)`);
  if (!existsSync(join(ROOT, 'dist', 'server', 'cli', 'main.js'))) {
    log('dist/server is missing: running `npm run build:server`');
    const r = spawnSync('npm', ['run', 'build:server'], { cwd: ROOT, stdio: 'inherit' });
    if (r.status !== 0) throw new Error('npm run build:server failed');
  }
  const res = { ...facts(), notes: NOTES };
  if (flag('cpu-prof')) mkdirSync(profDir, { recursive: true });

  log('bundling the hub as the headless install ships it');
  shipped = await headlessBundle();
  if (!flag('skip-startup')) {
    log('hub start-up figures');
    res.startup = await startupFigures();
  }

  // The hub of paths (b) and (c).
  log('starting the hub, the agent, the echo server');
  const hubDir = join(tmp, 'hub');
  const hubPort = await freeBasePort();
  const hub = startHubProcess('hub', hubDir, hubPort);
  const loginUrl = (await hub.waitFor(LOGIN_LINE, 30_000))[1];
  const caFile = join(hubDir, 'tls', 'ca.crt');
  const ca = readFileSync(caFile, 'utf8');
  const login = new URL(loginUrl);
  const signin = await call({ port: hubPort, path: `${login.pathname}${login.search}`, ca });
  const cookie = /^(lp_session=[^;]*)/.exec([signin.headers['set-cookie'] ?? []].flat()[0] ?? '')?.[1];
  if (!cookie) throw new Error(`sign-in failed: ${signin.status} ${signin.text}`);
  const api = (path, o = {}) =>
    call({ port: hubPort, path, ca, ...o, headers: { cookie, ...(o.headers ?? {}) } });

  const echo = reg.spawn('ws-echo', process.execPath, [join(ROOT, 'bench', 'ws-echo.mjs')]);
  const echoPort = Number((await echo.waitFor(/"port":(\d+)/, 10_000))[1]);

  const token = await api('/api/tokens', { method: 'POST', body: { name: 'bench-host' } });
  if (token.status !== 201) throw new Error(`token: ${token.status} ${token.text}`);
  const agentDir = join(tmp, 'agent');
  const servicePort = await freePort();
  const agent = reg.spawn(
    'agent',
    process.execPath,
    [
      ...nodeFlags,
      ...shipped.nodeFlags,
      shipped.entry,
      '--server',
      '--data-dir',
      agentDir,
      '--service-port',
      String(servicePort),
      '--join',
      token.json.token,
      '--name',
      'bench-host',
    ],
    { env: hubEnv(), cwd: ROOT },
  );
  const joined = await agent.waitFor(JOINED_LINE, 30_000);
  const hostId = joined[2];
  const tunnelHttpPort = Number(joined[4]);
  const agentState = JSON.parse(readFileSync(join(agentDir, 'agent', 'agent.json'), 'utf8'));

  const createProject = async (name, host) => {
    const r = await api('/api/projects', { method: 'POST', body: { name, hostId: host } });
    if (r.status !== 201) throw new Error(`project ${name}: ${r.status} ${r.text}`);
    const id = r.json.project.id;
    for (let i = 0; i < 300; i++) {
      const s = await api(`/api/projects/${id}`);
      if (s.json?.project?.state === 'running' && s.json.project.hostOnline !== false) return id;
      await sleep(100);
    }
    throw new Error(`project ${name} not running within 30 s`);
  };
  const localId = await createProject('bench-local', 'this-machine');
  // The hub starts a new project only on a host it already sees online (its first probe through
  // the tunnel comes a moment after the agent's "joined" line): wait for that.
  for (let i = 0; i < 300; i++) {
    const hosts = await api('/api/hosts');
    if ((hosts.json?.hosts ?? []).some((h) => h.id === hostId && h.state === 'online')) break;
    await sleep(100);
  }
  const remoteId = await createProject('bench-remote', hostId);

  // The files: one copy, hard-linked into every project directory (same inode, same page cache).
  log(`writing the ${SIZES.bulkMiB} MiB file`);
  const filesDir = join(tmp, 'files');
  mkdirSync(filesDir);
  writeRandomFile(join(filesDir, 'big.bin'), SIZES.bulkMiB);
  const smallText = 'a small file served by the project server for the request-rate test\n';
  writeFileSync(join(filesDir, 'small.txt'), smallText);
  const directId = randomUUID();
  const directDir = join(tmp, 'direct', directId);
  mkdirSync(directDir, { recursive: true });
  for (const dir of [join(hubDir, 'projects', localId), join(agentDir, 'projects', remoteId), directDir]) {
    if (!existsSync(dir)) throw new Error(`project directory ${dir} does not exist`);
    for (const f of ['big.bin', 'small.txt']) linkSync(join(filesDir, f), join(dir, f));
  }

  // (a): a project server of its own on the same files.
  const directToken = randomUUID();
  const direct = reg.spawn(
    'project-direct',
    process.execPath,
    // With the V8 flags the runtime gives every project server (server/projects/runtime/node-flags.ts).
    [...shipped.nodeFlags, PROJECT_MAIN, '--project-id', directId, '--dir', directDir],
    {
      env: { ...hubEnv(), LAUNCHPAD_PROJECT_TOKEN: directToken },
      cwd: ROOT,
    },
  );
  const directPort = Number((await direct.waitFor(/"port":(\d+)/, 15_000))[1]);

  // (d): OpenSSH; (c*) and (d): the proxy harness.
  const needHarness = PATHS.includes('cs') || PATHS.includes('d');
  const openssh = PATHS.includes('d') ? await startOpenSsh(servicePort) : null;
  let harness = null;
  let harnessPorts = {};
  if (needHarness) {
    const listen = ['--listen', `cs:${tunnelHttpPort}`];
    if (openssh) listen.push('--listen', `d:${openssh.forwardPort}`);
    harness = reg.spawn('proxy-harness', process.execPath, [
      ...nodeFlags,
      join(ROOT, 'bench', 'proxy-harness.mjs'),
      '--root',
      ROOT,
      '--cert',
      join(hubDir, 'tls', 'leaf.crt'),
      '--key',
      join(hubDir, 'tls', 'leaf.key'),
      '--secret',
      agentState.serviceSecret,
      ...listen,
    ]);
    harnessPorts = JSON.parse((await harness.waitFor(/^(\{"event":"listening".*)$/m, 15_000))[1]).ports;
  }
  res.setup = {
    hubPort,
    tunnelHttpPort,
    servicePort,
    echoPort,
    opensshCipher: openssh?.cipher ?? null,
    opensshUser: openssh?.user ?? null,
  };
  if (openssh) log(`OpenSSH tunnel up (cipher ${openssh.cipher})`);

  if (!flag('skip-scale')) {
    // Before the paths: their kept-alive pools would hold tunnel sockets the WebSockets need.
    log(`scale: ${SIZES.sockets} WebSockets through the hub and the tunnel`);
    const wsUrl = `wss://127.0.0.1:${hubPort}/${remoteId}/port/${echoPort}/`;
    res.scale = { webSockets: await manyWebSockets(wsUrl, { cookie }, ca, hub, agent) };
    await sleep(2000);
    log(`scale: ${SIZES.hosts} hosts`);
    res.scale.hosts = await manyHosts(api, hub);
  }

  const hubPid = () => [hub.pid];
  const agentPid = () => [agent.pid];
  const harnessPid = () => (harness ? [harness.pid] : []);
  const opensshPids = () =>
    openssh ? [openssh.sshd.pid, ...descendants(openssh.sshd.pid), openssh.ssh.pid] : [];
  const hubProjects = () => pidsOfProjectServers(hub.pid);
  const agentProjects = () => pidsOfProjectServers(agent.pid);
  const tokenHeaders = { [TOKEN_HEADER]: directToken };
  const viaHub = { https: true, headers: { cookie }, ca, caFile, smallText, echoPort };
  const defs = {
    a: {
      https: false,
      port: directPort,
      prefix: `/${directId}`,
      headers: tokenHeaders,
      smallText,
      echoPort,
      procs: { project: () => [direct.pid] },
    },
    b: { ...viaHub, port: hubPort, prefix: `/${localId}`, procs: { hub: hubPid, project: hubProjects } },
    c: {
      ...viaHub,
      port: hubPort,
      prefix: `/${remoteId}`,
      procs: { hub: hubPid, agent: agentPid, project: agentProjects },
    },
    cs: {
      ...viaHub,
      port: harnessPorts.cs,
      prefix: `/${remoteId}`,
      procs: { harness: harnessPid, hub: hubPid, agent: agentPid, project: agentProjects },
    },
    d: {
      ...viaHub,
      port: harnessPorts.d,
      prefix: `/${remoteId}`,
      procs: { harness: harnessPid, openssh: opensshPids, agent: agentPid, project: agentProjects },
    },
  };
  res.pids = {
    hub: hub.pid,
    agent: agent.pid,
    harness: harness?.pid ?? null,
    sshd: openssh?.sshd.pid ?? null,
    ssh: openssh?.ssh.pid ?? null,
    directProjectServer: direct.pid,
    echo: echo.pid,
  };
  res.paths = await measurePaths(defs);

  res.durationSeconds = (performance.now() - started) / 1000;
  const { text, checks } = report(res);
  res.targets = checks;
  const stamp = res.date.replace(/[:.]/g, '-');
  const file = join(ROOT, 'bench', 'results', `${stamp}${QUICK ? '-quick' : ''}.json`);
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(file, `${JSON.stringify(res, null, 2)}\n`);

  const m = res.machine;
  process.stdout.write(
    [
      '',
      `Launchpad ${res.versions.launchpad} (${res.versions.commit?.slice(0, 10) ?? '?'}${res.versions.serverSourceModified ? ', server/ modified' : ''})${res.label ? ` · ${res.label}` : ''} · node ${res.versions.node} · ${res.versions.openssh} · ${res.versions.wrk.split(' ').slice(0, 2).join(' ')}`,
      `${m.cpuModel} · ${m.cores} cores · ${m.memoryGB} GB · Linux ${m.kernel} · load at start ${m.loadAverageAtStart.join(' ')} · OpenSSH cipher ${res.setup.opensshCipher ?? '—'}${QUICK ? ' · QUICK (sizes and durations shrunk)' : ''}`,
      '',
      text,
      '',
      ...NOTES.map((n) => `· ${n}`),
      '',
      `${res.durationSeconds.toFixed(0)} s; results: ${file}`,
      '',
    ].join('\n'),
  );
}

let finishing = null;
async function finish(code) {
  finishing ??= (async () => {
    log('stopping every process');
    await reg.stopAll();
    if (flag('keep')) log(`kept ${tmp}`);
    else rmSync(tmp, { recursive: true, force: true });
  })();
  await finishing;
  process.exit(code);
}
let interrupted = false;
process.once('SIGINT', () => {
  interrupted = true;
  log('interrupted');
  void finish(130);
});
process.once('SIGTERM', () => {
  interrupted = true;
  void finish(143);
});

main().then(
  () => finish(0),
  (err) => {
    // After Ctrl-C the processes being stopped fail whatever was measuring: not news.
    if (!interrupted) process.stderr.write(`bench failed: ${err.stack ?? err}\n`);
    return finish(interrupted ? 130 : 1);
  },
);

// Bench-only multi-agent: N hosts in one process, built from server/agent's own modules (the
// same join, host service and ssh2 tunnel a `launchpad --server --join` runs; no project
// runtime). Each host joins with the (multi-use) token, gets its own data dir, service secret,
// host service on a free port and SSH connection to the hub with its two reverse forwards.
//
//   node bench/multi-agent.mjs --root <repo> --token <lp1_…> --count <n> --dir <base dir>
//
// Prints `{"event":"online","count":k}` as hosts come online and
// `{"event":"ready","online":n,"errors":[…],"joinMs":…,"connectMs":…}` at the end; SIGUSR2 prints
// `{"event":"report",…}` (tunnels online now, errors so far); SIGTERM stops every tunnel and service.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { pino } from 'pino';

/** @type {Record<string, string>} */
const args = {};
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) args[(argv[i] ?? '').replace(/^--/, '')] = argv[i + 1] ?? '';
const count = Number(args.count);
const CONCURRENCY = 10;

const agent = await import(pathToFileURL(join(args.root, 'dist', 'server', 'agent', 'index.js')).href);
const logger = pino({ level: 'warn', base: { component: 'bench-agents' } }, pino.destination(2));
const emit = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);

/** Runs `fn` over 0…n-1 with at most `limit` at a time. */
async function pool(n, limit, fn) {
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      await fn(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, n) }, worker));
}

const errors = [];
const hosts = [];
const t0 = Date.now();
await pool(count, CONCURRENCY, async (i) => {
  const dataDir = join(args.dir, `host-${i}`);
  try {
    await agent.joinHub({
      token: args.token,
      via: 'https',
      name: `bench-${i}`,
      dataDir,
      agentVersion: 'bench',
    });
    hosts[i] = dataDir;
  } catch (err) {
    errors.push(`join ${i}: ${err.message}`);
  }
});
const joinMs = Date.now() - t0;

const tunnels = [];
const services = [];
let online = 0;
const t1 = Date.now();
await pool(count, CONCURRENCY, async (i) => {
  const dataDir = hosts[i];
  if (!dataDir) return;
  try {
    const { state, tunnelPrivateKey } = agent.loadAgentState(dataDir);
    const service = await agent.startHostService({
      port: 0,
      hostId: state.hostId,
      serviceSecret: state.serviceSecret,
      version: 'bench',
      logger,
    });
    services.push(service);
    const tunnel = new agent.Tunnel({
      sshd: state.sshd,
      hostKeyPin: state.hub.ssh,
      privateKey: tunnelPrivateKey,
      ports: state.ports,
      servicePort: service.port,
      logger,
      isRemoved: async () => false,
    });
    tunnels.push(tunnel);
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('not online within 30 s')), 30_000);
      tunnel.on('state', (s, reason) => {
        if (s === 'online') {
          clearTimeout(timer);
          resolve(undefined);
        } else if (s === 'offline' && reason) logger.warn({ host: i, reason }, 'tunnel offline');
      });
      tunnel.start();
    });
    online += 1;
    if (online % 10 === 0) emit({ event: 'online', count: online });
  } catch (err) {
    errors.push(`tunnel ${i}: ${err.message}`);
  }
});
// Tunnels that drop after coming online are errors too (counted until the end).
for (const t of tunnels) {
  t.on('state', (s, reason) => {
    if (s === 'offline') errors.push(`a tunnel went offline: ${reason}`);
  });
}
emit({ event: 'ready', online, errors, joinMs, connectMs: Date.now() - t1 });

// SIGUSR2: report how many tunnels are online now and every error so far.
process.on('SIGUSR2', () => {
  emit({ event: 'report', online: tunnels.filter((t) => t.state === 'online').length, errors });
});
process.once('SIGTERM', () => {
  emit({ event: 'stopping', errors });
  Promise.all([...tunnels.map((t) => t.stop()), ...services.map((s) => s.close())]).then(
    () => process.exit(0),
    (err) => {
      process.stderr.write(`multi-agent: stop failed: ${err.message}\n`);
      process.exit(1);
    },
  );
});

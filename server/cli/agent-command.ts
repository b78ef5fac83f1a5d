import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import {
  AgentUsageError,
  assertJoinableDataDir,
  assertServicePortFree,
  type JoinTransport,
  joinHub,
  type RunningAgent,
  readJoinToken,
  resolveServicePort,
  runAgent,
} from '../agent/index.js';
import { dataDirLayout, resolveDataDir } from '../config/index.js';
import { AGENT_LOCK_PORT, acquireLock, HubAlreadyRunningError, readLiveLock } from '../db/index.js';
import { launchpadVersion } from '../hub/index.js';
import { createLogger, flushLogger, type Logger } from '../log/index.js';

/** The hub lists hosts by a name of at most this many characters. */
const MAX_HOST_NAME = 64;

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

export interface JoinCommand {
  token: string;
  via: JoinTransport;
  name: string | undefined;
  dataDirFlag: string | undefined;
  servicePortFlag: string | undefined;
}

function agentLogger(dataDir: string): Logger {
  const logs = dataDirLayout(dataDir).logs;
  mkdirSync(logs, { recursive: true });
  return createLogger({ logDir: logs, stdout: true });
}

/**
 * `launchpad --server --join <token>`: joins the hub, prints one line saying so, then runs as
 * that host. Everything checkable is checked before the token is spent (token format, data dir,
 * service port), so a usage error never costs a token.
 */
export async function runJoin(cmd: JoinCommand, io: Io): Promise<number> {
  const { dataDir } = resolveDataDir(process.env, cmd.dataDirFlag);
  readJoinToken(cmd.token);
  const servicePort = resolveServicePort(cmd.servicePortFlag, process.env);
  assertJoinableDataDir(dataDir);
  // Checked before the token is spent; runHost takes the lock itself once joined.
  const live = readLiveLock(dataDir);
  if (live) throw new HubAlreadyRunningError(live, dataDir);
  await assertServicePortFree(servicePort);
  const name = cmd.name?.trim() || hostname().slice(0, MAX_HOST_NAME);
  if (name.length > MAX_HOST_NAME) throw new AgentUsageError(`--name: at most ${MAX_HOST_NAME} characters`);
  const joined = await joinHub({
    token: cmd.token,
    via: cmd.via,
    name,
    dataDir,
    agentVersion: launchpadVersion(),
  });
  const s = joined.state;
  io.out(
    `Joined hub ${joined.hubAddress} as host ${s.hostId} (${s.name}); tunnel ports http ${s.ports.http}, ssh ${s.ports.ssh}\n`,
  );
  return runHost(dataDir, servicePort, io);
}

/** `launchpad --server` on a joined host's data dir: the agent, not a hub. */
export function runJoinedHost(dataDirFlag: string | undefined, servicePortFlag: string | undefined, io: Io) {
  const { dataDir } = resolveDataDir(process.env, dataDirFlag);
  return runHost(dataDir, resolveServicePort(servicePortFlag, process.env), io);
}

async function runHost(dataDir: string, servicePort: number, io: Io): Promise<number> {
  // One agent per data dir: a second would hold the same keys and evict the first's tunnel.
  const lock = acquireLock(dataDir, {
    pid: process.pid,
    startedAt: Date.now(),
    httpsPort: AGENT_LOCK_PORT,
    hostname: hostname(),
  });
  const logger = agentLogger(dataDir);
  let agent: RunningAgent;
  try {
    agent = await runAgent({ dataDir, servicePort, version: launchpadVersion(), logger });
  } catch (err) {
    lock.release();
    await flushLogger(logger);
    throw err;
  }
  return new Promise((resolve) => {
    let signals = 0;
    const finish = async (code: number) => {
      lock.release();
      await flushLogger(logger);
      resolve(code);
    };
    const onSignal = (signal: NodeJS.Signals) => {
      signals += 1;
      if (signals > 1) {
        io.err(`launchpad: ${signal} again; exiting without waiting\n`);
        resolve(1);
        return;
      }
      logger.info({ signal }, 'host agent stopping');
      agent.stop().then(
        () => finish(0),
        (err: unknown) => {
          io.err(`launchpad: shutdown failed: ${(err as Error).message}\n`);
          void finish(1);
        },
      );
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    // `removed` only ever rejects, with HostRemovedError, once the agent has stopped.
    agent.removed.catch((err: Error) => {
      io.err(`launchpad: ${err.message}\n`);
      void finish(1);
    });
  });
}

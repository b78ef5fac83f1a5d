import { existsSync } from 'node:fs';
import type { JoinRequest, JoinResponse, JoinTokenPayload } from '../api/index.js';
import { dataDirLayout } from '../config/index.js';
import { decodeJoinToken, JoinTokenFormatError } from '../hosts/index.js';
import { fingerprintOfPublicKey } from '../sshd/index.js';
import { AgentUsageError } from './errors.js';
import { joinOverHttps } from './hub-api.js';
import { generateHostKeys } from './keys.js';
import { joinOverSsh } from './ssh-join.js';
import { type AgentState, agentPaths, isJoined, loadAgentState, saveAgentState } from './state.js';

export type JoinTransport = 'https' | 'ssh';

export interface JoinOptions {
  /** `lp1_…` as the admin copied it. */
  token: string;
  via: JoinTransport;
  /** How the host is listed on the hub. */
  name: string;
  dataDir: string;
  /** This Launchpad's version, reported to the hub. */
  agentVersion: string;
}

export interface Joined {
  state: AgentState;
  /** `host:port` the join went to. */
  hubAddress: string;
}

/** True when `hostKey` is an OpenSSH key line whose fingerprint is `pin`. */
function sshKeyMatches(hostKey: string, pin: string): boolean {
  try {
    return fingerprintOfPublicKey(hostKey) === pin;
  } catch {
    // Not a key line: not stored (backups then fetch the key and check it against the pin).
    return false;
  }
}

/** The token's content, or AgentUsageError (exit 2) naming what is wrong with it. */
export function readJoinToken(text: string): JoinTokenPayload {
  try {
    return decodeJoinToken(text);
  } catch (err) {
    if (err instanceof JoinTokenFormatError) throw new AgentUsageError(`--join: ${err.message}`);
    throw err;
  }
}

/**
 * Refuses a data dir that already is something: a hub's (it has a database) or a joined host's.
 * Throws AgentUsageError; changes nothing.
 */
export function assertJoinableDataDir(dataDir: string): void {
  if (isJoined(dataDir)) {
    const { state } = loadAgentState(dataDir);
    throw new AgentUsageError(
      `the data dir ${dataDir} already belongs to host ${state.hostId} (${state.name}) of the hub ${state.hub.host}:${state.hub.httpsPort}. ` +
        `Run \`launchpad --server\` to run it, or remove ${agentPaths(dataDir).dir} (the hub must remove the host too) to join again`,
    );
  }
  if (existsSync(dataDirLayout(dataDir).db)) {
    throw new AgentUsageError(
      `the data dir ${dataDir} is a hub's (it has launchpad.db); a host needs its own: use --data-dir with another directory`,
    );
  }
}

/**
 * Joins the hub a token names: checks the token, makes the host's two keys (the private halves
 * stay here), verifies the hub against the token's pins before anything secret is sent, redeems
 * the token over HTTPS or SSH, and saves the result under `<data dir>/agent/`. Nothing is
 * written to the data dir unless the hub accepted the join.
 */
export async function joinHub(opts: JoinOptions): Promise<Joined> {
  const token = readJoinToken(opts.token);
  assertJoinableDataDir(opts.dataDir);
  const keys = generateHostKeys(opts.name);
  const request: JoinRequest = {
    tokenId: token.id,
    secret: token.secret,
    name: opts.name,
    platform: `${process.platform}-${process.arch}`,
    agentVersion: opts.agentVersion,
    tunnelKey: keys.tunnel.publicKey,
    sftpKey: keys.sftp.publicKey,
  };
  let response: JoinResponse;
  let hubAddress: string;
  if (opts.via === 'ssh') {
    hubAddress = `${token.host}:${token.sshdPort}`;
    response = await joinOverSsh(
      {
        host: token.host,
        port: token.sshdPort,
        hostKeyPin: token.ssh,
        tokenId: token.id,
        secret: token.secret,
      },
      request,
    );
  } else {
    hubAddress = `${token.host}:${token.httpsPort}`;
    response = await joinOverHttps({ host: token.host, port: token.httpsPort, pin: token.tls }, request);
  }
  const state: AgentState = {
    v: 1,
    hostId: response.hostId,
    name: opts.name,
    credential: response.credential,
    serviceSecret: response.serviceSecret,
    // The token's pins stay the trust anchors: they are what this join verified.
    hub: { host: token.host, httpsPort: response.hub.httpsPort, tls: token.tls, ssh: token.ssh },
    sshd: {
      host: response.sshd.host,
      port: response.sshd.port,
      // Kept only when it is the key the token pins (backups write it to known_hosts for OpenSSH).
      ...(sshKeyMatches(response.sshd.hostKey, token.ssh) ? { hostKey: response.sshd.hostKey } : {}),
    },
    ports: response.ports,
    backup: response.backup,
    joinedAt: new Date().toISOString(),
    joinedVia: opts.via,
  };
  saveAgentState(opts.dataDir, state, keys);
  return { state, hubAddress };
}

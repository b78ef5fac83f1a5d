import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { dataDirLayout } from '../config/index.js';
import { ensurePrivateDir, writePrivateFile } from '../fs/private.js';
import { AgentUsageError } from './errors.js';
import type { SshKeyPair } from './keys.js';

/**
 * What a host keeps in `<data dir>/agent/` (0700, every file 0600):
 *   agent.json            identity, credentials, hub address and pins, ports (this schema)
 *   tunnel_ed25519[.pub]  the tunnel key (reverse forwards)
 *   sftp_ed25519[.pub]    the sftp key (backups into the hub's repo)
 * agent.json is written last: its presence means "joined".
 */
export const agentStateSchema = z
  .object({
    v: z.literal(1),
    hostId: z.string().min(1),
    name: z.string().min(1),
    /** For the host's API calls to the hub (`Authorization: Host <id>:<credential>`). */
    credential: z.string().min(1),
    /** The hub signs its requests to the host service with it. */
    serviceSecret: z.string().min(1),
    hub: z.object({
      host: z.string().min(1),
      httpsPort: z.number().int(),
      /** TLS pin (CA or custom leaf) and SSH host-key pin, both from the join token. */
      tls: z.string().min(1),
      ssh: z.string().startsWith('SHA256:'),
    }),
    sshd: z.object({
      host: z.string().min(1),
      port: z.number().int(),
      /** The hub's SSH host key (`ssh-ed25519 AAAA…`, matching hub.ssh) for known_hosts; older states lack it. */
      hostKey: z.string().optional(),
    }),
    ports: z.object({ http: z.number().int(), ssh: z.number().int() }),
    backup: z.object({ repoPath: z.string(), password: z.string() }),
    joinedAt: z.string(),
    joinedVia: z.enum(['https', 'ssh']),
  })
  .strict();
export type AgentState = z.infer<typeof agentStateSchema>;

export function agentPaths(dataDir: string) {
  const dir = dataDirLayout(dataDir).agent;
  return {
    dir,
    state: join(dir, 'agent.json'),
    tunnelKey: join(dir, 'tunnel_ed25519'),
    sftpKey: join(dir, 'sftp_ed25519'),
  };
}

/** True when `dataDir` belongs to a joined host. */
export function isJoined(dataDir: string): boolean {
  return existsSync(agentPaths(dataDir).state);
}

/** Saves the keys, then the state: a crash in between leaves a dir that is not "joined". */
export function saveAgentState(
  dataDir: string,
  state: AgentState,
  keys: { tunnel: SshKeyPair; sftp: SshKeyPair },
): void {
  const p = agentPaths(dataDir);
  ensurePrivateDir(dataDir);
  ensurePrivateDir(p.dir);
  writePrivateFile(p.tunnelKey, keys.tunnel.privateKey);
  writePrivateFile(`${p.tunnelKey}.pub`, `${keys.tunnel.publicKey}\n`);
  writePrivateFile(p.sftpKey, keys.sftp.privateKey);
  writePrivateFile(`${p.sftpKey}.pub`, `${keys.sftp.publicKey}\n`);
  writePrivateFile(p.state, `${JSON.stringify(agentStateSchema.parse(state), null, 2)}\n`);
}

export interface LoadedAgent {
  state: AgentState;
  /** The tunnel key's private half (OpenSSH format). */
  tunnelPrivateKey: string;
}

/** Reads a joined host's state; throws AgentUsageError when it is damaged. */
export function loadAgentState(dataDir: string): LoadedAgent {
  const p = agentPaths(dataDir);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(p.state, 'utf8'));
  } catch (err) {
    throw new AgentUsageError(
      `the host state ${p.state} cannot be read (${(err as Error).message}); remove ${p.dir} and join again with a new token`,
    );
  }
  const parsed = agentStateSchema.safeParse(raw);
  if (!parsed.success) {
    throw new AgentUsageError(
      `the host state ${p.state} is damaged; remove ${p.dir} and join again with a new token`,
    );
  }
  let tunnelPrivateKey: string;
  try {
    tunnelPrivateKey = readFileSync(p.tunnelKey, 'utf8');
  } catch (err) {
    throw new AgentUsageError(
      `the tunnel key ${p.tunnelKey} cannot be read (${(err as NodeJS.ErrnoException).code}); remove ${p.dir} and join again with a new token`,
    );
  }
  return { state: parsed.data, tunnelPrivateKey };
}

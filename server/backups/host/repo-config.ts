import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writePrivateFile } from '../../fs/private.js';
import { ensureSecret } from '../../secrets/index.js';
import type { ResticRepo } from '../restic/index.js';
import { keyMatchingPin, knownHostsName, scanPinnedHostKey } from './known-hosts.js';

/** What a joined host knows about the hub's repository (from its agent state). */
export interface AgentRepoOptions {
  /** `<data dir>/agent` (0700): the sftp key is there; the password, known_hosts and restic's cache go there. */
  agentDir: string;
  sshd: { host: string; port: number; hostKey?: string };
  /** The hub's SSH host-key fingerprint from the join token (`SHA256:…`). */
  hostKeyPin: string;
  backup: { repoPath: string; password: string };
}

/**
 * One word of restic's sftp.command, which restic splits like a shell (checked with 0.14: single
 * and double quotes group and are removed; a backslash does not escape). Paths need it on macOS
 * ("Application Support").
 */
export function shellWord(s: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s;
  if (!s.includes("'")) return `'${s}'`;
  if (!s.includes('"')) return `"${s}"`;
  throw new Error(`${s} has both kinds of quotes: it cannot be passed in restic's sftp.command`);
}

/** An ssh_config value: ssh splits some (UserKnownHostsFile takes a list) on whitespace unless quoted. */
const sshValue = (s: string) => (/\s/.test(s) ? `"${s}"` : s);

/** The ssh that restic runs for sftp: the sftp key only, the hub's host key pinned, never a prompt. */
export function sftpCommand(o: { host: string; port: number; keyFile: string; knownHosts: string }): string {
  return [
    'ssh',
    '-F',
    '/dev/null',
    '-i',
    o.keyFile,
    '-p',
    String(o.port),
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'BatchMode=yes',
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    `UserKnownHostsFile=${sshValue(o.knownHosts)}`,
    '-o',
    'ConnectTimeout=20',
    '-o',
    'ServerAliveInterval=15',
    `lp@${o.host}`,
    '-s',
    'sftp',
  ]
    .map(shellWord)
    .join(' ');
}

/**
 * A joined host's view of the hub's repository: `sftp:lp@<hub>:<repoPath>` through the hub's
 * sshd, whose SFTP jail maps `/` to the hub's backup-repo/ (the join sends repoPath `/`). Writes
 * `agent/backup-password` and `agent/known_hosts` (0600) on first use: the known_hosts line is
 * the hub key the host stored at its join, or one scanned and checked against the join's pin.
 */
export function agentBackupRepo(o: AgentRepoOptions): () => Promise<ResticRepo> {
  let made: Promise<ResticRepo> | null = null;
  const make = async (): Promise<ResticRepo> => {
    const { host, port } = o.sshd;
    const stored = o.sshd.hostKey ? keyMatchingPin(o.sshd.hostKey, o.hostKeyPin) : null;
    const hostKey = stored ?? (await scanPinnedHostKey(host, port, o.hostKeyPin));
    const knownHosts = join(o.agentDir, 'known_hosts');
    writePrivateFile(knownHosts, `${knownHostsName(host, port)} ${hostKey}\n`);
    const passwordFile = join(o.agentDir, 'backup-password');
    writePrivateFile(passwordFile, `${o.backup.password}\n`);
    const cacheDir = join(o.agentDir, 'restic-cache');
    mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
    const hostPart = host.includes(':') ? `[${host}]` : host;
    return {
      repository: `sftp:lp@${hostPart}:${o.backup.repoPath}`,
      passwordFile,
      cacheDir,
      sftpCommand: sftpCommand({ host, port, keyFile: join(o.agentDir, 'sftp_ed25519'), knownHosts }),
    };
  };
  return () => {
    made ??= make();
    const current = made;
    // A failed scan (hub down) is tried again by the next operation.
    current.catch(() => {
      if (made === current) made = null;
    });
    return current;
  };
}

/**
 * "This machine" (in the hub's process): the repository is the hub's own backup-repo/ path, and
 * the password is secrets/backup-repo-password, made here if no host has joined yet.
 */
export function localBackupRepo(layout: {
  backupRepo: string;
  backupRepoPassword: string;
}): () => Promise<ResticRepo> {
  return async () => {
    ensureSecret(layout.backupRepoPassword);
    return { repository: layout.backupRepo, passwordFile: layout.backupRepoPassword };
  };
}

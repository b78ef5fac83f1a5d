import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fingerprintOfPublicKey } from '../../sshd/index.js';
import { ResticError } from '../restic/index.js';

const run = promisify(execFile);

/** The known_hosts host field OpenSSH looks up: `host` on port 22, `[host]:port` otherwise. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 && !host.includes(':') ? host : `[${host}]:${port}`;
}

/** `<type> <base64>` of a key line, when its fingerprint is `pin`; null otherwise (or if it is no key). */
export function keyMatchingPin(line: string, pin: string): string | null {
  try {
    if (fingerprintOfPublicKey(line) !== pin) return null;
  } catch {
    // Not a public key line (a comment, a banner): it cannot be the pinned key.
    return null;
  }
  const [type, b64] = line.trim().split(/\s+/);
  return `${type} ${b64}`;
}

/**
 * The hub's SSH host key with fingerprint `pin`, asked of the server with ssh-keyscan and kept
 * only if it matches the pin (so this is exactly as trusted as a key stored at the join). For
 * hosts whose saved state predates storing the key itself.
 */
export async function scanPinnedHostKey(host: string, port: number, pin: string): Promise<string> {
  let stdout = '';
  try {
    ({ stdout } = await run('ssh-keyscan', ['-T', '20', '-p', String(port), host], { timeout: 60_000 }));
  } catch (err) {
    // ssh-keyscan exits non-zero when one key type was not offered; what it printed still counts.
    stdout = (err as { stdout?: string }).stdout ?? '';
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new ResticError(
        'repository_unreachable',
        "ssh-keyscan is missing, so the hub's SSH host key cannot be checked; install OpenSSH's client (apt-get install openssh-client)",
      );
  }
  for (const line of stdout.split('\n')) {
    const key = keyMatchingPin(line.replace(/^\S+\s+/, ''), pin);
    if (key) return key;
  }
  throw new ResticError(
    'repository_unreachable',
    `the hub's SSH server at ${host}:${port} did not show the host key this host pinned at its join (${pin}), so the backup repository was not contacted; check that the hub runs there, or join this host again if the hub's SSH host key changed`,
  );
}

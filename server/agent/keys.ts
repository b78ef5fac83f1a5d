import { generateSshKeyPair, type SshKeyPair } from '../sshd/index.js';

export type { SshKeyPair };

/** The host's two keys: the tunnel key (reverse forwards) and the sftp key (backups). */
export function generateHostKeys(hostName: string): { tunnel: SshKeyPair; sftp: SshKeyPair } {
  // Comments are informational: they show up in the hub's key list. Spaces would split the line.
  const who = hostName.replace(/\s+/g, '-');
  return {
    tunnel: generateSshKeyPair(`launchpad-tunnel@${who}`),
    sftp: generateSshKeyPair(`launchpad-sftp@${who}`),
  };
}

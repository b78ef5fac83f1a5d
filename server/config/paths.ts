import { homedir, networkInterfaces } from 'node:os';
import { join } from 'node:path';

/** The platform's per-user data dir for Launchpad (XDG on Linux). */
export function defaultDataDir(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): string {
  const home = env.HOME || homedir();
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'cocalc', 'launchpad');
  if (platform === 'win32')
    return join(env.APPDATA || join(home, 'AppData', 'Roaming'), 'cocalc', 'launchpad');
  return join(env.XDG_DATA_HOME || join(home, '.local', 'share'), 'cocalc', 'launchpad');
}

/**
 * The address LAN machines most likely reach us at: the first non-internal IPv4
 * address (v4 because that is what people type). Null when the machine has none.
 */
export function detectLanAddress(): string | null {
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) {
      if (a.family === 'IPv4' && !a.internal) return a.address;
    }
  }
  return null;
}

/** The fixed layout of a data dir (see ARCHITECTURE.md). */
export function dataDirLayout(dataDir: string) {
  return {
    root: dataDir,
    db: join(dataDir, 'launchpad.db'),
    secrets: join(dataDir, 'secrets'),
    adminSecret: join(dataDir, 'secrets', 'admin-secret'),
    sessionKey: join(dataDir, 'secrets', 'session-key'),
    /** The restic password of the backup repository, handed to each host at its join. */
    backupRepoPassword: join(dataDir, 'secrets', 'backup-repo-password'),
    tls: join(dataDir, 'tls'),
    ssh: join(dataDir, 'ssh'),
    backupRepo: join(dataDir, 'backup-repo'),
    projects: join(dataDir, 'projects'),
    agent: join(dataDir, 'agent'),
    logs: join(dataDir, 'logs'),
  };
}
export type DataDirLayout = ReturnType<typeof dataDirLayout>;

/** Why a restic run failed, as the hub and the UI act on it. */
export type ResticErrorCode =
  | 'repository_unreachable'
  | 'wrong_password'
  | 'disk_full'
  | 'not_found'
  | 'locked'
  | 'restic_missing'
  | 'restic_failed';

/** A failed restic operation; `message` is a sentence a person can act on (it names the repository). */
export class ResticError extends Error {
  readonly code: ResticErrorCode;

  constructor(code: ResticErrorCode, message: string) {
    super(message);
    this.name = 'ResticError';
    this.code = code;
  }
}

/** What `classify` needs to know about the run that failed. */
export interface FailedRun {
  /** `backup`, `restore`, … (for the fallback message). */
  command: string;
  /** The repository as restic was given it (never carries the password). */
  repository: string;
  exitCode: number | null;
  stderr: string;
}

/** The last `Fatal: …` line restic printed, or its last non-empty stderr line. */
export function lastErrorLine(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const fatal = lines.filter((l) => l.startsWith('Fatal:')).pop();
  return (fatal ?? lines.pop() ?? '').replace(/^Fatal:\s*/, '').slice(0, 500);
}

/** The ssh destination of an `sftp:user@host:/path` repository, for messages. */
function sshHostOf(repository: string): string | null {
  const m = /^sftp:(?:\/\/)?(?:[^@/]+@)?(\[[^\]]+\]|[^:/]+)/.exec(repository);
  return m ? (m[1] as string) : null;
}

/** True when restic said there is no repository at the location (as opposed to not reaching it). */
export function isNoRepository(stderr: string): boolean {
  return /Is there a repository at the following location\?|unable to open config file/i.test(stderr);
}

/** ssh refused the hub's host key (the pin in known_hosts does not match). */
const SSH_HOST_KEY_REFUSED =
  /Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|host key is known/i;
/** The hub refused this host's key. */
const SSH_KEY_REFUSED = /Permission denied \(publickey/i;
/** The network named the cause. */
const SSH_NETWORK_FAILED =
  /Connection refused|Could not resolve hostname|timed out|No route to host|Network is unreachable/i;
/** ssh or the sftp session failed, the cause not (yet) named. */
const SSH_FAILED = /subprocess ssh|unable to start the sftp session|Connection closed/i;

/**
 * Whether `stderr` has an ssh line that names why ssh failed. Without one, what ssh printed may
 * have been cut short: restic forwards it from a goroutine and can exit first, even midway
 * through OpenSSH's several-line host key warning.
 */
export function namesSshCause(stderr: string): boolean {
  return SSH_HOST_KEY_REFUSED.test(stderr) || SSH_KEY_REFUSED.test(stderr) || SSH_NETWORK_FAILED.test(stderr);
}

/**
 * Maps a failed run to a ResticError. restic 0.14 has no machine-readable errors, so this reads
 * its stderr (and ssh's, which restic passes through for sftp repositories). Order matters: an
 * ssh failure also makes restic print "unable to open repository", and the ssh line is the cause.
 */
export function classify(run: FailedRun): ResticError {
  const { stderr, repository } = run;
  const repo = `the backup repository ${repository}`;
  const host = sshHostOf(repository);
  const detail = lastErrorLine(stderr);

  if (/wrong password or no key found/i.test(stderr))
    return new ResticError(
      'wrong_password',
      `${repo} does not accept the password this host has; the hub's secrets/backup-repo-password and the host's copy must match (join the host again if it was reset)`,
    );
  if (/Resolving password failed|reading password from file/i.test(stderr))
    return new ResticError('wrong_password', `the password file for ${repo} cannot be read: ${detail}`);
  if (/no space left on device|disk quota exceeded/i.test(stderr))
    return new ResticError(
      'disk_full',
      `no space left on device while writing ${run.command === 'restore' ? 'the restored files' : repo}; free some space and try again`,
    );
  if (/already locked|unable to create lock/i.test(stderr)) {
    const by = /locked (?:exclusively )?by (PID \d+ on \S+)/i.exec(stderr)?.[1];
    return new ResticError(
      'locked',
      `${repo} is locked by another restic process${by ? ` (${by})` : ''}; try again when it is done, or run \`restic unlock\` on it if nothing is running`,
    );
  }
  if (host && SSH_HOST_KEY_REFUSED.test(stderr))
    return new ResticError(
      'repository_unreachable',
      `the SSH host key of ${host} does not match the hub's host key this host pinned at its join, so ${repo} was not contacted; if the hub's SSH host key changed, join this host again`,
    );
  if (host && SSH_KEY_REFUSED.test(stderr))
    return new ResticError(
      'repository_unreachable',
      `the hub at ${host} refused this host's SFTP key, so ${repo} cannot be reached; the host may have been removed from the hub (join it again)`,
    );
  if (host && (SSH_NETWORK_FAILED.test(stderr) || SSH_FAILED.test(stderr))) {
    const sshLine = /subprocess ssh: (.*)/.exec(stderr)?.[1]?.trim();
    return new ResticError(
      'repository_unreachable',
      `${repo} cannot be reached over SSH at ${host}${sshLine ? ` (${sshLine})` : ''}; check that the hub is running and its SSH port is reachable from this host`,
    );
  }
  if (isNoRepository(stderr))
    return new ResticError(
      'repository_unreachable',
      `there is no restic repository at ${repository} (or it cannot be read): ${detail}`,
    );
  if (/no matching ID found|invalid id|no snapshot found|snapshot .* not found/i.test(stderr))
    return new ResticError('not_found', `the snapshot is not in ${repo}: ${detail}`);
  if (/unable to open repository|unable to open the repository|repository does not exist/i.test(stderr))
    return new ResticError('repository_unreachable', `${repo} cannot be opened: ${detail}`);
  return new ResticError(
    'restic_failed',
    `restic ${run.command} on ${repo} failed${run.exitCode === null ? ' (killed)' : ` (exit ${run.exitCode})`}${detail ? `: ${detail}` : ''}`,
  );
}

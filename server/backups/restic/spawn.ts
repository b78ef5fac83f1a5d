import { spawn } from 'node:child_process';
import { ResticError } from './errors.js';

export interface ResticRepo {
  /** A local path, or `sftp:lp@host:/` (any repository string restic takes). */
  repository: string;
  /** restic reads the password from here (RESTIC_PASSWORD_FILE); it never goes on a command line. */
  passwordFile: string;
  /** For sftp repositories: restic's `-o sftp.command=…` (the ssh invocation, pins included). */
  sftpCommand?: string;
  /** restic's cache; without it every run is `--no-cache` (slower, but nothing left behind). */
  cacheDir?: string;
}

export interface ResticRun {
  code: number | null;
  /** Collected only when no `onLine` was given. */
  stdout: string;
  /** The tail of stderr (restic's and ssh's messages), for classifying failures. */
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  /** Each stdout line as it comes (then stdout is not collected). */
  onLine?(line: string): void;
  signal?: AbortSignal;
}

const STDERR_KEEP = 64 * 1024;
/** After SIGINT restic removes its lock and exits; one that hangs longer is killed. */
const KILL_AFTER_MS = 30_000;

/**
 * The environment restic runs with: only what a process needs to start, nothing RESTIC_* (a
 * RESTIC_REPOSITORY or RESTIC_PASSWORD of the user must never redirect a backup) and no
 * SSH_AUTH_SOCK (the sftp key is the only identity ssh may use).
 */
function cleanEnv(repo: ResticRepo): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { RESTIC_PASSWORD_FILE: repo.passwordFile };
  for (const name of ['PATH', 'HOME', 'TMPDIR', 'USER', 'LOGNAME', 'TZ']) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  env.PATH ??= '/usr/local/bin:/usr/bin:/bin';
  return env;
}

/** The global options every command gets: repository, cache, sftp command. */
export function globalArgs(repo: ResticRepo): string[] {
  return [
    '-r',
    repo.repository,
    ...(repo.cacheDir ? ['--cache-dir', repo.cacheDir] : ['--no-cache']),
    ...(repo.sftpCommand ? ['-o', csvField(`sftp.command=${repo.sftpCommand}`)] : []),
  ];
}

/**
 * restic's `-o` is a pflag string slice, which splits its value as one CSV record: a value
 * with a quote or comma (an sftp.command with a quoted path) must be one quoted CSV field.
 */
function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** The error an aborted operation rejects with: the signal's reason, as fetch and friends do. */
export function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error
    ? signal.reason
    : new DOMException('the operation was aborted', 'AbortError');
}

/**
 * Runs `restic <global options> <args>`. Resolves with the exit code and output whatever the
 * code (the caller classifies); rejects with `restic_missing` when there is no restic binary, and
 * with the abort reason when `signal` fired (restic gets SIGINT so it removes its lock first).
 */
export function runRestic(repo: ResticRepo, args: string[], opts: RunOptions = {}): Promise<ResticRun> {
  const { signal } = opts;
  if (signal?.aborted) return Promise.reject(abortError(signal));
  return new Promise((resolve, reject) => {
    const child = spawn('restic', [...globalArgs(repo), ...args], {
      cwd: opts.cwd,
      env: cleanEnv(repo),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let partial = '';
    let stderr = '';
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      if (!opts.onLine) {
        stdout += chunk;
        return;
      }
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) opts.onLine(line);
    });
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
      if (stderr.length > STDERR_KEEP * 2) stderr = stderr.slice(-STDERR_KEEP);
    });

    let killTimer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      child.kill('SIGINT');
      killTimer = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
      killTimer.unref();
    };
    signal?.addEventListener('abort', onAbort, { once: true });

    child.once('error', (err: NodeJS.ErrnoException) => {
      signal?.removeEventListener('abort', onAbort);
      if (err.code === 'ENOENT')
        reject(
          new ResticError(
            'restic_missing',
            'restic is not installed on this machine, so backups cannot run; install restic (apt-get install restic)',
          ),
        );
      else reject(err);
    });
    child.once('close', (code) => {
      signal?.removeEventListener('abort', onAbort);
      clearTimeout(killTimer);
      if (opts.onLine && partial !== '') opts.onLine(partial);
      if (signal?.aborted) reject(abortError(signal));
      else resolve({ code, stdout, stderr: stderr.slice(-STDERR_KEEP) });
    });
  });
}

import { spawn } from 'node:child_process';
import { classify, isNoRepository, namesSshCause, type ResticError } from './errors.js';
import type { ResticRepo, ResticRun } from './spawn.js';

/** Splits an sftp.command the way restic does: whitespace separates, '…' and "…" group (no escapes). */
export function splitCommand(command: string): string[] {
  const words: string[] = [];
  let word: string | null = null;
  let quote: string | null = null;
  for (const c of command) {
    if (quote) {
      if (c === quote) quote = null;
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      word ??= '';
    } else if (/\s/.test(c)) {
      if (word !== null) words.push(word);
      word = null;
    } else {
      word = (word ?? '') + c;
    }
  }
  if (word !== null) words.push(word);
  return words;
}

const DIAGNOSE_TIMEOUT_MS = 60_000;

/**
 * Runs the sftp.command once on its own (stdin closed: ssh connects, authenticates, starts the
 * sftp subsystem and leaves) and returns what ssh printed. restic forwards ssh's stderr from a
 * goroutine and can exit before it has: seen here under load, a host-key refusal then reads as
 * a bare "unable to start the sftp session, error: EOF", or with only the first line of
 * OpenSSH's warning ("@@@@…").
 */
function sshStderr(sftpCommand: string): Promise<string> {
  const [cmd, ...args] = splitCommand(sftpCommand);
  if (!cmd) return Promise.resolve('');
  return new Promise((resolve) => {
    let stderr = '';
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { PATH: process.env.PATH } });
    const timer = setTimeout(() => child.kill('SIGKILL'), DIAGNOSE_TIMEOUT_MS);
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (c: string) => {
      stderr += c;
    });
    // A missing ssh is the diagnosis itself.
    child.once('error', (err) => {
      clearTimeout(timer);
      resolve(`subprocess ssh: ${err.message}`);
    });
    child.once('close', () => {
      clearTimeout(timer);
      resolve(
        stderr
          .split('\n')
          .filter((l) => l.trim() !== '')
          .map((l) => `subprocess ssh: ${l}`)
          .join('\n'),
      );
    });
  });
}

/**
 * The ResticError for a failed run. For an sftp repository that could not be reached and whose
 * cause restic did not pass on whole (see namesSshCause), ssh is asked again on its own so the
 * message names the cause.
 */
export async function failure(repo: ResticRepo, command: string, run: ResticRun): Promise<ResticError> {
  const failed = { command, repository: repo.repository, exitCode: run.code, stderr: run.stderr };
  const err = classify(failed);
  const explained = namesSshCause(run.stderr) || isNoRepository(run.stderr);
  if (err.code !== 'repository_unreachable' || !repo.sftpCommand || explained) return err;
  const ssh = await sshStderr(repo.sftpCommand);
  return ssh ? classify({ ...failed, stderr: `${ssh}\n${run.stderr}` }) : err;
}

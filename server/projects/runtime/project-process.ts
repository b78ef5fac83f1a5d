import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Logger } from '../../log/index.js';
import { nodeChild } from './node-flags.js';

/** The environment variable carrying the per-start token the project server requires on requests. */
export const PROJECT_TOKEN_ENV = 'LAUNCHPAD_PROJECT_TOKEN';

export interface ProjectProcessOptions {
  entry: string;
  id: string;
  dir: string;
  token: string;
  /** The server's trusted socket for the agent's splices (see workspace/trusted-listener.ts). */
  socketPath: string;
  /** How long the server has to print its `listening` line. */
  startTimeoutMs: number;
  logger: Logger;
}

export type ReadyResult = { ok: true; port: number } | { ok: false; reason: string };
export interface ExitResult {
  code: number | null;
  signal: NodeJS.Signals | null;
}

// Enough of the project's last words to say why it died, without holding a chatty log in memory.
const TAIL_LINES = 10;
const TAIL_LINE_CHARS = 500;
// 'exit' can come before the last stderr chunk is read; wait this long for the pipe to drain.
const STDERR_DRAIN_MS = 200;
// pino's numeric levels: warn and above stay visible at the agent's usual level.
const PINO_WARN = 40;
const PINO_ERROR = 50;

/** How an exit reads in a reason or log line. */
export function describeExit(exit: ExitResult): string {
  if (exit.signal) return `killed by ${exit.signal}`;
  return exit.code === null ? 'exited' : `exited with code ${exit.code}`;
}

/** A stderr line for a person: the message of a JSON log line (and its error), else the raw text. */
function readable(line: string): string {
  try {
    const parsed = JSON.parse(line) as { msg?: unknown; err?: { message?: unknown } };
    if (typeof parsed.msg === 'string') {
      const err = typeof parsed.err?.message === 'string' ? `: ${parsed.err.message}` : '';
      return `${parsed.msg}${err}`.slice(0, TAIL_LINE_CHARS);
    }
  } catch {
    // Not JSON (a stack trace, a Node startup error): the raw line is the best there is.
    return line.slice(0, TAIL_LINE_CHARS);
  }
  return line.slice(0, TAIL_LINE_CHARS);
}

/**
 * One run of a project server: `node <entry> --project-id <id> --dir <dir> --port 0` with the
 * project token in its environment. `ready` settles once: with the port from its single
 * `{"event":"listening","port":N}` stdout line, or with a reason (spawn failure, exit before
 * listening with its last stderr lines, timeout — the process is then killed).
 */
export class ProjectProcess {
  readonly ready: Promise<ReadyResult>;
  readonly exited: Promise<ExitResult>;
  readonly #child: ChildProcess;
  readonly #tail: string[] = [];
  #exit: ExitResult | null = null;

  constructor(private readonly opts: ProjectProcessOptions) {
    const log = opts.logger;
    const node = nodeChild();
    this.#child = spawn(
      process.execPath,
      [
        ...node.flags,
        opts.entry,
        '--project-id',
        opts.id,
        '--dir',
        opts.dir,
        '--port',
        '0',
        '--socket',
        opts.socketPath,
      ],
      {
        cwd: opts.dir,
        // stdin is a lifeline: never written, it closes when this process ends (even by SIGKILL),
        // which tells the project server to stop instead of living on as an orphan.
        env: { ...process.env, ...node.env, [PROJECT_TOKEN_ENV]: opts.token, LAUNCHPAD_PARENT_PIPE: '1' },
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    const child = this.#child;

    // The project's own log lines go to the agent's log (rotated with it, redacted like it), at
    // debug unless the project itself called them warnings or errors.
    let stderrEnded = false;
    const stderrDone = new Promise<void>((resolve) => {
      child.stderr?.once('end', () => {
        stderrEnded = true;
        resolve();
      });
    });
    if (child.stderr) {
      createInterface({ input: child.stderr, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (line) => {
        if (!line.trim()) return;
        this.#tail.push(readable(line));
        if (this.#tail.length > TAIL_LINES) this.#tail.shift();
        const level = (() => {
          try {
            return Number((JSON.parse(line) as { level?: unknown }).level) || 0;
          } catch {
            // Plain text on stderr is usually a crash (a stack trace): keep it visible.
            return PINO_WARN;
          }
        })();
        const fields = { project: opts.id, line: line.slice(0, 4000) };
        if (level >= PINO_ERROR) log.error(fields, 'project server');
        else if (level >= PINO_WARN) log.warn(fields, 'project server');
        else log.debug(fields, 'project server');
      });
    }

    this.exited = new Promise<ExitResult>((resolve) => {
      child.once('exit', (code, signal) => {
        this.#exit = { code, signal };
        // Give the stderr pipe a moment to drain so the tail holds the last words.
        const timer = setTimeout(() => resolve({ code, signal }), STDERR_DRAIN_MS);
        void stderrDone.then(() => {
          clearTimeout(timer);
          resolve({ code, signal });
        });
        if (stderrEnded) {
          clearTimeout(timer);
          resolve({ code, signal });
        }
      });
      child.once('error', (err) => {
        // 'error' without a pid: the process never started, so no 'exit' follows.
        if (child.pid === undefined) {
          this.#exit = { code: null, signal: null };
          resolve(this.#exit);
        } else {
          log.warn({ project: opts.id, err }, 'project server: process error');
        }
      });
    });

    this.ready = new Promise<ReadyResult>((resolve) => {
      let settled = false;
      const settle = (result: ReadyResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(result);
      };
      const timer = setTimeout(() => {
        settle({
          ok: false,
          reason: `the project server did not report listening within ${Math.round(opts.startTimeoutMs / 1000)} s${this.#tailSuffix()}`,
        });
        void this.kill(1000);
      }, opts.startTimeoutMs);

      child.once('error', (err) => {
        if (child.pid === undefined)
          settle({ ok: false, reason: `could not start the project server: ${err.message}` });
      });
      void this.exited.then((exit) => {
        settle({
          ok: false,
          reason: `the project server ${describeExit(exit)} before listening${this.#tailSuffix()}`,
        });
      });
      if (child.stdout) {
        createInterface({ input: child.stdout, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (line) => {
          const port = listeningPort(line);
          if (port !== null && !settled) settle({ ok: true, port });
          else if (line.trim())
            log.debug({ project: opts.id, line: line.slice(0, 4000) }, 'project server stdout');
        });
      }
    });
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** The last stderr lines, oldest first. */
  stderrTail(): string[] {
    return [...this.#tail];
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  async kill(graceMs: number): Promise<ExitResult> {
    if (this.#exit || this.#child.pid === undefined) return this.exited;
    this.#child.kill('SIGTERM');
    const timer = setTimeout(() => {
      if (!this.#exit) {
        this.opts.logger.warn(
          { project: this.opts.id, graceMs },
          'project server ignored SIGTERM; killing it',
        );
        this.#child.kill('SIGKILL');
      }
    }, graceMs);
    const exit = await this.exited;
    clearTimeout(timer);
    return exit;
  }

  #tailSuffix(): string {
    return this.#tail.length ? `:\n${this.#tail.join('\n')}` : '';
  }
}

function listeningPort(line: string): number | null {
  try {
    const msg = JSON.parse(line) as { event?: unknown; port?: unknown };
    if (msg.event !== 'listening' || !Number.isInteger(msg.port)) return null;
    const port = msg.port as number;
    return port > 0 && port < 65536 ? port : null;
  } catch {
    // Anything else on stdout is chatter, logged by the caller.
    return null;
  }
}

import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import type { ProjectState } from '../../api/index.js';
import type { Logger } from '../../log/index.js';
import { describeExit, type ExitResult, ProjectProcess } from './project-process.js';
import type { RestartBackoff } from './restart-backoff.js';

export interface SupervisorOptions {
  id: string;
  dir: string;
  /** Where the project server also listens for the agent (a private directory's socket). */
  socketPath: string;
  entry: () => string;
  logger: Logger;
  backoff: RestartBackoff;
  startTimeoutMs: number;
  stopGraceMs: number;
  /** Told on every change of state or error. */
  onChange: () => void;
}

/** Where a running project server listens, and the token it requires on every request. */
export interface ProjectEndpoint {
  port: number;
  token: string;
  /**
   * The server's trusted socket: no token asked, for raw splices from the tunnel. A server that
   * does not listen there (an older build, a test fixture) is still reached on the port.
   */
  socketPath: string;
}

/**
 * Keeps one project's server running: spawns it, restarts it with backoff when it crashes, and
 * stops it. States: 'starting' (spawned, or waiting to restart after a crash), 'running',
 * 'error' (a start the hub asked for failed; terminal until the next start), 'stopped'.
 */
export class ProjectSupervisor {
  state: ProjectState = 'stopped';
  error: string | null = null;
  endpoint: ProjectEndpoint | null = null;

  #proc: ProjectProcess | null = null;
  #runningSince = 0;
  #wanted = false;
  #restartTimer: NodeJS.Timeout | null = null;
  // In-flight spawns: one the hub asked for (answers start()), one the crash handling began.
  #initial: Promise<void> | null = null;
  #restarting: Promise<void> | null = null;
  // A stop still waiting for its process to exit: a new start waits for it, so two servers never
  // share the project directory.
  #stopping: Promise<unknown> | null = null;

  constructor(private readonly opts: SupervisorOptions) {}

  get id(): string {
    return this.opts.id;
  }

  /** Resolves once the server listens ('running') or the start failed ('error'), or it was stopped. */
  async start(): Promise<void> {
    this.#wanted = true;
    // Join a spawn under way. A stop may have cut it short (and this start come after that stop),
    // so look again once it settles rather than taking its outcome as this start's answer.
    while (this.#initial || this.#restarting) {
      const joined = this.#initial;
      await (this.#initial ?? this.#restarting);
      const now = this.state as ProjectState;
      if (!this.#wanted || now === 'running') return;
      if (joined && now === 'error') return; // the start we joined failed: that is the answer
    }
    if (this.state === 'running') return;
    // Waiting out a crash backoff: the hub asking now is reason enough to try at once.
    this.#clearRestart();
    this.opts.backoff.reset();
    this.#initial = this.#spawn(true).finally(() => {
      this.#initial = null;
    });
    return this.#initial;
  }

  /** SIGTERM (SIGKILL after the grace period); no restart follows. */
  async stop(): Promise<void> {
    this.#wanted = false;
    this.#clearRestart();
    const proc = this.#proc;
    this.#proc = null;
    this.endpoint = null;
    this.#set('stopped', null);
    if (!proc) return;
    const stopping = proc.kill(this.opts.stopGraceMs);
    this.#stopping = stopping;
    await stopping;
    if (this.#stopping === stopping) this.#stopping = null;
  }

  async #spawn(askedFor: boolean): Promise<void> {
    const { id, dir, logger: log } = this.opts;
    this.endpoint = null;
    if (askedFor) this.#set('starting', null);
    if (this.#stopping) await this.#stopping;
    if (!this.#wanted) return;
    const token = randomBytes(32).toString('base64url');
    let proc: ProjectProcess;
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      proc = new ProjectProcess({
        entry: this.opts.entry(),
        id,
        dir,
        token,
        socketPath: this.opts.socketPath,
        startTimeoutMs: this.opts.startTimeoutMs,
        logger: log,
      });
    } catch (err) {
      // No process to wait for (the project dir cannot be made, no entry to run).
      this.#failed(askedFor, `could not start the project server: ${(err as Error).message}`, null);
      return;
    }
    this.#proc = proc;
    const ready = await proc.ready;
    if (this.#proc !== proc) return; // stopped (or superseded) while starting
    if (!ready.ok) {
      this.#proc = null;
      this.#failed(askedFor, ready.reason, proc);
      return;
    }
    this.endpoint = { port: ready.port, token, socketPath: this.opts.socketPath };
    this.#runningSince = Date.now();
    this.#set('running', null);
    log.info({ project: id, port: ready.port, pid: proc.pid }, 'project server listening');
    void proc.exited.then((exit) => this.#crashed(proc, exit));
  }

  #failed(askedFor: boolean, reason: string, proc: ProjectProcess | null): void {
    if (askedFor) {
      this.opts.logger.warn({ project: this.id, reason }, 'project server failed to start');
      this.#set('error', reason);
      return;
    }
    // A restart that failed is one more crash: same backoff, one log line.
    const delayMs = this.#scheduleRestart(reason);
    this.opts.logger.warn(
      { project: this.id, pid: proc?.pid, reason, delayMs },
      'project server failed to restart; trying again after a delay',
    );
  }

  #crashed(proc: ProjectProcess, exit: ExitResult): void {
    if (this.#proc !== proc || !this.#wanted) return; // a stop, not a crash
    this.#proc = null;
    this.endpoint = null;
    const uptimeMs = Date.now() - this.#runningSince;
    if (uptimeMs >= this.opts.backoff.resetAfterMs) this.opts.backoff.reset();
    const tail = proc.stderrTail();
    const reason = `the project server ${describeExit(exit)}${tail.length ? `:\n${tail.join('\n')}` : ''}`;
    const delayMs = this.#scheduleRestart(reason);
    this.opts.logger.warn(
      {
        project: this.id,
        pid: proc.pid,
        code: exit.code,
        signal: exit.signal,
        uptimeMs,
        delayMs,
        stderr: tail,
      },
      'project server crashed; restarting after a delay',
    );
  }

  /** Arms the restart timer; returns its delay. */
  #scheduleRestart(reason: string): number {
    const delayMs = this.opts.backoff.next();
    this.#set('starting', reason);
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = null;
      this.#restarting = this.#spawn(false).finally(() => {
        this.#restarting = null;
      });
    }, delayMs);
    return delayMs;
  }

  #clearRestart(): void {
    if (this.#restartTimer) clearTimeout(this.#restartTimer);
    this.#restartTimer = null;
  }

  #set(state: ProjectState, error: string | null): void {
    if (this.state === state && this.error === error) return;
    this.state = state;
    this.error = error;
    this.opts.onChange();
  }
}

import { readdir, readFile } from 'node:fs/promises';
import pty, { type IPty } from 'node-pty';
import type { Logger } from 'pino';
import type { ConatServerMessage } from '../../api/index.js';

/** Whoever watches a terminal (one WebSocket); several may watch the same one. */
export interface TerminalViewer {
  send(msg: ConatServerMessage): void;
}

export interface TerminalsOptions {
  cwd: string;
  log: Logger;
  /** Shell to start; default `$SHELL`, else /bin/bash. */
  shell?: string;
  /** A terminal nobody has watched for this long is ended (default 10 minutes). */
  idleTimeoutMs?: number;
  /** Output kept for a reattaching viewer, in characters (default 256 KiB). */
  replayChars?: number;
  /** Environment of the shells (default: this process's, minus the project token). */
  env?: NodeJS.ProcessEnv;
}

export const DEFAULT_IDLE_TIMEOUT_MS = 10 * 60 * 1000;
const DEFAULT_REPLAY_CHARS = 256 * 1024;
/** How long closeAll() waits for shells to leave after SIGHUP before SIGKILL. */
const EXIT_GRACE_MS = 800;

/** The last `cap` characters of a terminal's output, kept as the chunks that arrived. */
export class OutputRing {
  private chunks: string[] = [];
  private size = 0;
  constructor(private readonly cap: number) {}

  push(data: string): void {
    this.chunks.push(data);
    this.size += data.length;
    while (this.size > this.cap) {
      const first = this.chunks[0] as string;
      const excess = this.size - this.cap;
      if (first.length <= excess) {
        this.chunks.shift();
        this.size -= first.length;
      } else {
        this.chunks[0] = first.slice(excess);
        this.size -= excess;
      }
    }
  }

  text(): string {
    // Joined once per reattach, and kept joined so repeated reattaches do not redo it.
    if (this.chunks.length > 1) this.chunks = [this.chunks.join('')];
    return this.chunks[0] ?? '';
  }
}

interface Terminal {
  id: string;
  createdAt: string;
  pty: IPty;
  output: OutputRing;
  viewers: Set<TerminalViewer>;
  idleTimer: NodeJS.Timeout | undefined;
  exited: Promise<void>;
}

/**
 * The project's terminals. A terminal outlives the socket that opened it (a reload reattaches
 * and sees its recent output again); one nobody watches for `idleTimeoutMs` is ended.
 */
export class Terminals {
  private readonly terminals = new Map<string, Terminal>();
  private readonly idleTimeoutMs: number;
  private readonly replayChars: number;
  private readonly shell: string;
  private readonly env: NodeJS.ProcessEnv;
  private closing = false;

  constructor(private readonly opts: TerminalsOptions) {
    this.idleTimeoutMs = opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    this.replayChars = opts.replayChars ?? DEFAULT_REPLAY_CHARS;
    this.shell = opts.shell ?? (process.env.SHELL || '/bin/bash');
    const env = { ...(opts.env ?? process.env) };
    // The shell runs the user's code: it has no business knowing the token that guards this server.
    delete env.LAUNCHPAD_PROJECT_TOKEN;
    // Set only so that the desktop's Electron binary ran this server as Node (runtime/node-flags.ts):
    // an Electron app started from the shell (an editor, say) must start as an app.
    delete env.ELECTRON_RUN_AS_NODE;
    this.env = { ...env, TERM: 'xterm-256color', COLORTERM: 'truecolor' };
  }

  list(): { id: string; title: string; createdAt: string }[] {
    return [...this.terminals.values()].map((t) => ({
      id: t.id,
      title: this.titleOf(t),
      createdAt: t.createdAt,
    }));
  }

  /** Opens `id` for `viewer`, or attaches it to the live one and replays its recent output. */
  open(id: string, cols: number, rows: number, viewer: TerminalViewer): void {
    if (this.closing) {
      viewer.send({ t: 'error', term: id, message: 'the project server is shutting down' });
      return;
    }
    const live = this.terminals.get(id);
    if (live) {
      this.attach(live, viewer);
      live.pty.resize(cols, rows);
      viewer.send({ t: 'term.opened', term: id, reattached: true });
      const replay = live.output.text();
      if (replay) viewer.send({ t: 'term.output', term: id, data: replay });
      return;
    }
    let proc: IPty;
    try {
      proc = pty.spawn(this.shell, [], {
        name: 'xterm-256color',
        cols,
        rows,
        cwd: this.opts.cwd,
        env: this.env,
      });
    } catch (err) {
      this.opts.log.error({ err, shell: this.shell }, 'cannot start a terminal');
      viewer.send({ t: 'error', term: id, message: `cannot start ${this.shell}: ${(err as Error).message}` });
      return;
    }
    let resolveExit: () => void = () => undefined;
    const term: Terminal = {
      id,
      createdAt: new Date().toISOString(),
      pty: proc,
      output: new OutputRing(this.replayChars),
      viewers: new Set(),
      idleTimer: undefined,
      exited: new Promise((resolve) => {
        resolveExit = resolve;
      }),
    };
    this.terminals.set(id, term);
    this.attach(term, viewer);
    proc.onData((data) => {
      term.output.push(data);
      for (const v of term.viewers) v.send({ t: 'term.output', term: id, data });
    });
    proc.onExit(({ exitCode, signal }) => {
      clearTimeout(term.idleTimer);
      if (this.terminals.get(id) === term) this.terminals.delete(id);
      for (const v of term.viewers) v.send({ t: 'term.exit', term: id, code: signal ? null : exitCode });
      term.viewers.clear();
      this.opts.log.info({ term: id, exitCode, signal }, 'terminal ended');
      resolveExit();
    });
    this.opts.log.info({ term: id, pid: proc.pid }, 'terminal started');
    viewer.send({ t: 'term.opened', term: id, reattached: false });
  }

  input(id: string, data: string, viewer: TerminalViewer): void {
    const term = this.watched(id, viewer);
    term?.pty.write(data);
  }

  resize(id: string, cols: number, rows: number, viewer: TerminalViewer): void {
    const term = this.watched(id, viewer);
    term?.pty.resize(cols, rows);
  }

  /** Ends the shell; its viewers get `term.exit` when it is gone. */
  close(id: string, viewer: TerminalViewer): void {
    const term = this.watched(id, viewer);
    term?.pty.kill();
  }

  /** `viewer` stops watching every terminal (its socket closed); unwatched ones start their idle clock. */
  detachAll(viewer: TerminalViewer): void {
    for (const term of this.terminals.values()) {
      if (term.viewers.delete(viewer) && term.viewers.size === 0) this.startIdleClock(term);
    }
  }

  /** Ends every shell (SIGHUP, then SIGKILL for those still there after a short grace). */
  async closeAll(): Promise<void> {
    this.closing = true;
    const all = [...this.terminals.values()];
    for (const t of all) {
      clearTimeout(t.idleTimer);
      this.kill(t, undefined);
    }
    const grace = new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), EXIT_GRACE_MS).unref());
    if ((await Promise.race([Promise.all(all.map((t) => t.exited)), grace])) === 'late') {
      for (const t of this.terminals.values()) this.kill(t, 'SIGKILL');
    }
    // A shell that ignored SIGHUP passed that on to its children (ignored signals survive exec);
    // killing it does not reach them. Whatever is left in the terminals' sessions goes now.
    if (all.length > 0) await killSessions(new Set(all.map((t) => t.pty.pid)), this.opts.log);
    this.terminals.clear();
  }

  private watched(id: string, viewer: TerminalViewer): Terminal | undefined {
    const term = this.terminals.get(id);
    if (term?.viewers.has(viewer)) return term;
    viewer.send({ t: 'error', term: id, message: `terminal ${id} is not open here: send term.open first` });
    return undefined;
  }

  private attach(term: Terminal, viewer: TerminalViewer): void {
    clearTimeout(term.idleTimer);
    term.idleTimer = undefined;
    term.viewers.add(viewer);
  }

  private startIdleClock(term: Terminal): void {
    clearTimeout(term.idleTimer);
    term.idleTimer = setTimeout(() => {
      this.opts.log.info({ term: term.id }, 'terminal unwatched for too long: ending it');
      this.kill(term, undefined);
    }, this.idleTimeoutMs);
    // An idle terminal alone must not keep the process alive after close().
    term.idleTimer.unref();
  }

  private kill(term: Terminal, signal: string | undefined): void {
    try {
      term.pty.kill(signal);
    } catch (err) {
      // Already gone (it exited between our look and the signal): nothing left to end.
      this.opts.log.debug({ err, term: term.id }, 'terminal already gone');
    }
  }

  private titleOf(term: Terminal): string {
    try {
      return term.pty.process || this.shell;
    } catch {
      // node-pty reads the foreground process from /proc; a terminal exiting right now has none.
      return this.shell;
    }
  }
}

/**
 * SIGKILLs every process still in one of `sids` (each terminal's shell leads its own session).
 * Linux only (/proc); elsewhere the shells' process groups are all we can name.
 */
async function killSessions(sids: Set<number>, log: Logger): Promise<void> {
  const pids: number[] = [];
  try {
    for (const name of await readdir('/proc')) {
      if (!/^[0-9]+$/.test(name)) continue;
      const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
      // Fields after the command (which may hold spaces and parens): state ppid pgrp session …
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (sids.has(Number(fields[3]))) pids.push(Number(name));
    }
  } catch (err) {
    log.debug({ err }, 'no /proc: killing the process groups only');
    for (const sid of sids) pids.push(-sid);
  }
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch (err) {
      // Gone between the scan and the signal: that is what we wanted.
      log.debug({ err, pid }, 'process already gone');
    }
  }
}

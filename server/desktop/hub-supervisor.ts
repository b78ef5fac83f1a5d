import type { Status } from '../api/index.js';
import { describeStartError, type StartProblem } from './start-error.js';

/** What the supervisor needs of a running hub (RunningHub has all of it). */
export interface SupervisedHub {
  status(): Status;
  onChange(listener: () => void): () => void;
  stop(): Promise<void>;
}

export type HubState<H> =
  | { phase: 'stopped' }
  | { phase: 'starting' }
  | { phase: 'running'; hub: H }
  | { phase: 'stopping'; hub: H }
  | { phase: 'error'; problem: StartProblem };

/** The state as plain data (the hub object replaced by its status), for the tray menu. */
export type HubSnapshot =
  | { phase: 'stopped' }
  | { phase: 'starting' }
  | { phase: 'running'; status: Status }
  | { phase: 'stopping' }
  | { phase: 'error'; problem: StartProblem };

/**
 * Owns the desktop's in-process hub: start, stop and restart run one at a time in the order
 * asked (a tray click during a restart waits its turn instead of racing it), a failed start
 * becomes the `error` state with the message the user needs, and listeners hear about every
 * phase change and every status change of the running hub.
 */
export class HubSupervisor<H extends SupervisedHub> {
  #state: HubState<H> = { phase: 'stopped' };
  #queue: Promise<unknown> = Promise.resolve();
  readonly #listeners = new Set<() => void>();
  #unwatch: (() => void) | null = null;

  constructor(
    private readonly launch: () => Promise<H>,
    private readonly logsDir?: string,
  ) {}

  get state(): HubState<H> {
    return this.#state;
  }

  /** The running hub, if any. */
  get hub(): H | null {
    return this.#state.phase === 'running' ? this.#state.hub : null;
  }

  snapshot(): HubSnapshot {
    const s = this.#state;
    if (s.phase === 'running') return { phase: 'running', status: s.hub.status() };
    if (s.phase === 'stopping') return { phase: 'stopping' };
    return s;
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** Starts the hub unless it runs; resolves with it, or null when the start failed (see `state`). */
  start(): Promise<H | null> {
    return this.#enqueue(() => this.#start());
  }

  stop(): Promise<void> {
    return this.#enqueue(() => this.#stop());
  }

  restart(): Promise<H | null> {
    return this.#enqueue(async () => {
      await this.#stop();
      return this.#start();
    });
  }

  #enqueue<T>(op: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(op);
    // The queue only orders operations; each caller sees its own operation's outcome.
    this.#queue = next.catch(() => undefined);
    return next;
  }

  #set(state: HubState<H>): void {
    this.#state = state;
    this.#emit();
  }

  #emit(): void {
    for (const listener of [...this.#listeners]) listener();
  }

  async #start(): Promise<H | null> {
    if (this.#state.phase === 'running') return this.#state.hub;
    this.#set({ phase: 'starting' });
    let hub: H;
    try {
      hub = await this.launch();
    } catch (err) {
      this.#set({ phase: 'error', problem: describeStartError(err, this.logsDir) });
      return null;
    }
    this.#unwatch = hub.onChange(() => this.#emit());
    this.#set({ phase: 'running', hub });
    return hub;
  }

  async #stop(): Promise<void> {
    if (this.#state.phase !== 'running') return;
    const { hub } = this.#state;
    this.#unwatch?.();
    this.#unwatch = null;
    this.#set({ phase: 'stopping', hub });
    try {
      await hub.stop();
    } finally {
      this.#set({ phase: 'stopped' });
    }
  }
}

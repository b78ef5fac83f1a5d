// Shared by the workspace tests: a real project server on a temp dir, and a real `ws` client
// that collects what the server sends. (No vitest import: this file is compiled with the server.)
import { randomUUID } from 'node:crypto';
import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import type { ConatClientMessage, ConatServerMessage } from '../../api/index.js';
import { PROJECT_TOKEN_HEADER } from '../control-contract.js';
import { type ProjectServerOptions, type RunningProjectServer, startProjectServer } from './server.js';

export interface TestProject {
  id: string;
  dir: string;
  /** The temp folder around the project (room for "outside" files). */
  sandbox: string;
  server: RunningProjectServer;
  base: string;
  /** `http://127.0.0.1:<port>/<id>/api/<path>` */
  api(path: string): string;
  headers: Record<string, string>;
  stop(): Promise<void>;
}

export async function startTestProject(
  opts: Partial<Omit<ProjectServerOptions, 'projectId' | 'dir'>> = {},
): Promise<TestProject> {
  const sandbox = await realpath(await mkdtemp(join(tmpdir(), 'lp-workspace-')));
  const dir = join(sandbox, 'project');
  const id = randomUUID();
  const server = await startProjectServer({
    projectId: id,
    dir,
    rendererDir: join(sandbox, 'renderer'),
    shell: '/bin/bash',
    ...opts,
  });
  const base = `http://127.0.0.1:${server.port}/${id}`;
  return {
    id,
    dir,
    sandbox,
    server,
    base,
    api: (path) => `${base}/api/${path}`,
    headers: opts.token ? { [PROJECT_TOKEN_HEADER]: opts.token } : {},
    async stop() {
      await server.close();
      await rm(sandbox, { recursive: true, force: true });
    },
  };
}

/** A conat client that keeps every message, so a test can wait for the one it needs. */
export class ConatClient {
  readonly messages: ConatServerMessage[] = [];
  private waiters: (() => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.messages.push(JSON.parse(data.toString()) as ConatServerMessage);
      for (const w of this.waiters) w();
    });
  }

  static async connect(url: string, headers: Record<string, string> = {}): Promise<ConatClient> {
    const ws = new WebSocket(url, { headers });
    const client = new ConatClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return client;
  }

  send(msg: ConatClientMessage | Record<string, unknown>): void {
    this.ws.send(JSON.stringify(msg));
  }

  sendRaw(text: string): void {
    this.ws.send(text);
  }

  /** All `term.output` of `term` so far, concatenated. */
  output(term: string): string {
    return this.messages
      .filter(
        (m): m is Extract<ConatServerMessage, { t: 'term.output' }> =>
          m.t === 'term.output' && m.term === term,
      )
      .map((m) => m.data)
      .join('');
  }

  /** Resolves with the first message (already received or still to come) matching `pred`. */
  waitFor<T extends ConatServerMessage>(
    pred: (m: ConatServerMessage) => m is T,
    timeoutMs?: number,
  ): Promise<T>;
  waitFor(pred: (m: ConatServerMessage) => boolean, timeoutMs?: number): Promise<ConatServerMessage>;
  waitFor(pred: (m: ConatServerMessage) => boolean, timeoutMs = 15_000): Promise<ConatServerMessage> {
    return this.until(
      () => this.messages.find(pred),
      timeoutMs,
      () => 'message',
    );
  }

  /** Resolves when `term`'s output contains `text`. */
  waitForOutput(term: string, text: string, timeoutMs = 15_000): Promise<string> {
    return this.until(
      () => (this.output(term).includes(text) ? this.output(term) : undefined),
      timeoutMs,
      () => `output ${JSON.stringify(text)} in ${JSON.stringify(this.output(term))}`,
    );
  }

  close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.ws.once('close', () => resolve());
      this.ws.close();
    });
  }

  private until<T>(check: () => T | undefined, timeoutMs: number, what: () => string): Promise<T> {
    return new Promise((resolve, reject) => {
      const done = check();
      if (done !== undefined) {
        resolve(done);
        return;
      }
      const waiter = () => {
        const found = check();
        if (found === undefined) return;
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(found);
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(
          new Error(`timed out waiting for ${what()}; got ${JSON.stringify(this.messages).slice(0, 2000)}`),
        );
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }
}

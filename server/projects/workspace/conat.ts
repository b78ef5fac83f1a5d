import { type FSWatcher, watch } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { type WebSocket, WebSocketServer } from 'ws';
import {
  type ConatClientMessage,
  type ConatServerMessage,
  conatClientMessageSchema,
} from '../../api/index.js';
import { ApiError } from '../../http/errors.js';
import type { ProjectPaths } from './paths.js';
import type { Terminals, TerminalViewer } from './terminals.js';

/** Changes in a watched folder come in bursts (a build, a git checkout): one event per burst. */
const WATCH_DEBOUNCE_MS = 100;
/** Each watch holds an inotify watch and a descriptor; a client has no reason for more. */
const MAX_WATCHES_PER_SOCKET = 64;
/** A viewer this far behind (a flood of output to a slow link) is dropped; it reconnects and replays. */
const MAX_BUFFERED_BYTES = 32 * 1024 * 1024;
/** term.input is at most 1 Mi characters: room for that in UTF-8 plus the envelope. */
const MAX_FRAME_BYTES = 4 * 1024 * 1024 + 1024;
/** Dead peers (a laptop closed without a FIN) are found by ping, so their terminals start the idle clock. */
const PING_INTERVAL_MS = 30_000;

interface Watch {
  watcher: FSWatcher;
  timer: NodeJS.Timeout | undefined;
}

/**
 * The realtime channel: one WebSocket per workspace tab carrying terminals and folder watches
 * (JSON text frames, conatClientMessageSchema in, ConatServerMessage out).
 */
export class ConatChannel {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  private readonly pinger: NodeJS.Timeout;
  private readonly alive = new WeakSet<WebSocket>();

  constructor(
    private readonly paths: ProjectPaths,
    private readonly terminals: Terminals,
    private readonly log: Logger,
  ) {
    this.pinger = setInterval(() => this.pingAll(), PING_INTERVAL_MS);
    this.pinger.unref();
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => this.serve(ws));
  }

  /** Closes every socket (their terminals are the caller's to end). */
  close(): void {
    clearInterval(this.pinger);
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
  }

  private pingAll(): void {
    for (const ws of this.wss.clients) {
      if (!this.alive.has(ws)) {
        ws.terminate();
        continue;
      }
      this.alive.delete(ws);
      ws.ping();
    }
  }

  private serve(ws: WebSocket): void {
    const watches = new Map<string, Watch>();
    const viewer: TerminalViewer = {
      send: (msg: ConatServerMessage) => {
        if (ws.readyState !== ws.OPEN) return;
        if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
          this.log.warn('conat client too far behind: dropping it (it reattaches and replays)');
          ws.terminate();
          return;
        }
        ws.send(JSON.stringify(msg));
      },
    };
    this.alive.add(ws);
    ws.on('pong', () => this.alive.add(ws));
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        viewer.send({ t: 'error', message: 'frames must be JSON text' });
        return;
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(data.toString());
      } catch {
        // A bad frame is the client's bug, not a reason to drop its terminals: say so and go on.
        viewer.send({ t: 'error', message: 'not valid JSON' });
        return;
      }
      const msg = conatClientMessageSchema.safeParse(parsed);
      if (!msg.success) {
        const issue = msg.error.issues[0];
        const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
        viewer.send({ t: 'error', message: `invalid message: ${where}${issue?.message ?? 'unknown shape'}` });
        return;
      }
      this.dispatch(msg.data, viewer, watches).catch((err: unknown) => {
        this.log.error({ err }, 'conat message failed');
        viewer.send({ t: 'error', message: 'internal error (see the project log)' });
      });
    });
    ws.on('close', () => {
      this.terminals.detachAll(viewer);
      for (const w of watches.values()) stopWatch(w);
      watches.clear();
    });
    ws.on('error', (err) => this.log.debug({ err }, 'conat socket error'));
  }

  private async dispatch(msg: ConatClientMessage, viewer: TerminalViewer, watches: Map<string, Watch>) {
    switch (msg.t) {
      case 'term.open':
        this.terminals.open(msg.term, msg.cols, msg.rows, viewer);
        return;
      case 'term.input':
        this.terminals.input(msg.term, msg.data, viewer);
        return;
      case 'term.resize':
        this.terminals.resize(msg.term, msg.cols, msg.rows, viewer);
        return;
      case 'term.close':
        this.terminals.close(msg.term, viewer);
        return;
      case 'fs.watch':
        await this.watch(msg.path, viewer, watches);
        return;
      case 'fs.unwatch': {
        const w = watches.get(msg.path);
        if (w) stopWatch(w);
        watches.delete(msg.path);
        return;
      }
    }
  }

  /** Watches one folder (not recursive); `fs.changed` carries the path exactly as the client sent it. */
  private async watch(path: string, viewer: TerminalViewer, watches: Map<string, Watch>): Promise<void> {
    if (watches.has(path)) return;
    if (watches.size >= MAX_WATCHES_PER_SOCKET) {
      viewer.send({
        t: 'error',
        message: `at most ${MAX_WATCHES_PER_SOCKET} folders can be watched at once`,
      });
      return;
    }
    let abs: string;
    try {
      abs = (await this.paths.resolve(path, 'path')).abs;
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      viewer.send({ t: 'error', message: err.message });
      return;
    }
    // A second watch of the same path may have been set up while we resolved.
    if (watches.has(path)) return;
    let watcher: FSWatcher;
    try {
      watcher = watch(abs, { persistent: false });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      viewer.send({
        t: 'error',
        message: `cannot watch ${JSON.stringify(path)}: ${code ?? (err as Error).message}`,
      });
      return;
    }
    const w: Watch = { watcher, timer: undefined };
    w.watcher.on('change', () => {
      if (w.timer) return;
      w.timer = setTimeout(() => {
        w.timer = undefined;
        viewer.send({ t: 'fs.changed', path });
      }, WATCH_DEBOUNCE_MS);
    });
    w.watcher.on('error', (err) => {
      // The folder went away or the watch broke: tell the client once and stop.
      this.log.debug({ err, path }, 'watch ended');
      stopWatch(w);
      if (watches.get(path) === w) watches.delete(path);
      viewer.send({ t: 'fs.changed', path });
    });
    watches.set(path, w);
  }
}

function stopWatch(w: Watch): void {
  clearTimeout(w.timer);
  w.timer = undefined;
  w.watcher.close();
}

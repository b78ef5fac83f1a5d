// The realtime channel (WebSocket at /<project_id>/conat): terminals and file-change events.
// One connection per page; it reconnects with backoff, and everyone who depends on server-side
// state (terminals, directory watches) re-sends it from an `onOpen` listener. When the hub's
// session has ended (signed out here or elsewhere, expired), the hub ends the channel and refuses
// it again: the channel then stops retrying and says so, instead of reconnecting forever.
import type { ConatClientMessage, ConatServerMessage } from '../../server/api/index.js';
import { conatUrl } from './project.js';

export type ChannelState = 'connecting' | 'live' | 'reconnecting' | 'signed-out';

type MessageListener = (msg: ConatServerMessage) => void;
type OpenListener = () => void;
type StateListener = (state: ChannelState) => void;

const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 10_000;

function isServerMessage(value: unknown): value is ConatServerMessage {
  return typeof value === 'object' && value !== null && typeof (value as { t?: unknown }).t === 'string';
}

export class RealtimeChannel {
  private ws: WebSocket | null = null;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly messageListeners = new Set<MessageListener>();
  private readonly openListeners = new Set<OpenListener>();
  private readonly stateListeners = new Set<StateListener>();
  state: ChannelState = 'connecting';

  constructor(
    private readonly url: () => string,
    /** Whether the browser still has a session on the hub; asked whenever the channel closes. */
    private readonly signedIn: () => Promise<boolean> = hubSessionAlive,
  ) {}

  start(): void {
    if (this.ws || this.retryTimer) return;
    this.connect();
  }

  get live(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  /** Sends now when connected; otherwise drops it (listeners re-send their state on reconnect). */
  send(msg: ConatClientMessage): boolean {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(msg));
    return true;
  }

  onMessage(listener: MessageListener): () => void {
    this.messageListeners.add(listener);
    return () => this.messageListeners.delete(listener);
  }

  /** Runs on every (re)connect; also at once when the channel is already open. */
  onOpen(listener: OpenListener): () => void {
    this.openListeners.add(listener);
    if (this.live) listener();
    return () => this.openListeners.delete(listener);
  }

  onState(listener: StateListener): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  private setState(state: ChannelState): void {
    if (state === this.state) return;
    this.state = state;
    for (const l of this.stateListeners) l(state);
  }

  private connect(): void {
    this.retryTimer = null;
    const ws = new WebSocket(this.url());
    this.ws = ws;
    ws.onopen = () => {
      this.attempt = 0;
      this.setState('live');
      for (const l of this.openListeners) l();
    };
    ws.onmessage = (e) => {
      if (typeof e.data !== 'string') return;
      let msg: unknown;
      try {
        msg = JSON.parse(e.data);
      } catch (err) {
        console.warn('workspace: a realtime frame that is not JSON', err);
        return;
      }
      if (!isServerMessage(msg)) return;
      for (const l of this.messageListeners) l(msg);
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.setState('reconnecting');
      this.scheduleRetry();
      // A refused upgrade shows the page no status: ask the hub whether the session is gone.
      void this.signedIn().then((yes) => {
        if (yes || this.ws !== null || this.retryTimer === null) return;
        clearTimeout(this.retryTimer);
        this.retryTimer = null;
        this.setState('signed-out');
      });
    };
  }

  private scheduleRetry(): void {
    const base = Math.min(FIRST_RETRY_MS * 2 ** this.attempt, MAX_RETRY_MS);
    this.attempt += 1;
    // Jitter, so many tabs do not hit a restarted server at the same moment.
    this.retryTimer = setTimeout(() => this.connect(), base * (0.75 + Math.random() * 0.5));
  }

  /** Closes the socket now and reconnects at once (the "Retry now" button). */
  retryNow(): void {
    if (this.live) return;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    if (this.ws) {
      const old = this.ws;
      this.ws = null;
      old.onclose = null;
      old.close();
    }
    this.attempt = 0;
    this.connect();
  }
}

/** Whether the hub still knows this browser's session; a hub that does not answer counts as yes. */
async function hubSessionAlive(): Promise<boolean> {
  try {
    const res = await fetch('/api/auth/session', { credentials: 'same-origin', cache: 'no-store' });
    return res.status !== 401;
  } catch (err) {
    console.warn('workspace: the hub did not answer about the session', err);
    return true;
  }
}

/** The page's one channel. */
export const channel = new RealtimeChannel(conatUrl);

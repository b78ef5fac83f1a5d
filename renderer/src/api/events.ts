import { type HubEvent, type Status, statusSchema } from '../../../server/api/index.js';

export type Connection = 'connecting' | 'live' | 'reconnecting';

export interface EventHandlers {
  status(status: Status): void;
  connection(state: Connection): void;
  /**
   * The browser gave up on the stream (a non-200 answer such as 401, or a bad content type);
   * it will not reconnect by itself. Network drops are retried by EventSource and reported as
   * `connection('reconnecting')` instead.
   */
  closed(): void;
}

/** Opens the hub's live status stream (`GET /api/events`); returns the function that closes it. */
export function openHubEvents(handlers: EventHandlers): () => void {
  const source = new EventSource('/api/events');
  handlers.connection('connecting');
  source.onopen = () => handlers.connection('live');
  source.onerror = () => {
    if (source.readyState === EventSource.CLOSED) handlers.closed();
    else handlers.connection('reconnecting');
  };
  source.addEventListener('status', (e) => {
    // A malformed event is dropped: the next one (or a reconnect) brings a full status again.
    const parsed = statusSchema.safeParse(parseEvent((e as MessageEvent<string>).data)?.status);
    if (parsed.success) handlers.status(parsed.data);
    else console.warn('launchpad: ignoring a malformed status event', parsed.error.issues[0]);
  });
  return () => source.close();
}

function parseEvent(data: string): HubEvent | null {
  try {
    return JSON.parse(data) as HubEvent;
  } catch (err) {
    console.warn('launchpad: status event is not JSON', err);
    return null;
  }
}

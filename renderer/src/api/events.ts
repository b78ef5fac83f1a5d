import {
  type BackupProjectView,
  backupListResponseSchema,
  type HealthReport,
  type HubEvent,
  healthReportSchema,
  hostListResponseSchema,
  type ProjectView,
  projectListResponseSchema,
  type Status,
  statusSchema,
  tokenListResponseSchema,
} from '../../../server/api/index.js';

export type Connection = 'connecting' | 'live' | 'reconnecting';

/** What `event: hosts` carries: Launchpad hubs send it on connect and on every host or token change. */
export type HostsSnapshot = Omit<Extract<HubEvent, { type: 'hosts' }>, 'type'>;
const hostsSnapshotSchema = hostListResponseSchema.extend(tokenListResponseSchema.shape);

export interface EventHandlers {
  status(status: Status): void;
  hosts(snapshot: HostsSnapshot): void;
  /** `event: projects`: every project, on connect and on every change. */
  projects(projects: ProjectView[]): void;
  /** `event: backups`: every project's backup state, on connect and on every change (progress included). */
  backups(projects: BackupProjectView[]): void;
  /** `event: health`: the health report, on connect and whenever a check changes status or message. */
  health(report: HealthReport): void;
  connection(state: Connection): void;
  /**
   * The browser gave up on the stream (a non-200 answer such as 401, or a bad content type);
   * it will not reconnect by itself. Network drops are retried by EventSource and reported as
   * `connection('reconnecting')` instead.
   */
  closed(): void;
}

/** Opens the hub's live event stream (`GET /api/events`); returns the function that closes it. */
export function openHubEvents(handlers: EventHandlers): () => void {
  const source = new EventSource('/api/events');
  handlers.connection('connecting');
  source.onopen = () => handlers.connection('live');
  source.onerror = () => {
    if (source.readyState === EventSource.CLOSED) handlers.closed();
    else handlers.connection('reconnecting');
  };
  // A malformed event is dropped: the next one (or a reconnect) brings a full snapshot again.
  source.addEventListener('status', (e) => {
    const parsed = statusSchema.safeParse(parseEvent(e)?.status);
    if (parsed.success) handlers.status(parsed.data);
    else console.warn('launchpad: ignoring a malformed status event', parsed.error.issues[0]);
  });
  source.addEventListener('hosts', (e) => {
    const parsed = hostsSnapshotSchema.safeParse(parseEvent(e));
    if (parsed.success) handlers.hosts(parsed.data);
    else console.warn('launchpad: ignoring a malformed hosts event', parsed.error.issues[0]);
  });
  source.addEventListener('projects', (e) => {
    const parsed = projectListResponseSchema.safeParse(parseEvent(e));
    if (parsed.success) handlers.projects(parsed.data.projects);
    else console.warn('launchpad: ignoring a malformed projects event', parsed.error.issues[0]);
  });
  source.addEventListener('backups', (e) => {
    const parsed = backupListResponseSchema.safeParse(parseEvent(e));
    if (parsed.success) handlers.backups(parsed.data.projects);
    else console.warn('launchpad: ignoring a malformed backups event', parsed.error.issues[0]);
  });
  source.addEventListener('health', (e) => {
    const parsed = healthReportSchema.safeParse(parseEvent(e)?.health);
    if (parsed.success) handlers.health(parsed.data);
    else console.warn('launchpad: ignoring a malformed health event', parsed.error.issues[0]);
  });
  return () => source.close();
}

function parseEvent(e: Event): Record<string, unknown> | null {
  const data = (e as MessageEvent<string>).data;
  try {
    const json: unknown = JSON.parse(data);
    return typeof json === 'object' && json !== null ? (json as Record<string, unknown>) : null;
  } catch (err) {
    console.warn(`launchpad: ${e.type} event is not JSON`, err);
    return null;
  }
}

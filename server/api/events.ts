import type { BackupProjectView } from './backups.js';
import type { HealthReport } from './health.js';
import type { HostView, TokenView } from './hosts.js';
import type { ProjectView } from './projects.js';
import type { Status } from './status.js';

/** What the hub pushes over `GET /api/events` (Server-Sent Events; `event:` is the type, `data:` this JSON). */
export type HubEvent =
  | { type: 'status'; status: Status }
  /** Sent on connect and whenever a host or a join token changes (join, state, RTT, removal, revoke). */
  | { type: 'hosts'; hosts: HostView[]; tokens: TokenView[] }
  /** Sent on connect and whenever a project changes (created, state, deleted, last active). */
  | { type: 'projects'; projects: ProjectView[] }
  /** Sent on connect and on every change, progress included (at most a few times a second). */
  | { type: 'backups'; projects: BackupProjectView[] }
  /** Sent on connect and whenever a check changes status or message. */
  | { type: 'health'; health: HealthReport };

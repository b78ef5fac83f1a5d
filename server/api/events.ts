import type { HostView, TokenView } from './hosts.js';
import type { ProjectView } from './projects.js';
import type { Status } from './status.js';

/** What the hub pushes over `GET /api/events` (Server-Sent Events; `event:` is the type, `data:` this JSON). */
export type HubEvent =
  | { type: 'status'; status: Status }
  /** Sent on connect and whenever a host or a join token changes (join, state, RTT, removal, revoke). */
  | { type: 'hosts'; hosts: HostView[]; tokens: TokenView[] }
  /** Sent on connect and whenever a project changes (created, state, deleted, last active). */
  | { type: 'projects'; projects: ProjectView[] };

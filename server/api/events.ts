import type { Status } from './status.js';

/** What the hub pushes over `GET /api/events` (Server-Sent Events; `event:` is the type, `data:` this JSON). */
export type HubEvent = { type: 'status'; status: Status };

import type { Db } from './open.js';

/** One recorded event, e.g. `{kind: 'host.joined', subject: 'h_…', detail: {name: 'box'}}`. */
export interface HubEventRecord {
  id: number;
  at: number;
  kind: string;
  subject: string | null;
  detail: unknown;
}

interface Row {
  id: number;
  at: number;
  kind: string;
  subject: string | null;
  detail: string | null;
}

/**
 * The hub's audit trail (table `events`): token created/revoked, host joined/removed. Details
 * are JSON and must never carry a secret: ids, names and addresses only.
 */
export class EventsRepo {
  readonly #insert;
  readonly #recent;

  constructor(db: Db) {
    this.#insert = db.prepare<[number, string, string | null, string | null]>(
      'INSERT INTO events (at, kind, subject, detail) VALUES (?, ?, ?, ?)',
    );
    this.#recent = db.prepare<[number], Row>('SELECT * FROM events ORDER BY id DESC LIMIT ?');
  }

  record(kind: string, subject: string | null, detail?: Record<string, unknown>, now = Date.now()): void {
    this.#insert.run(now, kind, subject, detail === undefined ? null : JSON.stringify(detail));
  }

  /** The newest `limit` events, newest first. */
  recent(limit = 100): HubEventRecord[] {
    return this.#recent.all(limit).map((r) => ({
      id: r.id,
      at: r.at,
      kind: r.kind,
      subject: r.subject,
      detail: r.detail === null ? null : (JSON.parse(r.detail) as unknown),
    }));
  }
}

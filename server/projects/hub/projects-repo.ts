import type { ProjectState } from '../../api/index.js';
import type { Db } from '../../db/index.js';

/** One row of `projects`. */
export interface ProjectRecord {
  id: string;
  name: string;
  hostId: string;
  state: ProjectState;
  error: string | null;
  createdAt: number;
  lastActiveAt: number | null;
}

interface Row {
  id: string;
  name: string;
  host_id: string;
  state: ProjectState;
  error: string | null;
  created_at: number;
  last_active_at: number | null;
}

const toRecord = (r: Row): ProjectRecord => ({
  id: r.id,
  name: r.name,
  hostId: r.host_id,
  state: r.state,
  error: r.error,
  createdAt: r.created_at,
  lastActiveAt: r.last_active_at,
});

/** Table `projects`: the hub's registry of projects and the state it last learned from their hosts. */
export class ProjectsRepo {
  readonly #insert;
  readonly #get;
  readonly #list;
  readonly #listByHost;
  readonly #setState;
  readonly #touch;
  readonly #delete;
  readonly #runningPerHost;

  constructor(db: Db) {
    this.#insert = db.prepare(
      `INSERT INTO projects (id, name, host_id, state, error, created_at, last_active_at)
       VALUES (@id, @name, @hostId, @state, @error, @createdAt, @lastActiveAt)`,
    );
    this.#get = db.prepare<[string], Row>('SELECT * FROM projects WHERE id = ?');
    this.#list = db.prepare<[], Row>('SELECT * FROM projects ORDER BY created_at, id');
    this.#listByHost = db.prepare<[string], Row>(
      'SELECT * FROM projects WHERE host_id = ? ORDER BY created_at',
    );
    this.#setState = db.prepare<[ProjectState, string | null, string]>(
      'UPDATE projects SET state = ?, error = ? WHERE id = ?',
    );
    this.#touch = db.prepare<[number, string]>('UPDATE projects SET last_active_at = ? WHERE id = ?');
    this.#delete = db.prepare<[string]>('DELETE FROM projects WHERE id = ?');
    this.#runningPerHost = db.prepare<[], { host_id: string; n: number }>(
      `SELECT host_id, COUNT(*) AS n FROM projects WHERE state IN ('running', 'starting') GROUP BY host_id`,
    );
  }

  insert(p: ProjectRecord): void {
    this.#insert.run(p);
  }

  get(id: string): ProjectRecord | undefined {
    const row = this.#get.get(id);
    return row && toRecord(row);
  }

  list(): ProjectRecord[] {
    return this.#list.all().map(toRecord);
  }

  listByHost(hostId: string): ProjectRecord[] {
    return this.#listByHost.all(hostId).map(toRecord);
  }

  /** True when the row changed. */
  setState(id: string, state: ProjectState, error: string | null = null): boolean {
    return this.#setState.run(state, error, id).changes > 0;
  }

  touch(id: string, at: number): void {
    this.#touch.run(at, id);
  }

  delete(id: string): boolean {
    return this.#delete.run(id).changes > 0;
  }

  /** Running (or starting) projects per host id. */
  runningPerHost(): Map<string, number> {
    return new Map(this.#runningPerHost.all().map((r) => [r.host_id, r.n]));
  }
}

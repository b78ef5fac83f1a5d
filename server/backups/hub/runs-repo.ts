import type { Db } from '../../db/index.js';

export type BackupRunKind = 'scheduled' | 'manual';
export type BackupRunState = 'running' | 'succeeded' | 'failed';

/** restic's summary of a finished backup, as the host passed it on. */
export interface BackupSummary {
  filesNew: number;
  filesChanged: number;
  dataAdded: number;
  totalFiles: number;
  totalBytes: number;
}

/** One row of `backup_runs`. */
export interface BackupRunRecord {
  id: string;
  projectId: string;
  kind: BackupRunKind;
  state: BackupRunState;
  startedAt: number;
  finishedAt: number | null;
  error: string | null;
  snapshotId: string | null;
  summary: BackupSummary | null;
}

interface Row {
  id: string;
  project_id: string;
  kind: BackupRunKind;
  state: BackupRunState;
  started_at: number;
  finished_at: number | null;
  error: string | null;
  snapshot_id: string | null;
  summary: string | null;
}

const toRecord = (r: Row): BackupRunRecord => ({
  id: r.id,
  projectId: r.project_id,
  kind: r.kind,
  state: r.state,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  error: r.error,
  snapshotId: r.snapshot_id,
  summary: r.summary === null ? null : (JSON.parse(r.summary) as BackupSummary),
});

/** The end of a run: exactly one of a snapshot (succeeded) or an error (failed). */
export type RunOutcome =
  | { state: 'succeeded'; snapshotId: string; summary: BackupSummary | null }
  | { state: 'failed'; error: string };

/** Table `backup_runs`: every backup the hub ran and how it ended. */
export class BackupRunsRepo {
  readonly #insert;
  readonly #finish;
  readonly #get;
  readonly #latest;
  readonly #lastSuccess;
  readonly #failuresAfter;
  readonly #successes;
  readonly #failRunning;

  constructor(db: Db) {
    this.#insert = db.prepare(
      `INSERT INTO backup_runs (id, project_id, kind, state, started_at)
       VALUES (@id, @projectId, @kind, 'running', @startedAt)`,
    );
    this.#finish = db.prepare<[BackupRunState, number, string | null, string | null, string | null, string]>(
      `UPDATE backup_runs SET state = ?, finished_at = ?, error = ?, snapshot_id = ?, summary = ?
       WHERE id = ? AND state = 'running'`,
    );
    this.#get = db.prepare<[string], Row>('SELECT * FROM backup_runs WHERE id = ?');
    this.#latest = db.prepare<[string], Row>(
      'SELECT * FROM backup_runs WHERE project_id = ? ORDER BY started_at DESC, rowid DESC LIMIT 1',
    );
    this.#lastSuccess = db.prepare<[string], Row>(
      `SELECT * FROM backup_runs WHERE project_id = ? AND state = 'succeeded'
       ORDER BY finished_at DESC, rowid DESC LIMIT 1`,
    );
    this.#failuresAfter = db.prepare<[string, number], { n: number; last: number | null }>(
      `SELECT COUNT(*) AS n, MAX(finished_at) AS last FROM backup_runs
       WHERE project_id = ? AND state = 'failed' AND started_at >= ?`,
    );
    this.#successes = db.prepare<[string], Row>(
      "SELECT * FROM backup_runs WHERE project_id = ? AND state = 'succeeded' ORDER BY started_at DESC",
    );
    this.#failRunning = db.prepare<[number, string]>(
      "UPDATE backup_runs SET state = 'failed', finished_at = ?, error = ? WHERE state = 'running'",
    );
  }

  insert(r: Pick<BackupRunRecord, 'id' | 'projectId' | 'kind' | 'startedAt'>): void {
    this.#insert.run(r);
  }

  /** Ends a running run; false when it was not running (already ended). */
  finish(id: string, outcome: RunOutcome, at: number): boolean {
    const ok = outcome.state === 'succeeded';
    return (
      this.#finish.run(
        outcome.state,
        at,
        ok ? null : outcome.error,
        ok ? outcome.snapshotId : null,
        ok && outcome.summary ? JSON.stringify(outcome.summary) : null,
        id,
      ).changes === 1
    );
  }

  get(id: string): BackupRunRecord | null {
    const r = this.#get.get(id);
    return r ? toRecord(r) : null;
  }

  /** The project's most recently started run. */
  latest(projectId: string): BackupRunRecord | null {
    const r = this.#latest.get(projectId);
    return r ? toRecord(r) : null;
  }

  lastSuccess(projectId: string): BackupRunRecord | null {
    const r = this.#lastSuccess.get(projectId);
    return r ? toRecord(r) : null;
  }

  /** Failed runs started at or after `since` (the last success), and when the latest ended. */
  failuresSince(projectId: string, since: number): { count: number; lastAt: number | null } {
    const r = this.#failuresAfter.get(projectId, since);
    return { count: r?.n ?? 0, lastAt: r?.last ?? null };
  }

  /** The project's successful runs, newest first (to match snapshots with what made them). */
  successes(projectId: string): BackupRunRecord[] {
    return this.#successes.all(projectId).map(toRecord);
  }

  /** At start: runs a previous hub process left running cannot finish any more. Returns how many. */
  failAllRunning(error: string, at: number): number {
    return this.#failRunning.run(at, error).changes;
  }
}

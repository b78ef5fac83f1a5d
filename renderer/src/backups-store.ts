import { create } from 'zustand';
import type {
  BackupProjectView,
  BackupRunView,
  RestoreRequest,
  RestoreResponse,
  SnapshotView,
} from '../../server/api/index.js';
import * as api from './api/client.js';
import { ApiError } from './api/client.js';
import { asApiError, type Loadable, useHub } from './store.js';

interface BackupsStore {
  /** Every project with its backup state, as `GET /api/backups` and the `backups` event give them. */
  backups: Loadable<BackupProjectView[]>;
  receiveBackups(projects: BackupProjectView[]): void;
  /** Fetches the list unless the event stream already keeps it current. */
  loadBackups(): Promise<void>;
  /** Starts a backup now; throws ApiError (409 backup_running with the hub's message) when refused. */
  startBackup(projectId: string): Promise<BackupRunView>;
  /** The project's snapshots, newest first (fetched each time: the hub holds no copy to push). */
  listSnapshots(projectId: string): Promise<SnapshotView[]>;
  restore(projectId: string, req: RestoreRequest): Promise<RestoreResponse>;
}

/**
 * The Backups page's state, beside the hub store (which it follows for the session and the
 * stream): streamed once a `backups` event arrived, fetched on page load until then.
 */
export const useBackups = create<BackupsStore>()((set, get) => {
  let streamed = false;
  // Counts events, so a fetch or an action answer that an event overtook does not put older data back.
  let events = 0;

  /** A 401 ends the session in the UI before the caller sees the error. */
  async function guarded<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      if (err instanceof ApiError && err.unauthenticated) useHub.getState().sessionLost();
      throw err;
    }
  }

  async function fetchBackups(): Promise<void> {
    const seen = events;
    const hadData = get().backups.state === 'ready';
    if (!hadData) set({ backups: { state: 'loading' } });
    try {
      const { projects } = await guarded(api.getBackups);
      if (events === seen) set({ backups: { state: 'ready', data: projects } });
    } catch (err) {
      // A refresh behind data already shown keeps that data; the connection indicator tells
      // when the hub is away.
      if (hadData) console.warn('launchpad: could not refresh backups', err);
      else set({ backups: { state: 'error', error: asApiError(err) } });
    }
  }

  // A new stream sends a fresh snapshot on connect; until then nothing says the list is current.
  // Signing out forgets it.
  useHub.subscribe((hub, before) => {
    if (hub.connection !== 'live') streamed = false;
    if (hub.phase !== 'ready' && before.phase === 'ready') {
      streamed = false;
      set({ backups: { state: 'idle' } });
    }
  });

  return {
    backups: { state: 'idle' },

    receiveBackups(projects) {
      streamed = true;
      events += 1;
      set({ backups: { state: 'ready', data: projects } });
    },

    async loadBackups() {
      if (streamed && get().backups.state === 'ready') return;
      await fetchBackups();
    },

    async startBackup(projectId) {
      const since = events;
      const { run } = await guarded(() => api.startBackup(projectId));
      // Show "running" at once; the stream (or a fetch) follows with progress.
      const backups = get().backups;
      if (backups.state === 'ready' && events === since) {
        set({
          backups: {
            state: 'ready',
            data: backups.data.map((p) =>
              p.projectId === projectId ? { ...p, status: 'running' as const, lastRun: run } : p,
            ),
          },
        });
      }
      if (!streamed) void fetchBackups();
      return run;
    },

    async listSnapshots(projectId) {
      const { snapshots } = await guarded(() => api.getSnapshots(projectId));
      return snapshots;
    },

    async restore(projectId, req) {
      return guarded(() => api.restoreSnapshot(projectId, req));
    },
  };
});

import { create } from 'zustand';
import type {
  SettingsPatch,
  SettingsResponse,
  SetupRequest,
  SetupResponse,
  Status,
} from '../../server/api/index.js';
import * as api from './api/client.js';
import { ApiError } from './api/client.js';
import type { Connection } from './api/events.js';

/** Where the app as a whole is: deciding, hub down, needs a sign-in, or showing pages. */
export type Phase = 'loading' | 'unreachable' | 'signed-out' | 'ready';

export type Loadable<T> =
  | { state: 'idle' }
  | { state: 'loading' }
  | { state: 'error'; error: ApiError }
  | { state: 'ready'; data: T };

interface HubStore {
  phase: Phase;
  status: Status | null;
  loadError: ApiError | null;
  connection: Connection;
  /** "Not now" in the first-run wizard: do not send the user back to it during this visit. */
  setupDismissed: boolean;
  settings: Loadable<SettingsResponse>;

  /** Fetches the status and decides the phase (used at start and by Retry). */
  load(): Promise<void>;
  receiveStatus(status: Status): void;
  setConnection(connection: Connection): void;
  /** The hub said 401 mid-session: back to the sign-in page. */
  sessionLost(): void;
  dismissSetup(): void;
  loadSettings(): Promise<void>;
  /** Stores a settings change; throws ApiError (with `field`) when the hub refuses it. */
  saveSettings(patch: SettingsPatch): Promise<SettingsResponse>;
  applySetup(req: SetupRequest): Promise<SetupResponse>;
  signOut(everywhere: boolean): Promise<void>;
}

export const useHub = create<HubStore>()((set, get) => {
  /** Runs an API call; a 401 ends the session in the UI before the caller sees the error. */
  async function guarded<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      if (err instanceof ApiError && err.unauthenticated) get().sessionLost();
      throw err;
    }
  }

  /** A settings answer also tells whether a restart is pending; show it without waiting for the stream. */
  function noteRestart(restartRequired: boolean) {
    const status = get().status;
    if (status && status.restartRequired !== restartRequired) set({ status: { ...status, restartRequired } });
  }

  return {
    phase: 'loading',
    status: null,
    loadError: null,
    connection: 'connecting',
    setupDismissed: false,
    settings: { state: 'idle' },

    async load() {
      set({ phase: 'loading', loadError: null });
      try {
        const status = await api.getStatus();
        set({ status, phase: status.signedIn ? 'ready' : 'signed-out' });
      } catch (err) {
        set({ phase: 'unreachable', loadError: asApiError(err) });
      }
    },

    receiveStatus(status) {
      if (!status.signedIn) get().sessionLost();
      else set({ status });
    },

    setConnection(connection) {
      set({ connection });
    },

    sessionLost() {
      const status = get().status;
      set({
        phase: 'signed-out',
        status: status ? withoutSession(status) : null,
        settings: { state: 'idle' },
        connection: 'connecting',
      });
    },

    dismissSetup() {
      set({ setupDismissed: true });
    },

    async loadSettings() {
      set({ settings: { state: 'loading' } });
      try {
        const data = await guarded(api.getSettings);
        set({ settings: { state: 'ready', data } });
        noteRestart(data.restartRequired);
      } catch (err) {
        set({ settings: { state: 'error', error: asApiError(err) } });
      }
    },

    async saveSettings(patch) {
      const data = await guarded(() => api.patchSettings(patch));
      set({ settings: { state: 'ready', data } });
      noteRestart(data.restartRequired);
      return data;
    },

    async applySetup(req) {
      const res = await guarded(() => api.postSetup(req));
      set({ settings: { state: 'ready', data: res.settings } });
      noteRestart(res.settings.restartRequired);
      return res;
    },

    async signOut(everywhere) {
      await guarded<unknown>(everywhere ? api.signOutEverywhere : api.signOut);
      get().sessionLost();
    },
  };
});

function withoutSession(status: Status): Status {
  const { detail: _detail, ...rest } = status;
  return { ...rest, signedIn: false };
}

/** Anything thrown below the client is a bug; show it like an API error rather than crash the page. */
export function asApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  return new ApiError(-1, 'client_error', err instanceof Error ? err.message : String(err));
}

import { create } from 'zustand';
import type { HealthReport } from '../../server/api/index.js';
import * as api from './api/client.js';
import { ApiError } from './api/client.js';
import { asApiError, type Loadable, useHub } from './store.js';

interface HealthStore {
  /** The hub's latest health report, as `GET /api/health` and the `health` event give it. */
  health: Loadable<HealthReport>;
  receiveHealth(report: HealthReport): void;
  /** Fetches the report unless the event stream already keeps it current. */
  loadHealth(): Promise<void>;
}

/**
 * Health beside the hub store (which it follows for the session and the stream): streamed once
 * a `health` event arrived, fetched on page load until then.
 */
export const useHealth = create<HealthStore>()((set, get) => {
  let streamed = false;
  // Counts events, so a fetch that an event overtook does not put an older report back.
  let events = 0;

  // A new stream sends a fresh report on connect; until then nothing says it is current.
  // Signing out forgets it.
  useHub.subscribe((hub, before) => {
    if (hub.connection !== 'live') streamed = false;
    if (hub.phase !== 'ready' && before.phase === 'ready') {
      streamed = false;
      set({ health: { state: 'idle' } });
    }
  });

  return {
    health: { state: 'idle' },

    receiveHealth(report) {
      streamed = true;
      events += 1;
      set({ health: { state: 'ready', data: report } });
    },

    async loadHealth() {
      if (streamed && get().health.state === 'ready') return;
      const seen = events;
      const hadData = get().health.state === 'ready';
      if (!hadData) set({ health: { state: 'loading' } });
      try {
        const report = await api.getHealth();
        if (events === seen) set({ health: { state: 'ready', data: report } });
      } catch (err) {
        if (err instanceof ApiError && err.unauthenticated) useHub.getState().sessionLost();
        // A refresh behind a report already shown keeps it; the connection indicator tells
        // when the hub is away.
        if (hadData) console.warn('launchpad: could not refresh health', err);
        else set({ health: { state: 'error', error: asApiError(err) } });
      }
    },
  };
});

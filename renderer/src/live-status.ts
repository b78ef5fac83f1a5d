import { useEffect } from 'react';
import { ApiError, getStatus } from './api/client.js';
import { openHubEvents } from './api/events.js';
import { useBackups } from './backups-store.js';
import { useHealth } from './health-store.js';
import { useHub } from './store.js';

const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 30_000;

/**
 * Keeps the status, the projects (and, on Launchpad hubs, hosts and join tokens) current from
 * the hub's event stream while `enabled` (signed in). EventSource retries network drops itself;
 * when the hub refuses the stream outright, the status says whether the session ended (→ sign-in page) or the
 * hub is still coming up (→ retry, backing off).
 */
export function useLiveStatus(enabled: boolean): void {
  useEffect(() => {
    if (!enabled) return;
    const hub = useHub.getState;
    let stopped = false;
    let close: () => void = () => undefined;
    let retryTimer: number | undefined;
    let delay = FIRST_RETRY_MS;

    const scheduleReopen = () => {
      retryTimer = window.setTimeout(open, delay);
      delay = Math.min(delay * 2, MAX_RETRY_MS);
    };

    const recheck = async () => {
      try {
        const status = await getStatus();
        if (stopped) return;
        if (!status.signedIn) {
          hub().sessionLost();
          return;
        }
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        // Unreachable or a bad answer while the hub restarts: try the stream again later.
      }
      if (!stopped) scheduleReopen();
    };

    function open() {
      close = openHubEvents({
        status: (status) => {
          delay = FIRST_RETRY_MS;
          hub().receiveStatus(status);
        },
        hosts: (snapshot) => hub().receiveHosts(snapshot),
        projects: (projects) => hub().receiveProjects(projects),
        backups: (projects) => useBackups.getState().receiveBackups(projects),
        health: (report) => useHealth.getState().receiveHealth(report),
        connection: (state) => hub().setConnection(state),
        closed: () => {
          close();
          hub().setConnection('reconnecting');
          void recheck();
        },
      });
    }

    open();
    return () => {
      stopped = true;
      window.clearTimeout(retryTimer);
      close();
    };
  }, [enabled]);
}

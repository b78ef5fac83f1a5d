import { hostname } from 'node:os';
import { THIS_MACHINE_HOST_ID } from '../../api/index.js';
import type { HubHosts, ServiceEndpoint } from '../../hosts/index.js';
import type { ProjectHost, ProjectHostsSource } from './hub-projects.js';

/**
 * The hosts projects run on: "this machine" (the host service inside the hub's process, reached
 * directly on its port: the same-machine shortcut) and every joined host (reached through its
 * tunnel's hub end). Lookups are cached until the hosts change, because the proxy asks on every
 * request and a joined host's lookup reads sqlite.
 */
export function projectHostsSource(
  hosts: HubHosts,
  thisMachine: () => ServiceEndpoint | null,
): ProjectHostsSource {
  const cache = new Map<string, ProjectHost | null>();
  hosts.subscribe(() => cache.clear());

  const local = (): ProjectHost | null => {
    const endpoint = thisMachine();
    return (
      endpoint && {
        id: THIS_MACHINE_HOST_ID,
        name: hostname(),
        online: true,
        lastSeenAt: Date.now(),
        endpoint,
      }
    );
  };

  const joined = (id: string): ProjectHost | null => {
    const t = hosts.serviceTarget(id);
    if (!t) return null;
    return {
      id,
      name: t.name,
      online: t.online && t.port !== null,
      lastSeenAt: t.lastSeenAt,
      endpoint: t.port === null ? null : { port: t.port, secret: t.secret },
    };
  };

  const get = (id: string): ProjectHost | null => {
    if (id === THIS_MACHINE_HOST_ID) return local();
    let h = cache.get(id);
    if (h === undefined) {
      h = joined(id);
      cache.set(id, h);
    }
    return h;
  };

  return {
    get,
    online: () => {
      const others = hosts
        .listHosts()
        .filter((h) => !h.thisMachine && h.state === 'online')
        .map((h) => get(h.id))
        .filter((h): h is ProjectHost => h?.online === true);
      const self = local();
      return self ? [self, ...others] : others;
    },
    subscribe: (listener) => hosts.subscribe(listener),
  };
}

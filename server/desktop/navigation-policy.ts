import { isSameOrigin, originOf } from './origin.js';

/**
 * Where a URL the window wants to go to may be opened: `in-window` (the hub itself),
 * `system-browser` (a vetted external page), or `deny`.
 */
export type NavigationDecision = 'in-window' | 'system-browser' | 'deny';

export interface NavigationPolicy {
  /** The hub origin the window shows, e.g. `https://127.0.0.1:9200`. */
  hubOrigin: string;
  /**
   * Hosts whose https pages may open in the system browser: an exact host (`github.com`) or
   * a `*.` pattern for its subdomains (`*.cocalc.com`, which does not match `cocalc.com`).
   */
  externalHosts: readonly string[];
  /** Whole origins that may also open in the system browser (e.g. the hub's own LAN URL). */
  externalOrigins?: readonly string[];
}

/** Documentation and services the UI links to; anything else stays closed. */
export const DEFAULT_EXTERNAL_HOSTS: readonly string[] = [
  'cocalc.com',
  '*.cocalc.com',
  'github.com',
  'developers.cloudflare.com',
  'dash.cloudflare.com',
  'restic.readthedocs.io',
];

function hostMatches(host: string, pattern: string): boolean {
  const p = pattern.toLowerCase();
  if (p.startsWith('*.')) return host.endsWith(p.slice(1)) && host.length > p.length - 1;
  return host === p;
}

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/**
 * The window only ever shows the hub. An https link elsewhere goes to the system browser if
 * its host is on the allowlist and it carries no credentials (a `user:pass@` URL is a
 * classic way to disguise where a link really goes); everything else (other schemes,
 * plain http, unknown hosts, file:, javascript:, data:) is refused.
 */
export function decideNavigation(url: string, policy: NavigationPolicy): NavigationDecision {
  const target = parse(url);
  if (target === null) return 'deny';
  if (target.username !== '' || target.password !== '') return 'deny';
  const hub = new URL(policy.hubOrigin);
  // `blob:` and `filesystem:` URLs report their creator's origin; only real pages count.
  if (target.protocol === hub.protocol && isSameOrigin(url, policy.hubOrigin)) return 'in-window';
  if (target.protocol !== 'https:') return 'deny';
  if (policy.externalOrigins?.some((o) => originOf(o) === target.origin)) return 'system-browser';
  return policy.externalHosts.some((p) => hostMatches(target.hostname, p)) ? 'system-browser' : 'deny';
}

import { isSameOrigin } from './origin.js';

/**
 * Web permissions the hub's pages may have without asking: writing to the clipboard (copy
 * buttons) and fullscreen. Camera, microphone, notifications, geolocation and the rest are
 * never granted: the dashboard has no use for them, and a window that silently grants
 * them would be a gift to anything that got script into it.
 */
const GRANTED = new Set(['clipboard-sanitized-write', 'fullscreen']);

export function decidePermission(permission: string, requestingUrl: string, hubOrigin: string): boolean {
  return GRANTED.has(permission) && isSameOrigin(requestingUrl, hubOrigin);
}

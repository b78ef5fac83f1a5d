/**
 * The origin (`scheme://host:port`) of `url`, or null when it has none (about:, data:, file:,
 * javascript:, a malformed string). URL parsing normalises case, default ports and IPv6
 * brackets, so two origins compare equal exactly when the browser would treat them as one.
 */
export function originOf(url: string | undefined | null): string | null {
  if (!url) return null;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  // `URL.origin` is the string "null" for opaque origins (data:, file:, blob: of those...).
  return parsed.origin === 'null' ? null : parsed.origin;
}

/** True when `url` belongs to `origin` (an origin as `originOf` returns it, or any URL on it). */
export function isSameOrigin(url: string | undefined | null, origin: string): boolean {
  const a = originOf(url);
  return a !== null && a === originOf(origin);
}

/**
 * Cheap scans of a raw `Cookie` header for one cookie, for code paths that run outside fastify
 * (the project proxy): no parsing of the other cookies, no allocation unless the cookie is there.
 */

const SPACE = 32;
const TAB = 9;

/** Start of the `name=` pair in `header`, or -1. Matches whole names only (`xlp_session` is not `lp_session`). */
function pairStart(header: string, nameEq: string): number {
  let from = 0;
  for (;;) {
    const at = header.indexOf(nameEq, from);
    if (at === -1) return -1;
    let i = at - 1;
    while (i >= 0 && (header.charCodeAt(i) === SPACE || header.charCodeAt(i) === TAB)) i--;
    if (i < 0 || header.charCodeAt(i) === 59 /* ; */) return at;
    from = at + nameEq.length;
  }
}

/** The value of cookie `name` (the first one, like the cookie parser fastify uses), or undefined. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  const nameEq = `${name}=`;
  const at = pairStart(header, nameEq);
  if (at === -1) return undefined;
  const start = at + nameEq.length;
  const semi = header.indexOf(';', start);
  let value = (semi === -1 ? header.slice(start) : header.slice(start, semi)).trim();
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
  if (value.includes('%')) {
    try {
      return decodeURIComponent(value);
    } catch {
      // Not percent-encoding after all: the raw value is what the browser has.
      return value;
    }
  }
  return value;
}

/**
 * `header` without any `name=…` pair (other cookies kept in order); undefined when nothing is left.
 * Returns `header` itself when it has no such cookie.
 */
export function withoutCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return header;
  const nameEq = `${name}=`;
  if (pairStart(header, nameEq) === -1) return header;
  let out = '';
  for (const part of header.split(';')) {
    const pair = part.trim();
    if (pair === '' || pair.startsWith(nameEq)) continue;
    out = out === '' ? pair : `${out}; ${pair}`;
  }
  return out === '' ? undefined : out;
}

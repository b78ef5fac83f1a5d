import { PROJECT_ID_RE } from '../api/index.js';
import { type SignatureVerifier, signServiceRequest } from './service-signature.js';

/**
 * The first line the hub writes on a tunnel channel it opens for one project's traffic, so the
 * host agent can splice the channel's raw bytes onto that project server instead of serving and
 * re-proxying every request (one HTTP hop less on the agent: see agent/tunnel-splice.ts):
 *
 *   `LPSPLICE1 <project id> <signature>\r\n`
 *
 * The signature is a service signature (service-signature.ts: per-host secret, 60 s, nonce used
 * once) over method `SPLICE` and path `/<project id>`, naming the project. What follows the line
 * is HTTP as before, each request still signed. A channel without the line is served as before.
 */
const MAGIC = Buffer.from('LPSPLICE1 ', 'latin1');
const METHOD = 'SPLICE';
/** The line is about 170 bytes; anything longer without an end is not one. */
const MAX_LINE = 512;

export function splicePreamble(secret: string, projectId: string, now = Date.now()): Buffer {
  const signature = signServiceRequest(secret, METHOD, `/${projectId}`, now, { projectId });
  return Buffer.from(`LPSPLICE1 ${projectId} ${signature}\r\n`, 'latin1');
}

export type SpliceSniff =
  /** Not a preamble: serve the bytes as HTTP. */
  | { kind: 'http' }
  /** Too few bytes to tell yet. */
  | { kind: 'more' }
  /** A valid preamble: splice onto the project's server, `rest` first. */
  | { kind: 'splice'; projectId: string; rest: Buffer }
  /** A preamble that does not verify (forged, replayed, expired, malformed): drop the channel. */
  | { kind: 'refused'; reason: string };

/** Looks at the first bytes of a channel (everything read so far). */
export function sniffSplice(buf: Buffer, verifier: SignatureVerifier, now = Date.now()): SpliceSniff {
  const head = Math.min(buf.length, MAGIC.length);
  if (buf.compare(MAGIC, 0, head, 0, head) !== 0) return { kind: 'http' };
  const end = buf.indexOf(0x0a);
  if (end === -1) return buf.length > MAX_LINE ? { kind: 'refused', reason: 'malformed' } : { kind: 'more' };
  if (end > MAX_LINE || buf[end - 1] !== 0x0d) return { kind: 'refused', reason: 'malformed' };
  const [projectId, signature, extra] = buf.toString('latin1', MAGIC.length, end - 1).split(' ');
  if (
    projectId === undefined ||
    signature === undefined ||
    extra !== undefined ||
    !PROJECT_ID_RE.test(projectId)
  )
    return { kind: 'refused', reason: 'malformed' };
  const check = verifier.verify(signature, METHOD, `/${projectId}`, now);
  if (!check.ok) return { kind: 'refused', reason: check.reason };
  if (check.projectId !== projectId) return { kind: 'refused', reason: 'project-mismatch' };
  return { kind: 'splice', projectId, rest: buf.subarray(end + 1) };
}

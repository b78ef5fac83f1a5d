import type { IncomingMessage, ServerResponse } from 'node:http';

// Hop-by-hop headers: about one connection, never relayed (Node frames the response itself).
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
]);

/**
 * Writes the host's status and headers to the client and streams the body through (no
 * buffering). The hub's CSP and framing rules are not added: the project's apps need their own.
 * Only `X-Content-Type-Options: nosniff` is added when the app did not send it: every project
 * shares the hub's origin, so a file the browser sniffed into HTML would run script there.
 */
export function relayResponse(proxyRes: IncomingMessage, res: ServerResponse, prefix?: Buffer): void {
  if (res.headersSent || res.destroyed) {
    proxyRes.resume();
    return;
  }
  const raw = proxyRes.rawHeaders;
  const headers: string[] = [];
  let nosniff = false;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower)) continue;
    if (lower === 'x-content-type-options') nosniff = true;
    headers.push(name, raw[i + 1] as string);
  }
  if (!nosniff) headers.push('x-content-type-options', 'nosniff');
  res.writeHead(proxyRes.statusCode ?? 502, proxyRes.statusMessage, headers);
  if (prefix !== undefined && prefix.length > 0) res.write(prefix);
  // pipe rather than stream.pipeline: pipeline makes an AbortController per call, a measurable
  // cost per request. A client that goes away makes http-proxy-3 destroy the upstream request;
  // a host that fails mid-body must cut the client's connection (not end it: that would look
  // like a complete response).
  (proxyRes as RelayedResponse)[CLIENT] = res;
  proxyRes.once('error', cutClient);
  proxyRes.once('aborted', cutClient);
  proxyRes.pipe(res);
}

const CLIENT = Symbol('launchpad.client');
interface RelayedResponse extends IncomingMessage {
  [CLIENT]?: ServerResponse;
}

function cutClient(this: RelayedResponse): void {
  const res = this[CLIENT];
  if (res !== undefined && !res.writableFinished) res.destroy();
}

const PEEK_LIMIT = 16 * 1024;

/**
 * Reads a small JSON error body from the host (at most PEEK_LIMIT bytes), then calls
 * `decide(parsed)`: true means the caller answered the client itself, false relays the response
 * unchanged (what was read included). Bodies over the limit are relayed without a look.
 */
export function peekJsonError(
  proxyRes: IncomingMessage,
  res: ServerResponse,
  decide: (body: unknown) => boolean,
): void {
  const chunks: Buffer[] = [];
  let size = 0;
  const onData = (chunk: Buffer) => {
    chunks.push(chunk);
    size += chunk.length;
    if (size > PEEK_LIMIT) {
      proxyRes.pause();
      detach();
      relayResponse(proxyRes, res, Buffer.concat(chunks));
    }
  };
  const onEnd = () => {
    detach();
    const body = Buffer.concat(chunks);
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      // Not JSON after all: relay it as it came.
      parsed = undefined;
    }
    if (parsed !== undefined && decide(parsed)) return;
    relayBuffered(proxyRes, res, body);
  };
  const onError = () => {
    detach();
    res.destroy();
  };
  const detach = () => {
    proxyRes.off('data', onData);
    proxyRes.off('end', onEnd);
    proxyRes.off('error', onError);
  };
  proxyRes.on('data', onData);
  proxyRes.on('end', onEnd);
  proxyRes.on('error', onError);
}

/** relayResponse for a body already read in full. */
function relayBuffered(proxyRes: IncomingMessage, res: ServerResponse, body: Buffer): void {
  if (res.headersSent || res.destroyed) return;
  const raw = proxyRes.rawHeaders;
  const headers: string[] = [];
  let nosniff = false;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || lower === 'content-length') continue;
    if (lower === 'x-content-type-options') nosniff = true;
    headers.push(name, raw[i + 1] as string);
  }
  if (!nosniff) headers.push('x-content-type-options', 'nosniff');
  headers.push('content-length', String(body.length));
  res.writeHead(proxyRes.statusCode ?? 502, proxyRes.statusMessage, headers);
  res.end(body);
}

/** Whether a host's response is the JSON it answers with when it does not run the project. */
export function isProjectNotRunning(body: unknown): boolean {
  if (typeof body !== 'object' || body === null) return false;
  const error = (body as { error?: unknown }).error;
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { code?: unknown }).code === 'project_not_running'
  );
}

import { Agent, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createProxyServer } from 'http-proxy-3';
import type { Logger } from 'pino';
import { SIGNATURE_HEADER } from '../../hosts/service-signature.js';
import { ApiError } from '../../http/errors.js';
import { PROJECT_TOKEN_HEADER } from '../control-contract.js';
import { rejectUpgrade, sendJson } from './respond.js';

/** `/<id>/port/<n>[/rest]`: the port and what the app behind it should see. */
export interface PortTarget {
  port: number;
  prefix: string;
  /** The path and query for the upstream app ('' when the request named the port bare). */
  rest: string;
}

/** Parses `<n>` of `/<id>/port/<n>…`: a plain decimal 1..65535, nothing else. */
export function parsePort(text: string): number {
  const port = /^[1-9][0-9]{0,4}$/.test(text) ? Number(text) : 0;
  if (port < 1 || port > 65535)
    throw new ApiError(
      400,
      'invalid_port',
      `port must be a whole number from 1 to 65535, not ${JSON.stringify(text)}`,
      'port',
    );
  return port;
}

const escapeHtml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );

const unreachable = (port: number) => `nothing is listening on port ${port} inside this project`;

/**
 * Proxies `/<id>/port/<n>/…` (HTTP and WebSocket) to an app the user runs in the project on
 * 127.0.0.1:<n>, with the prefix stripped so the app sees its own root (`python3 -m http.server`).
 */
export class PortProxy {
  /** Upstream connections are reused: the app is on loopback and requests come in bursts. */
  private readonly agent = new Agent({ keepAlive: true });
  private readonly proxy = createProxyServer({ xfwd: true });

  constructor(private readonly log: Logger) {
    // Errors are answered in the per-request callbacks; this catches whatever reaches the emitter.
    this.proxy.on('error', (err) => this.log.debug({ err }, 'port proxy error'));
    this.proxy.on('econnreset', (err) => this.log.debug({ err }, 'port proxy client reset'));
  }

  web(req: IncomingMessage, res: ServerResponse, target: PortTarget): void {
    if (target.rest === '' || target.rest.startsWith('?')) {
      if (req.method === 'GET' || req.method === 'HEAD') {
        // Relative links of the app (`style.css`) only resolve under a trailing slash.
        res.writeHead(308, { location: `${target.prefix}/${target.rest}`, 'content-length': 0 });
        res.end();
        return;
      }
      target = { ...target, rest: `/${target.rest}` };
    }
    this.prepare(req, target);
    this.proxy.web(req, res, { target: this.url(target.port), agent: this.agent }, (err) => {
      this.log.debug({ err, port: target.port }, 'port proxy upstream error');
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const message = unreachable(target.port);
      if (/\btext\/html\b/.test(req.headers.accept ?? '')) {
        const html = `<!doctype html><meta charset="utf-8"><title>Port ${target.port}</title><p>${escapeHtml(message)}.</p><p>Start your app on 127.0.0.1:${target.port} (or 0.0.0.0) and reload.</p>\n`;
        res.writeHead(502, {
          'content-type': 'text/html; charset=utf-8',
          'content-length': Buffer.byteLength(html),
        });
        res.end(html);
        return;
      }
      sendJson(res, 502, { error: { code: 'port_unreachable', message } });
    });
  }

  ws(req: IncomingMessage, socket: Duplex, head: Buffer, target: PortTarget): void {
    this.prepare(
      req,
      target.rest === '' || target.rest.startsWith('?') ? { ...target, rest: `/${target.rest}` } : target,
    );
    this.proxy.ws(req, socket, head, { target: this.url(target.port) }, (err) => {
      this.log.debug({ err, port: target.port }, 'port proxy websocket upstream error');
      // Before the 101 the client still expects HTTP; after it, the tunnel just ends.
      if ((socket as Socket).bytesWritten === 0)
        rejectUpgrade(socket, 502, 'port_unreachable', unreachable(target.port));
      else socket.destroy();
    });
  }

  close(): void {
    this.proxy.close();
    this.agent.destroy();
  }

  private url(port: number): URL {
    return new URL(`http://127.0.0.1:${port}`);
  }

  private prepare(req: IncomingMessage, target: PortTarget): void {
    req.url = target.rest;
    // The token guards this server; the user's app must never see it (nor could replay it here).
    delete req.headers[PROJECT_TOKEN_HEADER];
    // Nor the hub's signature, which a spliced channel (agent/tunnel-splice.ts) delivers unspent.
    delete req.headers[SIGNATURE_HEADER];
    // Apps that build absolute links (Jupyter, code-server) can honour the prefix they are under.
    req.headers['x-forwarded-prefix'] = target.prefix;
  }
}

// Hosts and join tokens as an admin sees them through the CLI (`launchpad token …`,
// `launchpad host …`), and the host service as the hub calls it: what the join tests share.
import { request } from 'node:http';
import type { HostView, TokenView } from '../../server/api/index.js';
import { SIGNATURE_HEADER, signServiceRequest } from '../../server/hosts/index.js';
import { type HubProcess, runCli, type StartOptions, startHub } from './hub-process.js';

/** A local-network Launchpad hub that hosts reach on 127.0.0.1. */
export const LAN_HUB_ENV = {
  COCALC_PRODUCT: 'launchpad',
  COCALC_DEPLOYMENT_MODE: 'local',
  COCALC_PUBLIC_HOST: '127.0.0.1',
};

export function startLanHub(opts: StartOptions = {}): Promise<HubProcess> {
  return startHub({ ...opts, env: { ...LAN_HUB_ENV, ...opts.env } });
}

/** Runs `launchpad ARGS --data-dir <hub>` and returns stdout; throws with stderr on a non-zero exit. */
async function admin(hub: Pick<HubProcess, 'dataDir'>, args: string[]): Promise<string> {
  const res = await runCli([...args, '--data-dir', hub.dataDir]);
  if (res.code !== 0) throw new Error(`launchpad ${args.join(' ')} exited ${res.code}: ${res.stderr}`);
  return res.stdout;
}

/** `launchpad token create --json [extra…]`: the token and its id. */
export async function createToken(hub: Pick<HubProcess, 'dataDir'>, extra: string[] = []) {
  const created = JSON.parse(await admin(hub, ['token', 'create', '--json', ...extra])) as {
    token: string;
    view: TokenView;
  };
  return { token: created.token, id: created.view.id };
}

export async function tokenList(hub: Pick<HubProcess, 'dataDir'>): Promise<TokenView[]> {
  return (JSON.parse(await admin(hub, ['token', 'list', '--json'])) as { tokens: TokenView[] }).tokens;
}

export async function revokeToken(hub: Pick<HubProcess, 'dataDir'>, id: string): Promise<void> {
  await admin(hub, ['token', 'revoke', id]);
}

/** `launchpad host list --json`, without the "this machine" row. */
export async function hostList(hub: Pick<HubProcess, 'dataDir'>): Promise<HostView[]> {
  const { hosts } = JSON.parse(await admin(hub, ['host', 'list', '--json'])) as { hosts: HostView[] };
  return hosts.filter((h) => !h.thisMachine);
}

export async function removeHost(hub: Pick<HubProcess, 'dataDir'>, id: string): Promise<void> {
  await admin(hub, ['host', 'remove', id]);
}

/**
 * Polls `launchpad host list --json` until host `id` satisfies `accept`; resolves with it and the
 * time it took, or rejects after `deadlineMs` with the last list seen.
 */
export async function waitForHost(
  hub: Pick<HubProcess, 'dataDir'>,
  id: string,
  accept: (h: HostView) => boolean,
  deadlineMs: number,
): Promise<{ host: HostView; ms: number }> {
  const t0 = Date.now();
  let last: HostView[] = [];
  while (Date.now() - t0 < deadlineMs) {
    last = await hostList(hub);
    const host = last.find((h) => h.id === id);
    if (host && accept(host)) return { host, ms: Date.now() - t0 };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`host ${id} not as expected within ${deadlineMs} ms; last list: ${JSON.stringify(last)}`);
}

/** A plain-HTTP GET to 127.0.0.1:`port` (a tunnel port on the hub, or a host service port). */
export function httpGet(
  port: number,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers, agent: false, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // Not JSON: the test compares the text.
        }
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from port ${port} in 10 s`)));
    req.on('error', reject);
    req.end();
  });
}

/** The hub's signature header for `GET path`, made `ageMs` ago. */
export function signedHeader(serviceSecret: string, path: string, ageMs = 0): Record<string, string> {
  return { [SIGNATURE_HEADER]: signServiceRequest(serviceSecret, 'GET', path, Date.now() - ageMs) };
}

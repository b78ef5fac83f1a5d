import type { FastifyRequest } from 'fastify';
import { agentErrorReportSchema, createTokenRequestSchema } from '../api/index.js';
import { ApiError, fromZodError, type HubApp } from '../http/index.js';
import { HostsError } from './errors.js';
import type { HubHosts } from './hub-hosts.js';

/**
 * The hosts API. Auth is the app's hook: admin (bearer secret) or a session everywhere, except
 * `POST /api/hosts/join` (public: the token in the body is the credential) and
 * `GET /api/hosts/self` (only a host, `Authorization: Host <hostId>:<credential>`).
 */
export function registerHostRoutes(app: HubApp, hosts: HubHosts): void {
  app.post('/api/tokens', async (req, reply) => {
    const parsed = createTokenRequestSchema.safeParse(req.body ?? {});
    if (!parsed.success) throw fromZodError(parsed.error);
    const created = hosts.createToken(parsed.data);
    return reply.code(201).send(created);
  });

  app.get('/api/tokens', async () => ({ tokens: hosts.listTokens() }));

  app.delete<{ Params: { id: string } }>('/api/tokens/:id', async (req) => {
    if (!(await hosts.revokeToken(req.params.id))) {
      throw new HostsError(404, 'token_not_found', `No join token ${req.params.id} on this hub`, 'id');
    }
    return { revoked: true };
  });

  app.post('/api/hosts/join', async (req) => hosts.join(req.body, { address: req.ip, via: 'https' }));

  app.get('/api/hosts', async () => ({ hosts: hosts.listHosts() }));

  app.get('/api/hosts/self', async (req) => ({ host: hosts.self(hostIdOf(req)) }));

  app.post('/api/hosts/self/error', async (req) => {
    const hostId = hostIdOf(req);
    const parsed = agentErrorReportSchema.safeParse(req.body ?? {});
    if (!parsed.success) throw fromZodError(parsed.error);
    hosts.reportAgentError(hostId, parsed.data.error);
    return { recorded: true };
  });

  app.delete<{ Params: { id: string } }>('/api/hosts/:id', async (req) => {
    if (!(await hosts.removeHost(req.params.id))) {
      throw new HostsError(404, 'host_not_found', `No host ${req.params.id} on this hub`, 'id');
    }
    return { removed: true };
  });
}

/** The host a `/api/hosts/self…` request speaks for; anyone else is told how to call it. */
function hostIdOf(req: FastifyRequest): string {
  const p = req.principal;
  if (p?.kind !== 'host') {
    throw new ApiError(
      400,
      'not_a_host',
      'This route is for hosts: send Authorization: Host <hostId>:<credential>',
    );
  }
  return p.hostId;
}

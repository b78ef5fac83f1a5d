import { deleteProjectQuerySchema } from '../../api/index.js';
import { fromZodError, type HubApp } from '../../http/index.js';
import type { HubProjects } from './hub-projects.js';

/** The projects API (admin or a session, like every /api route but joining). */
export function registerProjectRoutes(app: HubApp, projects: HubProjects): void {
  app.get('/api/projects', async () => ({ projects: projects.list() }));

  app.post('/api/projects', async (req, reply) =>
    reply.code(201).send({ project: projects.create(req.body) }),
  );

  app.get<{ Params: { id: string } }>('/api/projects/:id', async (req) => ({
    project: projects.get(req.params.id),
  }));

  app.post<{ Params: { id: string } }>('/api/projects/:id/start', async (req) => ({
    project: await projects.start(req.params.id),
  }));

  app.post<{ Params: { id: string } }>('/api/projects/:id/stop', async (req) => ({
    project: await projects.stopProject(req.params.id),
  }));

  app.delete<{ Params: { id: string }; Querystring: unknown }>('/api/projects/:id', async (req, reply) => {
    const parsed = deleteProjectQuerySchema.safeParse(req.query ?? {});
    if (!parsed.success) throw fromZodError(parsed.error);
    await projects.delete(req.params.id, parsed.data.deleteFiles === 'true');
    return reply.code(204).send();
  });
}

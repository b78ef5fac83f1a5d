import { z } from 'zod';
import { projectStateSchema } from '../api/index.js';

/**
 * Hub → host control of projects, on the host service (signed like every hub request; the
 * signature's project is the project acted on). These paths never collide with `/<uuid>/…`.
 *
 *   GET    /_lp/projects                 → HostProjectsResponse (what runs on this host now)
 *   POST   /_lp/projects/<id>/start      body StartProjectRequest → HostProjectStatus once running
 *                                          (or state 'error' with the reason; waits up to 30 s)
 *   POST   /_lp/projects/<id>/stop       → HostProjectStatus (state 'stopped')
 *   DELETE /_lp/projects/<id>?files=true → HostProjectStatus (stopped; the directory deleted when files=true)
 */
export const CONTROL_PREFIX = '/_lp/projects';

export const startProjectRequestSchema = z.object({ name: z.string().max(100) }).strict();
export type StartProjectRequest = z.infer<typeof startProjectRequestSchema>;

export const hostProjectStatusSchema = z.object({
  id: z.string(),
  state: projectStateSchema,
  error: z.string().nullable(),
});
export type HostProjectStatus = z.infer<typeof hostProjectStatusSchema>;

export const hostProjectsResponseSchema = z.object({ projects: z.array(hostProjectStatusSchema) });
export type HostProjectsResponse = z.infer<typeof hostProjectsResponseSchema>;

/** The request header the host service adds for a project server (it refuses requests without it). */
export const PROJECT_TOKEN_HEADER = 'x-launchpad-project-token';
/** The signed-in user the hub vouched for, passed on to the project server. */
export const PROJECT_USER_HEADER = 'x-launchpad-user';

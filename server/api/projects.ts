import { z } from 'zod';

/** Project ids are uuids (v4): they never collide with hub routes such as /api or /assets. */
export const PROJECT_ID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
export const projectIdSchema = z.string().regex(PROJECT_ID_RE, 'must be a project id (a uuid)');

export const projectStateSchema = z.enum(['stopped', 'starting', 'running', 'error']);
export type ProjectState = z.infer<typeof projectStateSchema>;

export const projectViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  hostId: z.string(),
  hostName: z.string(),
  /** Whether the project's host is online now ("this machine" always is). */
  hostOnline: z.boolean(),
  state: projectStateSchema,
  /** Why the project is in state `error` (the host's words). */
  error: z.string().nullable(),
  createdAt: z.string(),
  lastActiveAt: z.string().nullable(),
  /** Where the workspace opens: `/<id>/`. */
  url: z.string(),
});
export type ProjectView = z.infer<typeof projectViewSchema>;

/** POST /api/projects */
export const createProjectRequestSchema = z
  .object({
    name: z.string().trim().min(1, 'a project needs a name').max(100),
    /** A host id; left out, the online host with the fewest running projects is chosen. */
    hostId: z.string().min(1).max(64).optional(),
  })
  .strict();
export type CreateProjectRequest = z.input<typeof createProjectRequestSchema>;

/** DELETE /api/projects/:id?deleteFiles=true (files are kept on the host unless asked). */
export const deleteProjectQuerySchema = z
  .object({ deleteFiles: z.enum(['true', 'false']).default('false') })
  .strict();

/** GET /api/projects */
export const projectListResponseSchema = z.object({ projects: z.array(projectViewSchema) });
export type ProjectListResponse = z.infer<typeof projectListResponseSchema>;

/** POST /api/projects, /api/projects/:id/start|stop */
export const projectResponseSchema = z.object({ project: projectViewSchema });
export type ProjectResponse = z.infer<typeof projectResponseSchema>;

/**
 * The projects capability's public surface.
 */

// --- Host runtime (server/projects/runtime) and the hub → host control contract ---
export {
  type BackupEvent,
  CONTROL_PREFIX,
  type HostProjectStatus,
  type HostProjectsResponse,
  type HostRestoreRequest,
  hostProjectStatusSchema,
  hostProjectsResponseSchema,
  hostRestoreRequestSchema,
  PROJECT_TOKEN_HEADER,
  PROJECT_USER_HEADER,
  type StartProjectRequest,
  startProjectRequestSchema,
} from './control-contract.js';
export {
  DESIRED_STATE_FILE,
  InvalidProjectIdError,
  PROJECT_TOKEN_ENV,
  type ProjectEndpoint,
  ProjectRuntime,
  type ProjectRuntimeEvents,
  type ProjectRuntimeOptions,
} from './runtime/index.js';
// --- end host runtime ---

// --- Hub side: the project registry, its API and the hosts it places projects on ---
export {
  HubProjects,
  type HubProjectsOptions,
  type ProjectHost,
  type ProjectHostsSource,
  projectHostsSource,
  registerProjectRoutes,
} from './hub/index.js';
// --- end hub side ---

// The host side of projects: the project server processes this host runs.
export { DESIRED_STATE_FILE } from './desired-state.js';
export { PROJECT_TOKEN_ENV } from './project-process.js';
export {
  InvalidProjectIdError,
  type ProjectEndpoint,
  ProjectRuntime,
  type ProjectRuntimeEvents,
  type ProjectRuntimeOptions,
} from './project-runtime.js';

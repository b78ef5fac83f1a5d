export {
  HubProjects,
  type HubProjectsOptions,
  type ProjectHost,
  type ProjectHostsSource,
  type ProjectRoute,
} from './hub-projects.js';
export { projectHostsSource } from './project-hosts.js';
export { type ProjectRecord, ProjectsRepo } from './projects-repo.js';
export { registerProjectRoutes } from './routes.js';

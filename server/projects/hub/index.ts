export {
  HubProjects,
  type HubProjectsOptions,
  type ProjectHost,
  type ProjectHostsSource,
} from './hub-projects.js';
export { projectHostsSource } from './project-hosts.js';
export { type ProjectRecord, ProjectsRepo } from './projects-repo.js';
export { registerProjectRoutes } from './routes.js';

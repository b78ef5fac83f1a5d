// The proxy capability's public surface: `/<project_id>/…` on the hub to the project's host.

export { forwardedPath, isProjectUrl } from './project-path.js';
export { createProjectProxy } from './project-proxy.js';
export type { ProjectProxy, ProjectProxyDeps, ProjectProxyOptions, ProjectRoute } from './types.js';

// The typed contract shared by the hub, the renderer and the Electron shell.
export * from './auth.js';
export * from './backups.js';
export type * from './desktop-bridge.js';
export * from './errors.js';
export * from './events.js';
export * from './health.js';
export * from './hosts.js';
export * from './projects.js';
export * from './settings.js';
export * from './setup.js';
export * from './status.js';
export * from './workspace.js';

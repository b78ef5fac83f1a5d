// The hub's public start API: what the CLI and the Electron shell use.

export { launchpadVersion, packageRoot } from './package-root.js';
export { type RunningHub, type StartOptions, startHub } from './start.js';
export { hubUrls } from './urls.js';

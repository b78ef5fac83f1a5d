// The hub's public start API: what the CLI and the Electron shell use.

// Where a hub keeps its files, for the desktop shell (open data folder, reveal logs).
export { dataDirLayout, resolveDataDir } from '../config/index.js';
export { launchpadVersion, packageRoot } from './package-root.js';
export { type RunningHub, type StartOptions, startHub } from './start.js';
export { hubUrls } from './urls.js';

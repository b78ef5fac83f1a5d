// The workspace project server: one child process per running project (see main.ts), or
// in-process for tests and the same-machine host.
export { type ProjectServerOptions, type RunningProjectServer, startProjectServer } from './server.js';

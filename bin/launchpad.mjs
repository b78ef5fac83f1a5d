#!/usr/bin/env node
// Entry point of the `launchpad` command: runs the compiled CLI from dist/.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = new URL('../dist/server/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write('launchpad: dist/server is missing; run `npm run build` first.\n');
  process.exit(1);
}
const { runCli } = await import(main.href);
// Exit explicitly: logger worker threads must not keep a stopped hub alive.
process.exit(await runCli(process.argv.slice(2)));

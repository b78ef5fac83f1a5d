// Checks of the staged installation before it is packed: what the tarball promises (a Node with
// nothing else runs it) fails here, at build time, rather than on a host.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function run(file, args, cwd) {
  try {
    return execFileSync(file, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    throw new Error(`${[file, ...args].join(' ')} failed:\n${err.stderr || err.message}`);
  }
}

/**
 * The shipped sqlite addon loads in this Node. It would not if node_modules/better-sqlite3 was
 * rebuilt for Electron (its ABI differs): the message says how to get a Node build back.
 */
export function verifyNativeAddon(stage) {
  const script =
    "const Database = require(process.argv[1]); new Database(':memory:').prepare('select 1').get();";
  try {
    run(process.execPath, ['-e', script, join(stage, 'node_modules', 'better-sqlite3')], stage);
  } catch (err) {
    throw new Error(
      `${err.message}\nThe better-sqlite3 addon in node_modules is not built for this Node ` +
        `(${process.version}); if it was rebuilt for Electron, run \`npm rebuild better-sqlite3\`.`,
    );
  }
}

/** `bin/launchpad --version`, run from an unrelated directory, prints the version. */
export function verifyLauncher(stage, version) {
  const elsewhere = mkdtempSync(join(tmpdir(), 'lp-headless-cwd-'));
  try {
    const out = run(join(stage, 'bin', 'launchpad'), ['--version'], elsewhere).trim();
    if (out !== version) throw new Error(`bin/launchpad --version printed "${out}", expected "${version}"`);
  } finally {
    rmSync(elsewhere, { recursive: true, force: true });
  }
}

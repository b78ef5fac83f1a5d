// The licenses of the packages inside the bundles: bundling drops their LICENSE files, which the
// licenses (MIT, ISC, BSD, Apache) ask to keep with copies of the code.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Package directories (relative to the build's working dir) that a metafile's inputs come from. */
export function bundledPackageDirs(metafile) {
  const dirs = new Set();
  for (const input of Object.keys(metafile.inputs)) {
    const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (m) dirs.add(m[1]);
  }
  return dirs;
}

/** One text with, for each package directory under `root`, its name, version, license and license file. */
export function thirdPartyLicenses(packageDirs, root) {
  const sections = [...packageDirs].sort().map((rel) => {
    const dir = join(root, rel);
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const file = existsSync(dir) ? readdirSync(dir).find((n) => /^(licen[sc]e|copying)/i.test(n)) : undefined;
    const text = file
      ? readFileSync(join(dir, file), 'utf8').trim()
      : `License: ${manifest.license ?? 'see package'}`;
    return `${manifest.name} ${manifest.version} (${manifest.license ?? 'unknown'})\n\n${text}\n`;
  });
  return `Third-party packages bundled into server/launchpad.mjs and node_modules/*/index.js\n\n${sections.join(`\n${'-'.repeat(78)}\n\n`)}`;
}

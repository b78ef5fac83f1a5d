#!/usr/bin/env node
// The headless build target for hosts: dist/launchpad-server-<version>-linux-<arch>.tar.gz, a
// folder that runs with nothing but Node.js (see resources/headless-INSTALL.txt). Expects
// `npm run build` to have run (`npm run build:headless` does both).
//
//   launchpad-server-<version>/
//     bin/launchpad            sh: finds the install root, checks node, execs the bundle
//     server/launchpad.mjs     the hub and CLI, bundled with esbuild
//     node_modules/            what the bundle leaves external (better-sqlite3 with its compiled
//                              addon, pino) and their dependencies; pino-roll as one file
//     dist/renderer/           the web interface (the hub serves <root>/dist/renderer)
//     package.json             name "launchpad": how the hub finds its install root
//     launchpad.service  INSTALL  THIRD-PARTY-LICENSES.txt
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleRuntimeResolved, bundleServer, RUNTIME_RESOLVED_PACKAGES } from './headless/bundle-server.mjs';
import { launcherScript, minimumNode } from './headless/launcher.mjs';
import { thirdPartyLicenses } from './headless/licenses.mjs';
import { copyRuntimeDeps } from './headless/runtime-deps.mjs';
import { formatBytes, packTarball, treeSize } from './headless/tarball.mjs';
import { verifyLauncher, verifyNativeAddon } from './headless/verify.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ARCHES = { x64: 'x64', arm64: 'arm64' };

function fail(message) {
  process.stderr.write(`build/headless: ${message}\n`);
  process.exit(1);
}

const log = (line) => process.stdout.write(`${line}\n`);

function fillTemplate(text, values) {
  return text.replace(/\{\{(\w+)\}\}/g, (whole, key) => {
    if (!(key in values)) throw new Error(`unknown placeholder ${whole}`);
    return String(values[key]);
  });
}

async function main() {
  const started = performance.now();
  if (process.platform !== 'linux')
    fail(`the headless tarball is built on Linux (this is ${process.platform})`);
  const arch = ARCHES[process.arch] ?? fail(`no headless build for CPU ${process.arch} (only x64, arm64)`);
  if (!existsSync(join(ROOT, 'dist', 'server', 'cli', 'main.js'))) {
    fail('dist/server is missing; run `npm run build` first (or `npm run build:headless`)');
  }

  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const name = `launchpad-server-${pkg.version}`;
  const outfile = join(ROOT, 'dist', `${name}-linux-${arch}.tar.gz`);
  const staging = mkdtempSync(join(tmpdir(), 'lp-headless-'));
  const stage = join(staging, name);
  const minNode = minimumNode(pkg.engines?.node);
  const values = {
    version: pkg.version,
    arch,
    minNode: minNode.join('.'),
    nodeMajor: process.versions.node.split('.')[0],
  };
  log(`Building ${name} for linux-${arch} (Node ${process.version}, ABI ${process.versions.modules})`);

  try {
    const server = await bundleServer(ROOT, join(stage, 'server', 'launchpad.mjs'));
    log(`  server/launchpad.mjs  ${formatBytes(server.bytes)}, imports ${server.externals.join(', ')}`);

    const licensed = new Set(server.packages);
    for (const dep of RUNTIME_RESOLVED_PACKAGES) {
      const bundled = await bundleRuntimeResolved(dep, ROOT, join(stage, 'node_modules'));
      for (const dir of bundled.packages) licensed.add(dir);
      log(`  node_modules/${dep}@${bundled.version}  one file, ${formatBytes(bundled.bytes)}`);
    }

    const count = copyRuntimeDeps(server.externals, ROOT, stage, (rel, version, files) =>
      log(`  ${rel}@${version}  ${files} files`),
    );
    log(`  ${count} packages copied from node_modules`);

    const renderer = join(ROOT, 'dist', 'renderer');
    if (existsSync(join(renderer, 'index.html'))) {
      cpSync(renderer, join(stage, 'dist', 'renderer'), { recursive: true });
      const r = treeSize(join(stage, 'dist', 'renderer'));
      log(`  dist/renderer/  ${r.files} files, ${formatBytes(r.bytes)}`);
    } else {
      process.stderr.write(
        'build/headless: WARNING dist/renderer/index.html is missing (run `npm run build:renderer`); ' +
          'the tarball serves a plain page instead of the web interface\n',
      );
    }

    mkdirSync(join(stage, 'bin'), { recursive: true });
    writeFileSync(
      join(stage, 'bin', 'launchpad'),
      launcherScript({ ...values, minNode, abi: process.versions.modules }),
    );
    chmodSync(join(stage, 'bin', 'launchpad'), 0o755);
    // Only what the hub reads at run time: its name (to find the root) and version.
    const manifest = {
      name: 'launchpad',
      version: pkg.version,
      description: pkg.description,
      private: true,
      type: 'module',
      license: pkg.license,
      engines: { node: `${pkg.engines.node} <${Number(values.nodeMajor) + 1}` },
    };
    writeFileSync(join(stage, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    cpSync(join(ROOT, 'resources', 'launchpad.service'), join(stage, 'launchpad.service'));
    writeFileSync(
      join(stage, 'INSTALL'),
      fillTemplate(readFileSync(join(ROOT, 'resources', 'headless-INSTALL.txt'), 'utf8'), values),
    );
    writeFileSync(join(stage, 'THIRD-PARTY-LICENSES.txt'), thirdPartyLicenses(licensed, ROOT));
    log('  bin/launchpad, package.json, launchpad.service, INSTALL, THIRD-PARTY-LICENSES.txt');

    verifyNativeAddon(stage);
    verifyLauncher(stage, pkg.version);
    log('  checked: the sqlite addon loads; bin/launchpad --version runs from another directory');

    const unpacked = treeSize(stage);
    const packed = packTarball(staging, name, outfile);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    log(
      `Built in ${seconds} s: ${formatBytes(packed)} (${unpacked.files} files, ` +
        `${formatBytes(unpacked.bytes)} unpacked)`,
    );
    log(outfile);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

main().catch((err) => fail(err instanceof Error ? err.message : String(err)));

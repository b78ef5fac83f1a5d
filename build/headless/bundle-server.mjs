// esbuild bundles of the headless server: the hub and its CLI in one ESM file, and the packages
// that are only ever loaded by module name at run time as one CommonJS file each.
//
// Why a bundle rather than dist/server plus node_modules: the hub's pure-JS dependencies
// (fastify, zod, commander, node-forge, …) are hundreds of small files in node_modules; bundled,
// they are one file that loads fast, and what ships is exactly what the server imports.
// A package that cannot be bundled (a native addon, files found by path) fails the build here
// with a message; it then goes into EXTERNAL_PACKAGES (build/headless/runtime-deps.mjs).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { bundledPackageDirs } from './licenses.mjs';
import { EXTERNAL_PACKAGES } from './runtime-deps.mjs';

const TARGET = 'node20.19';

/**
 * Packages nothing imports but that pino resolves by name, from the file that created the
 * logger, when it starts a transport (server/log: 'pino-roll'). Shipped as node_modules/<name>
 * with a one-file bundle as its main, so that e.g. pino-roll does not bring all of date-fns.
 */
export const RUNTIME_RESOLVED_PACKAGES = ['pino-roll'];

// CommonJS dependencies in an ESM bundle still call require() for Node built-ins and externals.
const REQUIRE_BANNER = [
  "import { createRequire as __launchpadCreateRequire } from 'node:module';",
  'const require = __launchpadCreateRequire(import.meta.url);',
].join('\n');

/**
 * CommonJS modules that find files with __dirname/__filename break when bundled: an ESM bundle
 * has no such names, and in a CommonJS bundle they name the bundle's folder. Each use becomes a
 * marker that the build looks for, so such a package is found here and not on a host.
 */
const PATH_GLOBAL_MARKER = '__launchpad_bundle_has_no_cjs_path_globals';

const COMMON_OPTIONS = {
  bundle: true,
  platform: 'node',
  target: TARGET,
  define: { __dirname: PATH_GLOBAL_MARKER, __filename: PATH_GLOBAL_MARKER },
  metafile: true,
  logLevel: 'warning',
};

/** Fails when a bundled module (named by esbuild's `// path` comment before it) uses the marker. */
function rejectPathGlobals(outfile) {
  const modules = new Set();
  let current = '(entry)';
  for (const line of readFileSync(outfile, 'utf8').split('\n')) {
    const m = /^\/\/ (\S+\.[cm]?js)$/.exec(line);
    if (m?.[1]) current = m[1];
    else if (line.includes(PATH_GLOBAL_MARKER)) modules.add(current);
  }
  if (modules.size > 0) {
    throw new Error(
      `bundled modules find files with __dirname/__filename: ${[...modules].join(', ')}; ` +
        'add their package to EXTERNAL_PACKAGES in build/headless/runtime-deps.mjs',
    );
  }
}

/** The package name of an import path: `pino/file` → `pino`, `@scope/x/y` → `@scope/x`. */
function packageName(path) {
  const parts = path.split('/');
  return path.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/**
 * Bundles the CLI (`dist/server/cli/main.js`, compiled by `npm run build:server`) into `outfile`.
 * The entry runs it the way bin/launchpad.mjs does. Returns the bundle's size, the external
 * packages it imports (what the tarball must ship) and the package directories bundled into it
 * (for their licenses).
 */
export async function bundleServer(root, outfile) {
  const result = await esbuild.build({
    ...COMMON_OPTIONS,
    stdin: {
      contents: [
        "import { runCli } from './dist/server/cli/main.js';",
        '// Exit explicitly: logger worker threads must not keep a stopped hub alive.',
        'process.exit(await runCli(process.argv.slice(2)));',
      ].join('\n'),
      resolveDir: root,
      sourcefile: 'launchpad-entry.mjs',
      loader: 'js',
    },
    format: 'esm',
    outfile,
    banner: { js: REQUIRE_BANNER },
    external: Object.keys(EXTERNAL_PACKAGES),
    absWorkingDir: root,
  });
  rejectPathGlobals(outfile);
  const output = Object.values(result.metafile.outputs)[0];
  const externals = new Set(
    output.imports.filter((i) => i.external && !isBuiltin(i.path)).map((i) => packageName(i.path)),
  );
  return {
    bytes: output.bytes,
    externals: [...externals].sort(),
    packages: bundledPackageDirs(result.metafile),
  };
}

/**
 * Writes `<destNodeModules>/<name>/` for a package that is loaded by name at run time: its
 * package.json (name, version, license, main) and its code with all its dependencies in one file.
 */
export async function bundleRuntimeResolved(name, root, destNodeModules) {
  const srcDir = join(root, 'node_modules', name);
  const manifest = JSON.parse(readFileSync(join(srcDir, 'package.json'), 'utf8'));
  const destDir = join(destNodeModules, name);
  const outfile = join(destDir, 'index.js');
  mkdirSync(destDir, { recursive: true });
  const result = await esbuild.build({
    ...COMMON_OPTIONS,
    entryPoints: [join(srcDir, manifest.main ?? 'index.js')],
    format: 'cjs',
    outfile,
    absWorkingDir: root,
  });
  rejectPathGlobals(outfile);
  writeFileSync(
    join(destDir, 'package.json'),
    `${JSON.stringify({ name, version: manifest.version, license: manifest.license, main: 'index.js' }, null, 2)}\n`,
  );
  return {
    version: manifest.version,
    bytes: Object.values(result.metafile.outputs)[0].bytes,
    packages: bundledPackageDirs(result.metafile),
  };
}

// The node_modules the headless tarball ships next to the server bundle: the packages the bundle
// leaves external and their production dependencies, copied from the installed tree with what
// never runs (docs, tests, type declarations, native build intermediates) left out.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';

/**
 * Packages the server bundle leaves external, and why. The ones it imports are shipped as real
 * packages under node_modules/ with their dependencies.
 */
export const EXTERNAL_PACKAGES = {
  'better-sqlite3':
    'a native addon: `bindings` finds build/Release/better_sqlite3.node relative to the package',
  pino:
    'its transports run in worker threads that load pino/lib/worker.js, pino/file.js and ' +
    "thread-stream's worker by path",
  ssh2: 'lib/agent.js reads __dirname, which an ESM bundle does not have',
};

/**
 * Native addons that are optional for their package: not shipped (they are built for one Node
 * ABI and the package runs without them), so the package takes its pure-JS path.
 */
const OPTIONAL_ADDONS = {
  'ssh2/lib/protocol/crypto': "ssh2's own crypto binding: faster ciphers; Node's crypto does without",
};

/** Dependencies of shipped packages that never run, or are optional and left out on purpose. */
const NOT_SHIPPED = {
  'prebuild-install': 'better-sqlite3 runs it at install time to download a prebuilt addon',
  nan: 'C++ headers for compiling addons',
  'cpu-features': 'optional native addon; ssh2 uses it only to order ciphers for the CPU',
};

/** Directories that hold no code a package loads at run time. */
const SKIP_DIRS = new Set([
  '__tests__',
  'bench',
  'benchmark',
  'benchmarks',
  'coverage',
  'doc',
  'docs',
  'example',
  'examples',
  'fixtures',
  'test',
  'tests',
  // Nested dependencies are copied by the dependency walk, only when needed.
  'node_modules',
]);

/**
 * Files that are never loaded: docs (licenses stay), TypeScript sources and declarations, source
 * maps, C sources and Windows helpers, dotfiles and tool configs, and a package's own test and
 * benchmark scripts.
 */
function skipFile(name) {
  if (/^(licen[sc]e|notice|copying)/i.test(name)) return false;
  return (
    name.startsWith('.') ||
    /\.(md|markdown|map|ts|mts|cts|tsbuildinfo|c|cc|cpp|h|hpp|bat|exe)$/i.test(name) ||
    /^(tsconfig.*\.json|eslint\.config\.[cm]?js|(bench|benchmark|test|example)\.js)$/.test(name)
  );
}

/** The directory of installed package `name` as Node would resolve it from `fromDir`. */
function resolvePackageDir(name, fromDir, root) {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dir === root || dirname(dir) === dir) return null;
  }
}

function readManifest(dir) {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
}

/**
 * Every installed package needed to run `names`, as directories under `root`: the packages and,
 * transitively, their `dependencies` and installed `optionalDependencies`.
 */
export function dependencyClosure(names, root) {
  const found = new Map();
  const visit = (name, fromDir, requiredBy) => {
    if (name in NOT_SHIPPED) return;
    const dir = resolvePackageDir(name, fromDir, root);
    if (!dir) {
      if (requiredBy.optional) return;
      throw new Error(`${name} (needed by ${requiredBy.name}) is not installed; run npm ci`);
    }
    if (found.has(dir)) return;
    const manifest = readManifest(dir);
    found.set(dir, manifest);
    for (const dep of Object.keys(manifest.dependencies ?? {})) visit(dep, dir, { name, optional: false });
    for (const dep of Object.keys(manifest.optionalDependencies ?? {})) {
      visit(dep, dir, { name, optional: true });
    }
  };
  for (const name of names) visit(name, root, { name: 'the server bundle', optional: false });
  return [...found.keys()].sort();
}

/** The addons of a native build, without the ones only its own tests load (test_*.node). */
function copyAddons(from, to) {
  const addons = existsSync(from)
    ? readdirSync(from).filter((n) => n.endsWith('.node') && !n.startsWith('test_'))
    : [];
  if (addons.length === 0) throw new Error(`no compiled addon in ${from}; run npm rebuild`);
  mkdirSync(to, { recursive: true });
  for (const name of addons) copyFileSync(join(from, name), join(to, name));
  return addons.length;
}

/**
 * Copies one package directory, leaving out what never runs. In a native addon's directory (one
 * with a binding.gyp) only the compiled addons in build/Release are kept: the C sources, the
 * vendored libraries and the object files are what `npm install` compiled them from. An optional
 * addon is left out entirely.
 */
function copyPackage(src, dest, name) {
  // Whatever the package's entry is called, it stays.
  const main = normalize(readManifest(src).main ?? 'index.js').replace(/(\.js)?$/, '.js');
  let files = 0;
  const walk = (from, to) => {
    const addonDir = existsSync(join(from, 'binding.gyp'));
    const optionalAddon = addonDir && `${name}/${relative(src, from)}` in OPTIONAL_ADDONS;
    mkdirSync(to, { recursive: true });
    for (const entry of readdirSync(from, { withFileTypes: true })) {
      const rel = relative(src, join(from, entry.name));
      if (entry.isDirectory()) {
        if (SKIP_DIRS.has(entry.name) || entry.name.startsWith('.')) continue;
        if (addonDir && (entry.name === 'src' || entry.name === 'deps')) continue;
        if (addonDir && entry.name === 'build') {
          if (!optionalAddon)
            files += copyAddons(join(from, 'build', 'Release'), join(to, 'build', 'Release'));
          continue;
        }
        walk(join(from, entry.name), join(to, entry.name));
      } else if (entry.isFile() && entry.name !== 'binding.gyp' && (rel === main || !skipFile(entry.name))) {
        copyFileSync(join(from, entry.name), join(to, entry.name));
        files += 1;
      }
    }
  };
  walk(src, dest);
  return files;
}

/**
 * Copies the closure of `names` from `root`'s node_modules to `destRoot`, keeping each package's
 * path relative to `root` (so nested node_modules resolve as installed). Calls `onPackage` with
 * the package's path, version and file count, for progress output. Returns the package count.
 */
export function copyRuntimeDeps(names, root, destRoot, onPackage) {
  const dirs = dependencyClosure(names, root);
  for (const dir of dirs) {
    const rel = relative(root, dir);
    if (!rel.startsWith(`node_modules${sep}`))
      throw new Error(`${dir} is outside ${join(root, 'node_modules')}`);
    const manifest = readManifest(dir);
    onPackage(rel, manifest.version, copyPackage(dir, join(destRoot, rel), manifest.name));
  }
  return dirs.length;
}

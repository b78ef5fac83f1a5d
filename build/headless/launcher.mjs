// bin/launchpad of the headless tarball: a POSIX sh script that finds its installation (from any
// directory, also through symlinks), checks the Node.js on PATH, and execs the server bundle.
//
// It runs node with the V8 flags of server/projects/runtime/node-flags.ts (why is said there;
// project servers get the same), read from the compiled server, which the headless build needs
// anyway.
import { NODE_FLAGS } from '../../dist/server/projects/runtime/node-flags.js';

export { NODE_FLAGS };

/**
 * The minimum Node version from package.json `engines.node` (">=20.19" → [20, 19]): one place
 * says which Node the server needs.
 */
export function minimumNode(enginesNode) {
  const m = /^>=\s*(\d+)\.(\d+)/.exec(enginesNode ?? '');
  if (!m) throw new Error(`package.json engines.node should read ">=MAJOR.MINOR", not ${enginesNode}`);
  return [Number(m[1]), Number(m[2])];
}

/**
 * The script text. `abi` is the NODE_MODULE_VERSION the shipped better-sqlite3 addon is compiled
 * for: another Node major cannot load it, so the script says so instead of the addon loader's
 * stack trace. The check is plain ES5 so that a very old Node still prints the message.
 */
export function launcherScript({ version, arch, minNode: [major, minor], abi, nodeMajor }) {
  return `#!/bin/sh
# launchpad ${version} (headless server, linux-${arch}): runs the bundled hub with the node on PATH.
set -e

# The installation root is the parent of the real bin/ directory. Follow symlinks one at a time
# (e.g. /usr/local/bin/launchpad -> /opt/launchpad/bin/launchpad): readlink -f is not POSIX.
dir_of() {
  case $1 in
    */*) echo "\${1%/*}" ;;
    *) echo . ;;
  esac
}
self=$0
while [ -L "$self" ]; do
  link=$(readlink "$self")
  case $link in
    /*) self=$link ;;
    *) self=$(dir_of "$self")/$link ;;
  esac
done
root=$(cd "$(dir_of "$self")/.." && pwd -P)

if ! command -v node >/dev/null 2>&1; then
  echo "launchpad: needs Node.js ${major}.${minor} or newer (${nodeMajor}.x for this build), and there is no node on PATH." >&2
  exit 1
fi

node -e '
var v = process.versions, p = v.node.split("."), major = +p[0], minor = +p[1];
var where = "Node.js " + process.version + " (" + process.execPath + ")";
if (major < ${major} || (major === ${major} && minor < ${minor})) {
  console.error("launchpad: needs Node.js ${major}.${minor} or newer; the node on PATH is " + where + ".");
  process.exit(1);
}
if (v.modules !== "${abi}") {
  console.error("launchpad: this build is for Node.js ${nodeMajor}.x (its sqlite module has ABI ${abi}); the node on PATH is " +
    where + ", ABI " + v.modules + ". Put Node.js ${nodeMajor}.x first on PATH.");
  process.exit(1);
}'

exec node ${NODE_FLAGS.join(' ')} "$root/server/launchpad.mjs" "$@"
`;
}

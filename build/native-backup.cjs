// Where the packaging hooks keep the Node.js build of better-sqlite3 while node_modules holds
// the one rebuilt for Electron (shared by before-pack.cjs and after-pack.cjs).
const path = require('node:path');

/** The addon electron-builder copies into the app (and the Node tests load). */
function addonPath(projectDir) {
  return path.join(projectDir, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
}

/** Outside node_modules, so it never ends up in the app; in the release dir, which is not packed. */
function backupPath(outDir) {
  return path.join(outDir, '.native-backup', 'better_sqlite3.node');
}

module.exports = { addonPath, backupPath };

// electron-builder afterPack hook: the app now holds the Electron build of better-sqlite3;
// put the Node.js build that before-pack.cjs kept aside back into node_modules.
const { copyFileSync, existsSync, rmSync } = require('node:fs');
const path = require('node:path');
const { addonPath, backupPath } = require('./native-backup.cjs');

exports.default = async function afterPack(context) {
  const backup = backupPath(context.outDir);
  if (!existsSync(backup)) return;
  copyFileSync(backup, addonPath(context.packager.info.projectDir));
  rmSync(path.dirname(backup), { recursive: true, force: true });
  console.log('  • after-pack: restored the Node.js build of better-sqlite3');
};

// electron-builder beforePack hook (runs before the app files are copied, once per arch):
// rebuilds better-sqlite3 for the Electron version and arch being packaged. The config sets
// npmRebuild: false, so this is the only rebuild, and it touches one module only.
// The Node.js build is kept aside and put back by after-pack.cjs, so the checkout's Node
// tests keep working after `npm run dist`.
const { copyFileSync, existsSync, mkdirSync, readFileSync } = require('node:fs');
const path = require('node:path');
const { addonPath, backupPath } = require('./native-backup.cjs');

/** electron-builder's Arch enum values, by number (builder-util: ia32, x64, armv7l, arm64, universal). */
const ARCH_NAMES = ['ia32', 'x64', 'armv7l', 'arm64', 'universal'];

function electronVersion(context, projectDir) {
  const fromBuilder = context.packager?.info?.framework?.version;
  if (fromBuilder) return fromBuilder;
  return JSON.parse(readFileSync(path.join(projectDir, 'node_modules', 'electron', 'package.json'), 'utf8'))
    .version;
}

exports.default = async function beforePack(context) {
  const projectDir = context.packager.info.projectDir;
  const arch = ARCH_NAMES[context.arch] ?? String(context.arch);
  if (context.electronPlatformName !== process.platform) {
    throw new Error(
      `before-pack: cannot build better-sqlite3 for ${context.electronPlatformName} on ${process.platform}; ` +
        'native modules are not cross-compiled: package each platform on that platform.',
    );
  }
  if (!existsSync(path.join(projectDir, 'node_modules', '@electron', 'rebuild'))) {
    throw new Error('before-pack: @electron/rebuild is missing (electron-builder installs it); run npm ci.');
  }

  const addon = addonPath(projectDir);
  const backup = backupPath(context.outDir);
  // A backup left by an interrupted run is the Node build; never overwrite it with an Electron one.
  if (!existsSync(backup)) {
    mkdirSync(path.dirname(backup), { recursive: true });
    copyFileSync(addon, backup);
  }

  const version = electronVersion(context, projectDir);
  console.log(`  • before-pack: rebuilding better-sqlite3 for Electron ${version} (${arch})`);
  const { rebuild } = await import('@electron/rebuild');
  await rebuild({
    buildPath: projectDir,
    electronVersion: version,
    arch,
    onlyModules: ['better-sqlite3'],
    force: true,
    mode: 'sequential',
  });
};

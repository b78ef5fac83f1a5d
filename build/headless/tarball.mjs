// Packing the staged folder and reporting sizes.
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * `<parent>/<folder>` as a gzipped tar at `outfile`, with one top-level folder. GNU tar (the
 * target is Linux): entries sorted and owned by root, so the listing does not depend on the
 * builder's file system or user.
 */
export function packTarball(parent, folder, outfile) {
  execFileSync(
    'tar',
    ['--sort=name', '--owner=0', '--group=0', '--numeric-owner', '-czf', outfile, '-C', parent, folder],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  return statSync(outfile).size;
}

/** Total bytes and file count under `dir`. */
export function treeSize(dir) {
  let bytes = 0;
  let files = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    bytes += statSync(join(entry.parentPath, entry.name)).size;
    files += 1;
  }
  return { bytes, files };
}

export function formatBytes(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = join(ROOT, 'bin', 'launchpad.mjs');
export const BUILT_CLI = join(ROOT, 'dist', 'server', 'cli', 'main.js');
export const BUILT_RENDERER = join(ROOT, 'dist', 'renderer', 'index.html');
/** Where Playwright writes results; cleared at the start of every run. */
export const OUTPUT_DIR = join(ROOT, 'test-results', 'e2e');
export const SCREENSHOT_DIR = join(OUTPUT_DIR, 'screenshots');

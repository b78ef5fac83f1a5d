import { existsSync } from 'node:fs';
import { BUILT_CLI, BUILT_RENDERER } from './paths.js';

/** The suite drives the built hub and UI; say how to build them instead of failing test by test. */
export default function globalSetup(): void {
  const missing = [BUILT_CLI, BUILT_RENDERER].filter((f) => !existsSync(f));
  if (missing.length > 0) {
    throw new Error(
      `e2e: ${missing.join(' and ')} missing. Build first: npm run build:server && npm run build:renderer`,
    );
  }
}

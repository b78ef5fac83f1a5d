import type { HealthReport } from '../api/index.js';
import type { HubApp } from '../http/index.js';

/** `GET /api/health`: the latest report. Signed in only (the app's auth hook: it is not public). */
export function registerHealthRoute(app: HubApp, health: { report(): HealthReport }): void {
  app.get('/api/health', async (): Promise<HealthReport> => health.report());
}

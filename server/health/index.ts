/**
 * The health capability's public surface: checks of the hub, its hosts and projects, and the
 * Ready / Degraded / Error summary.
 *
 * Wiring it into the hub (server/hub/start.ts):
 *
 *   const key = sshd && registerHealthKey(new SshKeysRepo(db));   // revoke it at stop
 *   const health = new HealthService({ sshd: {…, key}, tls, dataDir, hosts, projects, logger,
 *                                      intervalMs: healthIntervalFromEnv(env) });
 *   health.start();  health.report();  health.subscribe(listener);  health.stop();
 */
export type { BackupAgeSource } from './checks/backup-age.js';
export type { StatFs } from './checks/disk.js';
export { HEALTH_KEY_OWNER, HealthKey, registerHealthKey } from './health-key.js';
export { HEALTH_INTERVAL_ENV, healthIntervalFromEnv } from './interval.js';
export { registerHealthRoute } from './routes.js';
export {
  DEFAULT_HEALTH_INTERVAL_MS,
  HealthService,
  type HealthServiceOptions,
  type SshdSource,
} from './service.js';
export { summarize } from './summary.js';

import {
  HEALTH_EXIT_CODES,
  type HealthReport,
  type HealthSummary,
  healthReportSchema,
  type Status,
  statusSchema,
} from '../api/index.js';

function duration(seconds: number): string {
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return d > 0 ? `${d}d ${h}h` : h > 0 ? `${h}h ${m}m` : `${m}m ${seconds % 60}s`;
}

export function formatStatus(s: Status): string {
  const lines = [
    `Launchpad hub: running${s.detail ? ` (PID ${s.detail.pid})` : ''}, up ${duration(s.uptimeSeconds)}`,
    `  product     ${s.product}${s.deploymentMode ? ` (${s.deploymentMode})` : ''}, version ${s.version}`,
    `  ports       HTTPS ${s.ports.https}, SSH ${s.ports.sshd}${s.ports.http ? `, HTTP redirect ${s.ports.http}` : ''}`,
  ];
  if (s.detail) {
    lines.push(
      `  URL         ${s.detail.urls.loopback}${s.detail.urls.lan ? `  LAN ${s.detail.urls.lan}` : ''}`,
    );
    lines.push(`  data dir    ${s.detail.dataDir}`, `  sessions    ${s.detail.activeSessions} signed in`);
  }
  lines.push(`  TLS leaf    ${s.tls.leafFingerprint}`);
  if (s.restartRequired) lines.push('  Restart required: stored settings differ from the running ones.');
  return `${lines.join('\n')}\n`;
}

const SUMMARY_WORDS: Record<HealthSummary, string> = { ready: 'Ready', degraded: 'Degraded', error: 'Error' };

/** The health lines under the status: the summary, then every check that is not ok with its fix. */
export function formatHealth(h: HealthReport): string {
  const problems = h.checks.filter((c) => c.status !== 'ok');
  const lines = [
    `  health      ${SUMMARY_WORDS[h.summary]}${problems.length === 0 ? ` (${h.checks.length} checks ok)` : ''}`,
  ];
  for (const c of problems) {
    lines.push(`    ${c.status === 'error' ? 'error' : 'warn '}  ${c.title}: ${c.message}`);
    if (c.fix) lines.push(`           fix: ${c.fix}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * `launchpad status` of a running hub: its status and health, and the exit code of the health
 * summary (0 Ready, 1 Degraded, 2 Error). A hub without /api/health (older) exits 0 as before.
 */
export async function runningStatus(
  client: { call(method: string, path: string): Promise<{ status: number; body: unknown }> },
  json: boolean,
): Promise<{ output: string; code: number }> {
  const res = await client.call('GET', '/api/status');
  const status = statusSchema.parse(res.body);
  const h = await client.call('GET', '/api/health');
  const health = h.status === 200 ? healthReportSchema.parse(h.body) : null;
  const code = health ? HEALTH_EXIT_CODES[health.summary] : 0;
  if (json) {
    return { output: `${JSON.stringify({ running: true, ...status, health }, null, 2)}\n`, code };
  }
  return { output: formatStatus(status) + (health ? formatHealth(health) : ''), code };
}

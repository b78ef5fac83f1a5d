import type { Status } from '../api/index.js';

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

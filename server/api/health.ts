import { z } from 'zod';

export const healthStatusSchema = z.enum(['ok', 'warn', 'error']);
export type HealthStatus = z.infer<typeof healthStatusSchema>;

export const healthCheckSchema = z.object({
  /** Stable id, e.g. `sshd`, `sftp-write`, `tls`, `disk`, `host-tunnel:<hostId>`, `backup-age:<projectId>`. */
  id: z.string(),
  /** What is checked, for people: "SSH server", "Tunnel of lab-box". */
  title: z.string(),
  /**
   * `hub`: the hub itself (an error makes the summary Error); `host` and `project`: one of many
   * (an error makes it Degraded).
   */
  scope: z.enum(['hub', 'host', 'project']),
  status: healthStatusSchema,
  message: z.string(),
  /** Since when the check has had this status. */
  since: z.string(),
  /** How to fix it (null when ok). */
  fix: z.string().nullable(),
  subject: z.object({ kind: z.enum(['host', 'project']), id: z.string(), name: z.string() }).nullable(),
});
export type HealthCheck = z.infer<typeof healthCheckSchema>;

export const healthSummarySchema = z.enum(['ready', 'degraded', 'error']);
export type HealthSummary = z.infer<typeof healthSummarySchema>;

/** GET /api/health (signed in); also the SSE `health` event. */
export const healthReportSchema = z.object({
  summary: healthSummarySchema,
  checkedAt: z.string(),
  checks: z.array(healthCheckSchema),
});
export type HealthReport = z.infer<typeof healthReportSchema>;

/** `launchpad status` exits with this code for each summary. */
export const HEALTH_EXIT_CODES: Readonly<Record<HealthSummary, number>> = { ready: 0, degraded: 1, error: 2 };

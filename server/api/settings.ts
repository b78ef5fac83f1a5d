import { z } from 'zod';

export const PRODUCTS = ['plus', 'launchpad', 'rocket'] as const;
export const DEPLOYMENT_MODES = ['local', 'cloud'] as const;
export const CONTROL_PLANES = ['single', 'multi'] as const;

export type Product = (typeof PRODUCTS)[number];
export type DeploymentMode = (typeof DEPLOYMENT_MODES)[number];
export type ControlPlane = (typeof CONTROL_PLANES)[number];

/** Host tunnel ports start this far above the base port; two per host. */
export const TUNNEL_PORT_OFFSET = 10;
/** Default size of the host tunnel port range (500 hosts); the tunnelPortCount setting changes it. */
export const TUNNEL_PORT_COUNT = 1000;
/** The largest tunnel range at all (base port 1); the base port in use lowers it (the range must end below 65536). */
export const MAX_TUNNEL_PORT_COUNT = 65535 - TUNNEL_PORT_OFFSET - ((65535 - TUNNEL_PORT_OFFSET) % 2);
/** The highest base port that still leaves room for HTTPS, SSHD and the tunnel range below 65536. */
export const MAX_BASE_PORT = 65535 - TUNNEL_PORT_OFFSET - TUNNEL_PORT_COUNT + 1;

export const portSchema = z
  .number({ error: 'must be a port number' })
  .int('must be a whole number')
  .min(1, 'must be between 1 and 65535')
  .max(65535, 'must be between 1 and 65535');

export const basePortSchema = portSchema.max(
  MAX_BASE_PORT,
  `must be at most ${MAX_BASE_PORT}: HTTPS, SSH and the host tunnel range (${TUNNEL_PORT_OFFSET}..${TUNNEL_PORT_OFFSET + TUNNEL_PORT_COUNT - 1} above it) must fit below 65536`,
);

// A bare host name or IP address: what hosts and browsers type, without scheme, port or path.
const HOST_RE =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;
const IPV6_RE = /^[0-9a-fA-F:.]+$/;
export const publicHostSchema = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(253, 'is too long')
  .refine((h) => HOST_RE.test(h) || (h.includes(':') && IPV6_RE.test(h)), {
    message: 'must be a host name or IP address without scheme, port or path (e.g. hub.lan or 192.168.1.10)',
  });

/** Ports in the host tunnel range: two per host, so an even number. */
export const tunnelPortCountSchema = z
  .number({ error: 'must be a whole number' })
  .int('must be a whole number')
  .min(2, 'must be at least 2 (one host needs two ports)')
  .max(MAX_TUNNEL_PORT_COUNT, `must be at most ${MAX_TUNNEL_PORT_COUNT}`)
  .refine((n) => n % 2 === 0, { message: 'must be even (two ports per host)' });

export const filePathSchema = z.string().trim().min(1, 'must not be empty');

/** Default hours between scheduled backups of a running project. */
export const BACKUP_INTERVAL_HOURS = 24;
/** Hours between scheduled backups: at least hourly, at most every 30 days. */
export const backupIntervalHoursSchema = z
  .number({ error: 'must be a whole number of hours' })
  .int('must be a whole number of hours')
  .min(1, 'must be between 1 and 720 hours')
  .max(720, 'must be between 1 and 720 hours');

/**
 * Settings an admin can store. Every one takes effect at the next start
 * (the hub reports restartRequired until then). `null` removes a stored setting,
 * so the env variable or the default applies again.
 */
export const settingsPatchSchema = z
  .object({
    product: z.enum(PRODUCTS).nullable(),
    deploymentMode: z.enum(DEPLOYMENT_MODES).nullable(),
    rocketControlPlane: z.enum(CONTROL_PLANES).nullable(),
    basePort: basePortSchema.nullable(),
    publicHost: publicHostSchema.nullable(),
    httpPort: portSchema.nullable(),
    tunnelPortCount: tunnelPortCountSchema.nullable(),
    tlsCert: filePathSchema.nullable(),
    tlsKey: filePathSchema.nullable(),
    backupIntervalHours: backupIntervalHoursSchema.nullable(),
  })
  .partial()
  .strict();
export type SettingsPatch = z.infer<typeof settingsPatchSchema>;
export type SettingKey = keyof SettingsPatch;
export const SETTING_KEYS = Object.keys(settingsPatchSchema.shape) as SettingKey[];

export const valueSourceSchema = z.enum(['setting', 'env', 'cli', 'default', 'detected']);
export type ValueSource = z.infer<typeof valueSourceSchema>;

export const settingViewSchema = z.object({
  key: z.string(),
  envVar: z.string(),
  /** The value the next start will use, and where it comes from. */
  value: z.unknown(),
  source: valueSourceSchema,
  /** The value the running hub uses (differs from `value` until a restart). */
  running: z.unknown(),
});
export type SettingView = z.infer<typeof settingViewSchema>;

export const settingsResponseSchema = z.object({
  settings: z.array(settingViewSchema),
  restartRequired: z.boolean(),
});
export type SettingsResponse = z.infer<typeof settingsResponseSchema>;

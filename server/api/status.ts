import { z } from 'zod';
import { DEPLOYMENT_MODES, PRODUCTS } from './settings.js';

export const statusSchema = z.object({
  product: z.enum(PRODUCTS),
  deploymentMode: z.enum(DEPLOYMENT_MODES).nullable(),
  version: z.string(),
  uptimeSeconds: z.number(),
  ports: z.object({ https: z.number(), sshd: z.number(), http: z.number().nullable() }),
  tls: z.object({
    leafFingerprint: z.string(),
    caFingerprint: z.string().nullable(),
    custom: z.boolean(),
  }),
  restartRequired: z.boolean(),
  /** The embedded SSH server; null where it does not run (Plus). */
  sshd: z
    .object({
      listening: z.boolean(),
      port: z.number(),
      /** OpenSSH fingerprint of the host key (SHA256:…), what hosts pin. */
      hostKeyFingerprint: z.string(),
      lastError: z.string().optional(),
      connections: z.number(),
    })
    .nullable(),
  signedIn: z.boolean(),
  /** Only for a signed-in caller. */
  detail: z
    .object({
      dataDir: z.string(),
      publicHost: z.string(),
      urls: z.object({ loopback: z.string(), lan: z.string().nullable() }),
      pid: z.number(),
      startedAt: z.string(),
      tlsNotAfter: z.string(),
      activeSessions: z.number(),
      /** True until the first-run wizard was completed (or skipped) once. */
      setupRequired: z.boolean(),
    })
    .optional(),
});
export type Status = z.infer<typeof statusSchema>;

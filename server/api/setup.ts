import { z } from 'zod';
import {
  basePortSchema,
  DEPLOYMENT_MODES,
  PRODUCTS,
  publicHostSchema,
  type SettingsResponse,
} from './settings.js';

/** An absolute path (POSIX or Windows), the shape a data dir must have. */
export const dataDirSchema = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .refine((p) => p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p), { message: 'must be an absolute path' });

/** The first-run wizard's choices. Cross-field rules (mode needed for launchpad, …) are checked by the hub. */
export const setupRequestSchema = z
  .object({
    product: z.enum(PRODUCTS),
    deploymentMode: z.enum(DEPLOYMENT_MODES).nullable().optional(),
    basePort: basePortSchema,
    publicHost: publicHostSchema,
    dataDir: dataDirSchema,
  })
  .strict();
export type SetupRequest = z.infer<typeof setupRequestSchema>;

export interface SetupResponse {
  settings: SettingsResponse;
  restart: {
    required: boolean;
    /** The data dir the choices apply to: the current one, or the new one (then nothing was stored here). */
    dataDir: string;
    /** What to run from a shell to start the hub with these choices. */
    command: string;
    /** The COCALC_* variables of `command`: a new data dir's first settings (empty for this one). */
    env: Record<string, string>;
  };
}

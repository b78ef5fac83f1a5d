import { isAbsolute } from 'node:path';
import { z } from 'zod';
import type { BridgeMethod, DesktopBridge } from './ipc-channels.js';
import { isSameOrigin } from './origin.js';

/** More than any URL, fingerprint or token the UI copies; keeps a runaway page from filling the clipboard. */
export const MAX_COPY_TEXT = 64 * 1024;
const MAX_PATH = 4096;

/** An absolute directory path, as `setDataDir` takes it (the desktop settings validate it the same way). */
export const dataDirPathSchema = z
  .string()
  .min(1)
  .max(MAX_PATH)
  .refine((p) => !p.includes('\0'), 'must not contain NUL')
  .refine((p) => isAbsolute(p), 'must be an absolute path');

/** The variables a new data dir's first start may take from the UI; nothing else reaches the hub's env. */
export const FIRST_START_ENV_KEYS = [
  'COCALC_PRODUCT',
  'COCALC_DEPLOYMENT_MODE',
  'COCALC_BASE_PORT',
  'COCALC_PUBLIC_HOST',
] as const;
export const firstStartEnvSchema = z
  .partialRecord(z.enum(FIRST_START_ENV_KEYS), z.string().max(255))
  .transform((r) => r as Record<string, string>);

type ArgsOf<M extends BridgeMethod> = Parameters<DesktopBridge[M]>;

/** The argument list each channel accepts; a tuple rejects missing and extra arguments alike. */
export const IPC_ARGS: { [M in BridgeMethod]: z.ZodType<ArgsOf<M>> } = {
  restartHub: z.tuple([]),
  copyText: z.tuple([z.string().max(MAX_COPY_TEXT)]),
  openDataFolder: z.tuple([]),
  revealLogs: z.tuple([]),
  setDataDir: z.union([z.tuple([dataDirPathSchema]), z.tuple([dataDirPathSchema, firstStartEnvSchema])]),
};

export type IpcCheck<M extends BridgeMethod> = { ok: true; args: ArgsOf<M> } | { ok: false; reason: string };

/**
 * The main side's gate for every bridge call: the sending frame must show the hub (a page
 * that navigated elsewhere, or a frame of another origin, gets nothing), and the arguments
 * must match the channel's schema exactly.
 */
export function checkIpcCall<M extends BridgeMethod>(
  method: M,
  senderFrameUrl: string | null | undefined,
  args: readonly unknown[],
  hubOrigin: string,
): IpcCheck<M> {
  if (!isSameOrigin(senderFrameUrl, hubOrigin)) {
    return {
      ok: false,
      reason: `${method}: refused for a frame outside the hub (${senderFrameUrl ?? 'none'})`,
    };
  }
  const schema: z.ZodType<ArgsOf<M>> = IPC_ARGS[method];
  const parsed = schema.safeParse(args);
  if (!parsed.success) {
    return { ok: false, reason: `${method}: invalid arguments: ${z.prettifyError(parsed.error)}` };
  }
  return { ok: true, args: parsed.data };
}

import { z } from 'zod';
import type { BackupProgress } from '../../api/index.js';
import { type ServiceEndpoint, type SignedIdentity, streamHostService } from '../../hosts/index.js';

// The host's backup/restore stream (server/projects/control-contract.ts, BackupEvent), checked
// line by line: a host of another version must not make the hub record something it did not say.
const progressLine = z.object({
  type: z.literal('progress'),
  percent: z.number(),
  bytesDone: z.number(),
  totalBytes: z.number(),
  filesDone: z.number(),
  totalFiles: z.number(),
  etaSeconds: z.number().nullable(),
});
const summarySchema = z.object({
  filesNew: z.number(),
  filesChanged: z.number(),
  dataAdded: z.number(),
  totalFiles: z.number(),
  totalBytes: z.number(),
});
const doneLine = z.object({
  type: z.literal('done'),
  snapshotId: z.string().optional(),
  summary: summarySchema.optional(),
  restoredTo: z.string().optional(),
  files: z.number().optional(),
  bytes: z.number().optional(),
});
const errorLine = z.object({ type: z.literal('error'), code: z.string(), message: z.string() });

export type DoneEvent = z.infer<typeof doneLine>;

/** How a host's stream ended, in terms the caller can record without guessing. */
export type StreamOutcome =
  | { ok: true; done: DoneEvent }
  /**
   * `code`: the host's error code (restic's: repository_unreachable, not_found…), or ours:
   * `host_refused` (an HTTP answer other than 200, `status` set), `stream_broken`, `no_result`.
   */
  | { ok: false; code: string; message: string; status?: number };

export interface FollowOptions {
  body: unknown;
  identity: SignedIdentity;
  onProgress?: (p: BackupProgress) => void;
  idleTimeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * Sends one backup or restore request to a host and follows its NDJSON stream to the end. Only
 * a `done` line is success; an `error` line, a refusal, a cut or silent stream, or a stream that
 * ends without either line is a failure with a reason a person can act on.
 */
export async function followHostStream(
  endpoint: ServiceEndpoint,
  path: string,
  hostName: string,
  o: FollowOptions,
): Promise<StreamOutcome> {
  let result: StreamOutcome | null = null;
  const reply = await streamHostService(endpoint, 'POST', path, {
    body: o.body,
    identity: o.identity,
    ...(o.idleTimeoutMs !== undefined ? { idleTimeoutMs: o.idleTimeoutMs } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
    onLine: (line) => {
      // The contract says the stream ends with one done or error line; anything after it is ignored.
      if (result) return;
      const progress = progressLine.safeParse(line);
      if (progress.success) {
        const { type: _type, ...p } = progress.data;
        o.onProgress?.(p);
        return;
      }
      const done = doneLine.safeParse(line);
      if (done.success) {
        result = { ok: true, done: done.data };
        return;
      }
      const error = errorLine.safeParse(line);
      if (error.success) result = { ok: false, code: error.data.code, message: error.data.message };
    },
  });
  switch (reply.kind) {
    case 'refused':
      return {
        ok: false,
        code: refusalCode(reply.body) ?? 'host_refused',
        status: reply.status,
        message: `${hostName} refused: ${refusalMessage(reply.status, reply.body)}`,
      };
    case 'broken':
      // A result line that came before the cut still counts only if it was a failure: a done
      // line followed by a broken stream is rare, but then the host did finish, so keep it.
      return (
        result ?? {
          ok: false,
          code: 'stream_broken',
          message: `the connection to ${hostName} broke off: ${reply.error}`,
        }
      );
    case 'ended':
      return (
        result ?? {
          ok: false,
          code: 'no_result',
          message: `${hostName} ended the stream without saying whether it finished (the host may have restarted)`,
        }
      );
  }
}

function refusalCode(body: unknown): string | undefined {
  const code = (body as { error?: { code?: unknown } } | null)?.error?.code;
  return typeof code === 'string' ? code : undefined;
}

function refusalMessage(status: number, body: unknown): string {
  const message = (body as { error?: { message?: unknown } } | null)?.error?.message;
  return typeof message === 'string' ? message : `HTTP ${status}`;
}

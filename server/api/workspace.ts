import { z } from 'zod';

/**
 * The workspace contract: what a project server serves under `/<project_id>/` (the hub proxy
 * passes the path through unchanged) and the realtime channel at `/<project_id>/conat`.
 * Every path in this API is relative to the project directory ('' or '.' is its root), uses
 * '/' separators, and is refused (400 path_outside_project) when it would leave the project.
 * Errors are the hub's shape: `{ "error": { code, message, field? } }`.
 */

export const fileEntrySchema = z.object({
  name: z.string(),
  type: z.enum(['file', 'dir', 'symlink', 'other']),
  size: z.number(),
  /** ISO time of the last modification. */
  mtime: z.string(),
});
export type FileEntry = z.infer<typeof fileEntrySchema>;

/** GET api/files?path=DIR → the directory's entries, directories first, then by name. */
export const listFilesResponseSchema = z.object({ path: z.string(), entries: z.array(fileEntrySchema) });
export type ListFilesResponse = z.infer<typeof listFilesResponseSchema>;

/**
 * GET api/files/download?path=FILE → the bytes, streamed (Content-Length, Content-Disposition:
 * attachment). PUT api/files/upload?path=FILE[&overwrite=true] with the raw bytes as the body
 * (streamed to a temporary file, renamed into place when complete; 409 file_exists unless
 * overwrite) → UploadResponse.
 */
export const uploadResponseSchema = z.object({ path: z.string(), size: z.number() });
export type UploadResponse = z.infer<typeof uploadResponseSchema>;

/** GET api/files/text?path=FILE → a text file for the editor (413 over 5 MiB, 415 for binary). */
export const textFileSchema = z.object({ path: z.string(), content: z.string(), mtime: z.string() });
export type TextFile = z.infer<typeof textFileSchema>;

/** PUT api/files/text: save; 409 changed_on_disk when `expectedMtime` no longer matches. */
export const saveTextRequestSchema = z
  .object({ path: z.string().min(1), content: z.string(), expectedMtime: z.string().optional() })
  .strict();
export type SaveTextRequest = z.infer<typeof saveTextRequestSchema>;
export const saveTextResponseSchema = z.object({ path: z.string(), mtime: z.string() });

/** POST api/files/mkdir; POST api/files/new (an empty file) — 409 file_exists when taken. */
export const pathRequestSchema = z.object({ path: z.string().min(1) }).strict();
/** POST api/files/rename — 409 file_exists when `to` is taken. */
export const renameRequestSchema = z.object({ from: z.string().min(1), to: z.string().min(1) }).strict();
/** POST api/files/delete (a directory with everything in it). */
export const deleteRequestSchema = pathRequestSchema;
export const okResponseSchema = z.object({ ok: z.literal(true) });

/** GET api/terminals → the terminals still alive (kept for a while after their last viewer left). */
export const terminalListResponseSchema = z.object({
  terminals: z.array(z.object({ id: z.string(), title: z.string(), createdAt: z.string() })),
});
export type TerminalListResponse = z.infer<typeof terminalListResponseSchema>;

/** Terminal ids are chosen by the client (so a reload can reattach to the same one). */
const termId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);

/** Realtime channel (WebSocket at `/<project_id>/conat`): JSON text frames, client → server. */
export const conatClientMessageSchema = z.discriminatedUnion('t', [
  /** Opens terminal `term`, or reattaches to it when it is still alive (its recent output is replayed). */
  z.object({
    t: z.literal('term.open'),
    term: termId,
    cols: z.number().int().min(1).max(1000),
    rows: z.number().int().min(1).max(1000),
  }),
  z.object({ t: z.literal('term.input'), term: termId, data: z.string().max(1 << 20) }),
  z.object({
    t: z.literal('term.resize'),
    term: termId,
    cols: z.number().int().min(1).max(1000),
    rows: z.number().int().min(1).max(1000),
  }),
  /** Ends the terminal's shell. */
  z.object({ t: z.literal('term.close'), term: termId }),
  /** Watch a directory: `fs.changed` arrives when something in it changes. */
  z.object({ t: z.literal('fs.watch'), path: z.string() }),
  z.object({ t: z.literal('fs.unwatch'), path: z.string() }),
]);
export type ConatClientMessage = z.infer<typeof conatClientMessageSchema>;

/** Server → client. */
export type ConatServerMessage =
  | { t: 'term.opened'; term: string; reattached: boolean }
  | { t: 'term.output'; term: string; data: string }
  | { t: 'term.exit'; term: string; code: number | null }
  | { t: 'fs.changed'; path: string }
  | { t: 'error'; message: string; term?: string };

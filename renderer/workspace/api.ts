// Typed client of the workspace API (server/api/workspace.ts). Responses are validated, errors
// become WorkspaceError with the server's code and message.
import type { z } from 'zod';
import {
  apiErrorSchema,
  type ListFilesResponse,
  listFilesResponseSchema,
  okResponseSchema,
  projectListResponseSchema,
  type SaveTextRequest,
  saveTextResponseSchema,
  type TextFile,
  textFileSchema,
  type UploadResponse,
  uploadResponseSchema,
} from '../../server/api/index.js';
import { projectId, projectUrl } from './project.js';

/** A failed call. `status` 0: the server could not be reached. */
export class WorkspaceError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'WorkspaceError';
  }
}

export function asWorkspaceError(err: unknown): WorkspaceError {
  if (err instanceof WorkspaceError) return err;
  return new WorkspaceError(0, 'client_error', err instanceof Error ? err.message : String(err));
}

/** The error an HTTP answer carries: the server's own message when it sent one. */
function errorFrom(status: number, statusText: string, text: string): WorkspaceError {
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    return new WorkspaceError(status, 'http_error', `The project answered ${status} ${statusText}`.trim());
  }
  const parsed = apiErrorSchema.safeParse(json);
  if (parsed.success) return new WorkspaceError(status, parsed.data.error.code, parsed.data.error.message);
  return new WorkspaceError(status, 'http_error', `The project answered ${status} ${statusText}`.trim());
}

function parseWith<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    throw new WorkspaceError(200, 'bad_response', `Unexpected answer: ${parsed.error.issues[0]?.message}`);
  }
  return parsed.data;
}

async function request<S extends z.ZodType>(
  method: 'GET' | 'POST' | 'PUT',
  url: string,
  schema: S,
  body?: unknown,
): Promise<z.infer<S>> {
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? { accept: 'application/json' } : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (err) {
    throw new WorkspaceError(0, 'unreachable', `The project does not answer (${(err as Error).message})`);
  }
  const text = await res.text();
  if (!res.ok) throw errorFrom(res.status, res.statusText, text);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new WorkspaceError(
      res.status,
      'bad_response',
      `The project answered ${res.status} with a non-JSON body`,
    );
  }
  return parseWith(schema, json);
}

const withPath = (endpoint: string, path: string) =>
  projectUrl(`${endpoint}?path=${encodeURIComponent(path)}`);

export const listFiles = (path: string): Promise<ListFilesResponse> =>
  request('GET', withPath('api/files', path), listFilesResponseSchema);

export const readText = (path: string): Promise<TextFile> =>
  request('GET', withPath('api/files/text', path), textFileSchema);

export const saveText = (req: SaveTextRequest) =>
  request('PUT', projectUrl('api/files/text'), saveTextResponseSchema, req);

export const makeDir = (path: string) =>
  request('POST', projectUrl('api/files/mkdir'), okResponseSchema, { path });

export const newFile = (path: string) =>
  request('POST', projectUrl('api/files/new'), okResponseSchema, { path });

export const renamePath = (from: string, to: string) =>
  request('POST', projectUrl('api/files/rename'), okResponseSchema, { from, to });

export const deletePath = (path: string) =>
  request('POST', projectUrl('api/files/delete'), okResponseSchema, { path });

export const downloadUrl = (path: string): string => withPath('api/files/download', path);

/** The project's name from the hub (null when not served through a hub that knows it). */
export async function projectName(): Promise<string | null> {
  const res = await fetch('/api/projects', {
    credentials: 'same-origin',
    headers: { accept: 'application/json' },
  });
  if (!res.ok) return null;
  const parsed = projectListResponseSchema.safeParse(await res.json());
  if (!parsed.success) return null;
  return parsed.data.projects.find((p) => p.id === projectId)?.name ?? null;
}

export interface UploadHandle {
  done: Promise<UploadResponse>;
  abort(): void;
}

/**
 * Uploads `file` to `path` with XMLHttpRequest (fetch reports no upload progress). Rejects with
 * WorkspaceError 409 file_exists when the name is taken and `overwrite` is false.
 */
export function uploadFile(
  path: string,
  file: File,
  overwrite: boolean,
  onProgress: (loaded: number, total: number) => void,
): UploadHandle {
  const xhr = new XMLHttpRequest();
  const done = new Promise<UploadResponse>((resolve, reject) => {
    const query = `path=${encodeURIComponent(path)}${overwrite ? '&overwrite=true' : ''}`;
    xhr.open('PUT', projectUrl(`api/files/upload?${query}`));
    xhr.setRequestHeader('content-type', 'application/octet-stream');
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
    xhr.onload = () => {
      if (xhr.status < 200 || xhr.status >= 300) {
        reject(errorFrom(xhr.status, xhr.statusText, xhr.responseText));
        return;
      }
      try {
        resolve(parseWith(uploadResponseSchema, JSON.parse(xhr.responseText)));
      } catch (err) {
        reject(asWorkspaceError(err));
      }
    };
    xhr.onerror = () => reject(new WorkspaceError(0, 'unreachable', 'The upload was interrupted'));
    xhr.onabort = () => reject(new WorkspaceError(0, 'aborted', 'Upload cancelled'));
    xhr.send(file);
  });
  return { done, abort: () => xhr.abort() };
}

// Typed client of the hub API. Every function is typed by the shared contract in server/api;
// responses with a schema are validated, so a mismatched hub fails loudly here, not in a page.
import type { z } from 'zod';
import {
  apiErrorSchema,
  type BackupListResponse,
  type BackupStartResponse,
  backupListResponseSchema,
  backupStartResponseSchema,
  type CreateProjectRequest,
  type CreateTokenRequest,
  type CreateTokenResponse,
  createTokenResponseSchema,
  type HealthReport,
  type HostListResponse,
  healthReportSchema,
  hostListResponseSchema,
  type ProjectListResponse,
  type ProjectResponse,
  projectListResponseSchema,
  projectResponseSchema,
  type RestoreRequest,
  type RestoreResponse,
  restoreResponseSchema,
  type SettingsPatch,
  type SettingsResponse,
  type SetupRequest,
  type SetupResponse,
  type SnapshotListResponse,
  type Status,
  settingsResponseSchema,
  signOutEverywhereResponseSchema,
  snapshotListResponseSchema,
  statusSchema,
  type TokenListResponse,
  tokenListResponseSchema,
} from '../../../server/api/index.js';

/** A failed API call. `status` 0 means the hub could not be reached at all. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The request field at fault, when the hub named one. */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  get unreachable(): boolean {
    return this.status === 0;
  }

  get unauthenticated(): boolean {
    return this.status === 401;
  }
}

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

async function request<T>(method: Method, path: string, parse: (body: unknown) => T, body?: unknown) {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? { accept: 'application/json' } : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (err) {
    throw new ApiError(0, 'unreachable', `The hub does not answer (${(err as Error).message})`);
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    // A proxy or a crashed hub can answer with HTML; say what came back instead of a parse error.
    throw new ApiError(res.status, 'bad_response', `The hub answered ${res.status} with a non-JSON body`);
  }
  if (!res.ok) {
    const parsed = apiErrorSchema.safeParse(json);
    if (parsed.success) {
      const { code, message, field } = parsed.data.error;
      throw new ApiError(res.status, code, message, field);
    }
    throw new ApiError(res.status, 'http_error', `The hub answered ${res.status} ${res.statusText}`);
  }
  return parse(json);
}

/** Validates with `schema`; a mismatch is reported as a bad response, not a crash. */
function using<S extends z.ZodType>(schema: S) {
  return (body: unknown): z.infer<S> => {
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      throw new ApiError(
        200,
        'bad_response',
        `Unexpected answer from the hub: ${parsed.error.issues[0]?.message}`,
      );
    }
    return parsed.data;
  };
}

// Responses without a runtime schema in the contract are typed only.
const typed =
  <T>() =>
  (body: unknown) =>
    body as T;

export const getStatus = (): Promise<Status> => request('GET', '/api/status', using(statusSchema));

export const getSettings = (): Promise<SettingsResponse> =>
  request('GET', '/api/settings', using(settingsResponseSchema));

export const patchSettings = (patch: SettingsPatch): Promise<SettingsResponse> =>
  request('PATCH', '/api/settings', using(settingsResponseSchema), patch);

export const postSetup = (req: SetupRequest): Promise<SetupResponse> =>
  request('POST', '/api/setup', typed<SetupResponse>(), req);

export const signOut = (): Promise<{ signedOut: boolean }> =>
  request('POST', '/api/auth/logout', typed<{ signedOut: boolean }>(), {});

export const signOutEverywhere = (): Promise<{ revoked: number }> =>
  request('POST', '/api/auth/logout-all', using(signOutEverywhereResponseSchema), {});

export const getHosts = (): Promise<HostListResponse> =>
  request('GET', '/api/hosts', using(hostListResponseSchema));

export const removeHost = (id: string): Promise<{ removed: boolean }> =>
  request('DELETE', `/api/hosts/${encodeURIComponent(id)}`, typed<{ removed: boolean }>());

export const getTokens = (): Promise<TokenListResponse> =>
  request('GET', '/api/tokens', using(tokenListResponseSchema));

export const createToken = (req: CreateTokenRequest): Promise<CreateTokenResponse> =>
  request('POST', '/api/tokens', using(createTokenResponseSchema), req);

export const revokeToken = (id: string): Promise<{ revoked: boolean }> =>
  request('DELETE', `/api/tokens/${encodeURIComponent(id)}`, typed<{ revoked: boolean }>());

export const getProjects = (): Promise<ProjectListResponse> =>
  request('GET', '/api/projects', using(projectListResponseSchema));

export const createProject = (req: CreateProjectRequest): Promise<ProjectResponse> =>
  request('POST', '/api/projects', using(projectResponseSchema), req);

export const startProject = (id: string): Promise<ProjectResponse> =>
  request('POST', `/api/projects/${encodeURIComponent(id)}/start`, using(projectResponseSchema), {});

export const stopProject = (id: string): Promise<ProjectResponse> =>
  request('POST', `/api/projects/${encodeURIComponent(id)}/stop`, using(projectResponseSchema), {});

/** 204 on success; the project's files stay on its host unless `deleteFiles`. */
export const deleteProject = (id: string, deleteFiles: boolean): Promise<void> =>
  request('DELETE', `/api/projects/${encodeURIComponent(id)}?deleteFiles=${deleteFiles}`, () => undefined);

export const getBackups = (): Promise<BackupListResponse> =>
  request('GET', '/api/backups', using(backupListResponseSchema));

/** 202 with the run; 409 backup_running while one runs for the project. */
export const startBackup = (projectId: string): Promise<BackupStartResponse> =>
  request(
    'POST',
    `/api/projects/${encodeURIComponent(projectId)}/backups`,
    using(backupStartResponseSchema),
    {},
  );

/** Newest first. */
export const getSnapshots = (projectId: string): Promise<SnapshotListResponse> =>
  request(
    'GET',
    `/api/projects/${encodeURIComponent(projectId)}/snapshots`,
    using(snapshotListResponseSchema),
  );

/** Into a new folder `restore-<snapshot time>/` inside the project; nothing is overwritten. */
export const restoreSnapshot = (projectId: string, req: RestoreRequest): Promise<RestoreResponse> =>
  request(
    'POST',
    `/api/projects/${encodeURIComponent(projectId)}/restore`,
    using(restoreResponseSchema),
    req,
  );

/** The latest health report: every check with its status, and the Ready/Degraded/Error summary. */
export const getHealth = (): Promise<HealthReport> =>
  request('GET', '/api/health', using(healthReportSchema));

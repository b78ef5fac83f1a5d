import type { ZodError } from 'zod';
import type { ApiErrorBody } from '../api/index.js';

/** An error the API answers with its own status and JSON body `{"error":{code,message,field?}}`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }

  body(): ApiErrorBody {
    return {
      error: { code: this.code, message: this.message, ...(this.field ? { field: this.field } : {}) },
    };
  }
}

/** The first zod issue as a 400 naming the field (dotted path) it is about. */
export function fromZodError(err: ZodError): ApiError {
  const issue = err.issues[0];
  const field = issue?.path.map(String).join('.') || undefined;
  let message = issue?.message ?? 'invalid request';
  if (issue?.code === 'unrecognized_keys') {
    const keys = (issue as { keys?: string[] }).keys ?? [];
    return new ApiError(400, 'invalid_request', `unknown field ${keys.join(', ')}`, keys[0]);
  }
  if (field) message = `${field}: ${message}`;
  return new ApiError(400, 'invalid_request', message, field);
}

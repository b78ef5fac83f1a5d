import { ApiError } from '../http/index.js';

/**
 * Error codes of the hosts API. Over HTTPS they arrive as `{"error": {code, message, field?}}`;
 * over the SSH pairing command as `{"error": "<code>: <message>"}`.
 */
export type HostsErrorCode =
  | 'invalid_request'
  | 'not_a_launchpad_hub'
  | 'token_unknown'
  | 'token_revoked'
  | 'token_expired'
  | 'token_used'
  | 'token_not_found'
  | 'token_mismatch'
  | 'rate_limited'
  | 'ports_exhausted'
  | 'key_registered'
  | 'host_not_found'
  | 'host_removed'
  | 'this_machine'
  | 'not_a_host';

/**
 * A refusal meant for the client. An ApiError, so routes throw it as is; the SSH pairing
 * handler turns any ApiError into its `{"error": "<code>: <message>"}`.
 */
export class HostsError extends ApiError {
  constructor(
    status: number,
    override readonly code: HostsErrorCode,
    message: string,
    field?: string,
    /** For 429: seconds until the client may try again (sent as Retry-After). */
    readonly retryAfterSeconds?: number,
  ) {
    super(
      status,
      code,
      message,
      field,
      retryAfterSeconds === undefined ? {} : { 'retry-after': String(retryAfterSeconds) },
    );
    this.name = 'HostsError';
  }
}

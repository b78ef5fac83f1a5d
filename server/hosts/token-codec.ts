import { JOIN_TOKEN_PREFIX, type JoinTokenPayload, joinTokenPayloadSchema } from '../api/index.js';

/** A string that is not a usable join token; the message says what is wrong without quoting it. */
export class JoinTokenFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JoinTokenFormatError';
  }
}

/**
 * `lp1_` + base64url(JSON). The id is serialised first, so the token's first characters (what
 * lists show as its prefix, see tokenPrefix) depend on the id alone and never on the secret.
 */
export function encodeJoinToken(payload: JoinTokenPayload): string {
  const p = joinTokenPayloadSchema.parse(payload);
  const ordered = {
    id: p.id,
    v: p.v,
    host: p.host,
    httpsPort: p.httpsPort,
    sshdPort: p.sshdPort,
    tls: p.tls,
    ssh: p.ssh,
    secret: p.secret,
  };
  return `${JOIN_TOKEN_PREFIX}${Buffer.from(JSON.stringify(ordered), 'utf8').toString('base64url')}`;
}

/** Decodes and validates a join token; throws JoinTokenFormatError with a message a person can act on. */
export function decodeJoinToken(token: string): JoinTokenPayload {
  const t = typeof token === 'string' ? token.trim() : '';
  if (!t.startsWith(JOIN_TOKEN_PREFIX)) {
    const version = /^lp(\d+)_/.exec(t)?.[1];
    throw new JoinTokenFormatError(
      version
        ? `This join token has format lp${version}_, which this Launchpad does not read (it reads ${JOIN_TOKEN_PREFIX}); use the same Launchpad version on the hub and the host`
        : `This is not a Launchpad join token: a join token starts with ${JOIN_TOKEN_PREFIX}`,
    );
  }
  const body = t.slice(JOIN_TOKEN_PREFIX.length);
  if (body === '' || !/^[A-Za-z0-9_-]+$/.test(body)) {
    throw new JoinTokenFormatError(
      'The join token is damaged: after lp1_ it may contain only letters, digits, - and _ (was it cut or wrapped when copied?)',
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    // JSON.parse's message would quote the decoded bytes, which include the secret.
    throw new JoinTokenFormatError('The join token is damaged: it does not decode (was it cut when copied?)');
  }
  const parsed = joinTokenPayloadSchema.safeParse(json);
  if (!parsed.success) {
    const field = parsed.error.issues[0]?.path.map(String).join('.') || 'its content';
    throw new JoinTokenFormatError(
      `The join token is damaged or from another program: ${field} is not valid`,
    );
  }
  return parsed.data;
}

/**
 * What lists show of a token: its first characters, exactly as the token starts (so a person can
 * match a listed token with the one they hold), covering the id and nothing of the secret.
 */
export function tokenPrefix(id: string): string {
  // base64url turns 3 bytes into 4 characters; only whole groups inside `{"id":"<id>` are fixed by the id.
  const head = Buffer.from(`{"id":"${id}`, 'utf8');
  const whole = head.length - (head.length % 3);
  return `${JOIN_TOKEN_PREFIX}${head.subarray(0, whole).toString('base64url')}…`;
}

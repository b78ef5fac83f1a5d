import { z } from 'zod';

/** Join tokens: `lp1_` + base64url(JSON of JoinTokenPayload). */
export const JOIN_TOKEN_PREFIX = 'lp1_';

/** What a join token carries: where the hub is, how to recognise it, and the one-time credential. */
export const joinTokenPayloadSchema = z
  .object({
    v: z.literal(1),
    /** Hub address as hosts reach it (public host). */
    host: z.string().min(1).max(253),
    httpsPort: z.number().int().min(1).max(65535),
    sshdPort: z.number().int().min(1).max(65535),
    /** SHA-256 (colon hex) of the hub's TLS pin: the local CA, or the leaf of a custom certificate. */
    tls: z.string().regex(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/),
    /** OpenSSH fingerprint (SHA256:…) of the hub's SSH host key. */
    ssh: z.string().startsWith('SHA256:'),
    /** Token id (public, listed by its prefix). */
    id: z.string().regex(/^[A-Za-z0-9_-]{8,32}$/),
    /** The secret; the hub stores only its hash. */
    secret: z.string().regex(/^[A-Za-z0-9_-]{32,128}$/),
  })
  .strict();
export type JoinTokenPayload = z.infer<typeof joinTokenPayloadSchema>;

export const createTokenRequestSchema = z
  .object({
    uses: z.number().int().min(1).max(1000).default(1),
    /** Lifetime in seconds: 1 minute to 30 days; 1 hour by default. */
    ttlSeconds: z
      .number()
      .int()
      .min(60)
      .max(30 * 24 * 3600)
      .default(3600),
    name: z.string().trim().max(64).optional(),
  })
  .strict();
export type CreateTokenRequest = z.input<typeof createTokenRequestSchema>;

export const tokenStateSchema = z.enum(['active', 'expired', 'used', 'revoked']);
export const tokenViewSchema = z.object({
  id: z.string(),
  /** What lists show of a token: never the secret. */
  prefix: z.string(),
  name: z.string().nullable(),
  createdAt: z.string(),
  expiresAt: z.string(),
  usesLeft: z.number(),
  lastUsedAt: z.string().nullable(),
  state: tokenStateSchema,
});
export type TokenView = z.infer<typeof tokenViewSchema>;

export const createTokenResponseSchema = z.object({
  /** The whole token: shown once, never again. */
  token: z.string(),
  /** What to run on the host. */
  command: z.string(),
  view: tokenViewSchema,
});
export type CreateTokenResponse = z.infer<typeof createTokenResponseSchema>;

const sshPublicKeySchema = z
  .string()
  .trim()
  .max(1024)
  .regex(/^ssh-ed25519 [A-Za-z0-9+/=]+( .*)?$/, 'must be an OpenSSH ed25519 public key');

/** POST /api/hosts/join (over HTTPS) and the pairing command's stdin (over SSH): the same document. */
export const joinRequestSchema = z
  .object({
    tokenId: z.string().regex(/^[A-Za-z0-9_-]{8,32}$/),
    secret: z.string().regex(/^[A-Za-z0-9_-]{32,128}$/),
    name: z.string().trim().min(1).max(64),
    platform: z.string().trim().max(64),
    agentVersion: z.string().trim().max(32),
    tunnelKey: sshPublicKeySchema,
    sftpKey: sshPublicKeySchema,
  })
  .strict();
export type JoinRequest = z.infer<typeof joinRequestSchema>;

export const joinResponseSchema = z.object({
  hostId: z.string(),
  /** Per-host credential for the host's later API calls (hashed on the hub). */
  credential: z.string(),
  /** Per-host secret the hub signs its requests to the host service with. */
  serviceSecret: z.string(),
  ports: z.object({ http: z.number(), ssh: z.number() }),
  sshd: z.object({ host: z.string(), port: z.number(), hostKey: z.string(), fingerprint: z.string() }),
  backup: z.object({ repoPath: z.string(), password: z.string() }),
  hub: z.object({ httpsPort: z.number(), tls: z.string(), ssh: z.string() }),
});
export type JoinResponse = z.infer<typeof joinResponseSchema>;

/** The id of the "this machine" row: the host inside the hub's own process (no tunnel, never removed). */
export const THIS_MACHINE_HOST_ID = 'this-machine';

export const hostStateSchema = z.enum(['online', 'offline', 'never-connected']);
export const hostViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  platform: z.string(),
  agentVersion: z.string(),
  /** The host that runs inside the hub's own process (no tunnel). */
  thisMachine: z.boolean(),
  ports: z.object({ http: z.number(), ssh: z.number() }).nullable(),
  state: hostStateSchema,
  since: z.string().nullable(),
  lastSeenAt: z.string().nullable(),
  rttMs: z.number().nullable(),
  lastError: z.string().nullable(),
  /** What the host's agent last reported about its own trouble (e.g. the SSH port unreachable). */
  agentError: z.object({ message: z.string(), at: z.string() }).nullable(),
  createdAt: z.string(),
});
export type HostView = z.infer<typeof hostViewSchema>;

/** GET /api/tokens */
export const tokenListResponseSchema = z.object({ tokens: z.array(tokenViewSchema) });
export type TokenListResponse = z.infer<typeof tokenListResponseSchema>;

/** GET /api/hosts */
export const hostListResponseSchema = z.object({ hosts: z.array(hostViewSchema) });
export type HostListResponse = z.infer<typeof hostListResponseSchema>;

/** GET /api/hosts/self (Authorization: Host <hostId>:<credential>) */
export const hostSelfResponseSchema = z.object({ host: hostViewSchema });
export type HostSelfResponse = z.infer<typeof hostSelfResponseSchema>;

/** POST /api/hosts/self/error (host credential): the agent's current trouble, or null when it is fine. */
export const agentErrorReportSchema = z
  .object({ error: z.string().trim().min(1).max(500).nullable() })
  .strict();
export type AgentErrorReport = z.infer<typeof agentErrorReportSchema>;

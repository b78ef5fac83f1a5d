import { type JoinRequest, type JoinResponse, joinRequestSchema } from '../api/index.js';
import { type Db, type EventsRepo, writeTransaction } from '../db/index.js';
import { fromZodError } from '../http/index.js';
import type { Logger } from '../log/index.js';
import { newSecret } from '../secrets/index.js';
import { fingerprintOfPublicKey, SshKeyExistsError, type SshKeysRepo } from '../sshd/index.js';
import { hashSecret, newHostId } from './credentials.js';
import { HostsError } from './errors.js';
import type { HostsRepo } from './hosts-repo.js';
import type { HubIdentity } from './hub-identity.js';
import { allocateHostPorts, type PortRange, PortsExhaustedError } from './port-allocator.js';
import { type RedemptionLimiter, redeemToken } from './redemption.js';
import { PAIRING_REFUSAL_GRACE_MS, pairingOwner } from './tokens.js';
import type { JoinTokensRepo } from './tokens-repo.js';

export interface JoinDeps {
  db: Db;
  tokens: JoinTokensRepo;
  hosts: HostsRepo;
  keys: SshKeysRepo;
  events: EventsRepo;
  hub: HubIdentity;
  tunnelRange: PortRange;
  /** The backup repository's password (secrets/backup-repo-password). */
  backupPassword(): string;
  limiter: RedemptionLimiter;
  /** Hosts and tokens changed (for the live UI). */
  changed(): void;
  logger: Logger;
  now(): number;
}

/** Where a join request came from. */
export interface JoinOrigin {
  /** Client address: counted by the rate limiter, recorded in the event. */
  address: string;
  via: 'https' | 'ssh';
  /** Over SSH: the owner of the pairing key that authenticated (`token:<id>`). */
  pairingKeyOwner?: string | null;
}

/**
 * Turns a join request (the same document over HTTPS and over the SSH pairing command) into a
 * host: checks and uses the token, assigns two tunnel ports, stores the host with a hashed
 * credential and a service secret, registers its tunnel and sftp keys — all in one write
 * transaction, so a failure at any step leaves the token unused and no port taken.
 */
export class JoinService {
  constructor(private readonly d: JoinDeps) {}

  join(raw: unknown, from: JoinOrigin): JoinResponse {
    // A blocked address or token id learns nothing more, not even whether its request is valid.
    const claimed = (raw as { tokenId?: unknown } | null | undefined)?.tokenId;
    const claimedId = typeof claimed === 'string' ? claimed.slice(0, 64) : undefined;
    this.d.limiter.check(from.address, claimedId);
    const req = this.validate(raw);
    try {
      if (from.via === 'ssh' && from.pairingKeyOwner !== pairingOwner(req.tokenId)) {
        throw new HostsError(
          403,
          'token_mismatch',
          'The SSH key used for pairing belongs to another join token than the request names',
          'tokenId',
        );
      }
      return this.admit(req, from);
    } catch (err) {
      if (err instanceof HostsError && (err.status === 401 || err.code === 'token_mismatch')) {
        this.d.limiter.fail(from.address, req.tokenId);
        this.d.logger.warn(
          { tokenId: req.tokenId, address: from.address, via: from.via, code: err.code },
          'join refused',
        );
      }
      throw err;
    }
  }

  private validate(raw: unknown): JoinRequest {
    const parsed = joinRequestSchema.safeParse(raw ?? {});
    if (!parsed.success) {
      const e = fromZodError(parsed.error);
      throw new HostsError(400, 'invalid_request', e.message, e.field);
    }
    const req = parsed.data;
    for (const field of ['tunnelKey', 'sftpKey'] as const) {
      try {
        fingerprintOfPublicKey(req[field]);
      } catch (err) {
        throw new HostsError(400, 'invalid_request', `${field}: ${(err as Error).message}`, field);
      }
    }
    if (fingerprintOfPublicKey(req.tunnelKey) === fingerprintOfPublicKey(req.sftpKey)) {
      throw new HostsError(400, 'invalid_request', 'sftpKey: must be another key than tunnelKey', 'sftpKey');
    }
    return req;
  }

  private admit(req: JoinRequest, from: JoinOrigin): JoinResponse {
    const now = this.d.now();
    const hostId = newHostId();
    const credential = newSecret(32);
    const serviceSecret = newSecret(32);
    const backupPassword = this.d.backupPassword();
    const { ports, token } = writeTransaction(this.d.db, () => {
      const token = redeemToken(this.d.db, this.d.tokens, req.tokenId, req.secret, now);
      this.d.hosts.insert({
        id: hostId,
        name: req.name,
        platform: req.platform,
        agentVersion: req.agentVersion,
        credentialHash: hashSecret(credential),
        serviceSecret,
        createdAt: now,
        tokenId: token.id,
      });
      let ports: { http: number; ssh: number };
      try {
        ports = allocateHostPorts(this.d.db, hostId, this.d.tunnelRange);
      } catch (err) {
        if (err instanceof PortsExhaustedError) throw new HostsError(409, 'ports_exhausted', err.message);
        throw err;
      }
      this.addKey(req.tunnelKey, 'tunnelKey', { role: 'tunnel', owner: hostId, allowedPorts: ports, now });
      this.addKey(req.sftpKey, 'sftpKey', { role: 'sftp', owner: hostId, now });
      // A used-up token's pairing key goes a grace period later: until then a second join over SSH
      // reaches the pairing command and hears "token_used" instead of a bare SSH refusal.
      if (token.usesLeft === 0 && token.pairingFingerprint)
        this.d.keys.expireBy(token.pairingFingerprint, now + PAIRING_REFUSAL_GRACE_MS);
      this.d.events.record(
        'host.joined',
        hostId,
        { name: req.name, tokenId: token.id, via: from.via, address: from.address, ports },
        now,
      );
      return { ports, token };
    });
    this.d.logger.info(
      { hostId, name: req.name, tokenId: token.id, via: from.via, address: from.address, ports },
      'host joined',
    );
    this.d.changed();
    const h = this.d.hub;
    return {
      hostId,
      credential,
      serviceSecret,
      ports,
      sshd: { host: h.publicHost, port: h.sshdPort, hostKey: h.sshHostKey, fingerprint: h.sshFingerprint },
      // The SFTP jail's root is the backup repository itself.
      backup: { repoPath: '/', password: backupPassword },
      hub: { httpsPort: h.httpsPort, tls: h.tlsPin, ssh: h.sshFingerprint },
    };
  }

  private addKey(
    publicKey: string,
    field: 'tunnelKey' | 'sftpKey',
    k: Omit<Parameters<SshKeysRepo['add']>[0], 'publicKey'>,
  ): void {
    try {
      this.d.keys.add({ publicKey, ...k });
    } catch (err) {
      if (err instanceof SshKeyExistsError) {
        throw new HostsError(
          409,
          'key_registered',
          `${field}: this key is already registered with the hub (keys are never reused: generate new ones for a new join)`,
          field,
        );
      }
      throw err;
    }
  }
}

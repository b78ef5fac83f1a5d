/**
 * The hosts capability's public surface: join tokens, joining (HTTPS and SSH pairing), port
 * allocation, the host registry and tunnel state on the hub; plus what the host agent shares
 * with the hub (the token codec, the pairing key, service request signatures).
 *
 * Wiring it into the hub (server/hub/start.ts):
 *
 *   const hosts = new HubHosts({ db, logger, version, startedAt, launchpad: { identity, tunnelRange, backupPasswordFile } | null });
 *   const sshd = await startSshd({ …, pairingHandler: hosts.pairingHandler });
 *   hosts.attachSshd(sshd);                        // online/offline and RTT probes
 *   buildApp({ hub: { …, hosts } });               // SSE 'hosts' events, host credentials
 *   registerHostRoutes(app, hosts);                // /api/tokens, /api/hosts…
 *   hosts.stop();                                  // at hub stop
 */

export { openSshPrivateKey, openSshPublicKey } from '../sshd/index.js';
export { newHostId, newTokenId } from './credentials.js';
export { HostsError, type HostsErrorCode } from './errors.js';
export { type ProbeResult, probeHealth } from './health-probe.js';
export { type HostRecord, HostsRepo } from './hosts-repo.js';
export {
  type HostsSnapshot,
  HubHosts,
  type HubHostsOptions,
  type JoinedHostTarget,
} from './hub-hosts.js';
export { type HubIdentity, tlsPinOf } from './hub-identity.js';
export { type JoinOrigin, JoinService } from './join.js';
export { derivePairingKey } from './pairing-key.js';
export {
  allHostPorts,
  allocateHostPorts,
  freeHostPorts,
  type PortRange,
  PortsExhaustedError,
} from './port-allocator.js';
export {
  DEFAULT_REDEMPTION_LIMITS,
  RedemptionLimiter,
  type RedemptionLimits,
  redeemToken,
} from './redemption.js';
export { registerHostRoutes } from './routes.js';
export {
  callHostService,
  type ServiceEndpoint,
  type ServiceReply,
  type StreamOptions,
  type StreamReply,
  serviceErrorMessage,
  streamHostService,
} from './service-client.js';
export {
  SIGNATURE_HEADER,
  SIGNATURE_MAX_AGE_MS,
  type SignatureCheck,
  SignatureVerifier,
  type SignedIdentity,
  signServiceRequest,
} from './service-signature.js';
export { type SpliceSniff, sniffSplice, splicePreamble } from './splice-preamble.js';
export { decodeJoinToken, encodeJoinToken, JoinTokenFormatError, tokenPrefix } from './token-codec.js';
export { pairingOwner, TokenService, tokenState, tokenView } from './tokens.js';
export { type JoinTokenRecord, JoinTokensRepo } from './tokens-repo.js';

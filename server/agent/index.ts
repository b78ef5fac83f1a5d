// The host side of Launchpad: joining a hub, the tunnel to it, the host service.
export { Backoff } from './backoff.js';
export { type HostBackupControl, isBackupPath } from './backup-control.js';
export {
  AgentUsageError,
  HOST_REMOVED_MESSAGE,
  HostRemovedError,
  HubUnreachableError,
  JoinRefusedError,
  PinMismatchError,
} from './errors.js';
export {
  DEFAULT_SERVICE_PORT,
  type HostRuntime,
  type HostService,
  startHostService,
} from './host-service.js';
export {
  assertJoinableDataDir,
  type Joined,
  type JoinOptions,
  type JoinTransport,
  joinHub,
  readJoinToken,
} from './join.js';
export { type AgentOptions, type RunningAgent, runAgent } from './run.js';
export { assertServicePortFree, resolveServicePort, SERVICE_PORT_ENV } from './service-port.js';
export { type AgentState, agentPaths, isJoined, loadAgentState } from './state.js';
export { SSH_NOT_ENABLED_BANNER, Tunnel, type TunnelState } from './tunnel.js';

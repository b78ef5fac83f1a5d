/**
 * A problem with how the agent was started — a malformed token, a data dir that is already a hub
 * or already joined, a bad service port. The CLI prints the message and exits with code 2.
 */
export class AgentUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AgentUsageError';
  }
}

/**
 * The hub did not prove it is the hub the token names: nothing secret was sent. Exit 1.
 */
export class PinMismatchError extends Error {
  constructor(what: 'TLS' | 'SSH host key') {
    super(`this token is for another hub (${what} fingerprint mismatch); the secret was not sent`);
    this.name = 'PinMismatchError';
  }
}

/** The hub answered the join and said no; `code` is the hub's error code (e.g. token_used). Exit 1. */
export class JoinRefusedError extends Error {
  constructor(
    readonly code: string,
    reason: string,
  ) {
    super(`the hub refused the join (${code}): ${reason}`);
    this.name = 'JoinRefusedError';
  }
}

/** The hub could not be reached or answered something that is not a Launchpad hub's answer. Exit 1. */
export class HubUnreachableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HubUnreachableError';
  }
}

export const HOST_REMOVED_MESSAGE = 'this host was removed from the hub; join again with a new token';

/** The hub no longer knows this host: the agent stops for good. Exit 1. */
export class HostRemovedError extends Error {
  constructor() {
    super(HOST_REMOVED_MESSAGE);
    this.name = 'HostRemovedError';
  }
}

import { ApiError } from '../http/index.js';
import { PairingError, type PairingHandler } from '../sshd/index.js';
import type { JoinService } from './join.js';

/**
 * The SSH pairing command (`ssh -i <pairing key> -p <sshd port> lp@hub join < request.json`):
 * the same join request and response as `POST /api/hosts/join`. The sshd authenticated the
 * derived pairing key, whose owner (`token:<id>`) must be the token the request names. A
 * refusal reaches the client as `{"error": "<code>: <message>"}` with exit status 1.
 */
export function createPairingHandler(join: JoinService): PairingHandler {
  return async (request, ctx) => {
    try {
      return join.join(request, { address: ctx.remoteAddress, via: 'ssh', pairingKeyOwner: ctx.owner });
    } catch (err) {
      if (err instanceof ApiError) throw new PairingError(`${err.code}: ${err.message}`);
      throw err;
    }
  };
}

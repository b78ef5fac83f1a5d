import type { ConnectConfig } from 'ssh2';

/**
 * ssh2 options that accept the server only if its host key has the OpenSSH fingerprint `pin`
 * (`SHA256:<unpadded base64>`). ssh2 hands the verifier the hex SHA-256 of the key blob; the
 * same digest OpenSSH prints, in another encoding. `onMismatch` lets the caller tell a wrong
 * hub apart from other handshake failures.
 */
export function pinnedHostKey(
  pin: string,
  onMismatch: () => void,
): Pick<ConnectConfig, 'hostHash' | 'hostVerifier'> {
  return {
    hostHash: 'sha256',
    hostVerifier: (hexDigest: string) => {
      const seen = `SHA256:${Buffer.from(hexDigest, 'hex').toString('base64').replace(/=+$/, '')}`;
      if (seen === pin) return true;
      onMismatch();
      return false;
    },
  };
}

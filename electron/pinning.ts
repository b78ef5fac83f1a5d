import type { Session } from 'electron';
import {
  CERTIFICATE_VERIFY_RESULT,
  decideCertificate,
  decidePermission,
  type PinnedHub,
} from '../server/desktop/index.js';

/**
 * Trusts the hub's own leaf certificate for the hub's origin (and only there), and grants
 * the hub's pages just the permissions decidePermission allows. `pin` is read on every
 * check, so a restarted hub (new port or renewed certificate) is pinned at once.
 */
export function pinHub(session: Session, pin: () => PinnedHub | null): void {
  session.setCertificateVerifyProc((request, callback) => {
    const hub = pin();
    if (hub === null) {
      callback(CERTIFICATE_VERIFY_RESULT.default);
      return;
    }
    const decision = decideCertificate(
      { hostname: request.hostname, certificateFingerprint: request.certificate.fingerprint },
      hub,
    );
    callback(CERTIFICATE_VERIFY_RESULT[decision]);
  });
  session.setPermissionRequestHandler((_contents, permission, callback, details) => {
    const hub = pin();
    callback(hub !== null && decidePermission(permission, details.requestingUrl, hub.origin));
  });
  session.setPermissionCheckHandler((_contents, permission, requestingOrigin) => {
    const hub = pin();
    return hub !== null && decidePermission(permission, requestingOrigin, hub.origin);
  });
}

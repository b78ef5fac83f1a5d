export { loadCustomTls } from './custom.js';
export { ensureLocalTls, type LocalTls, RENEW_BEFORE_DAYS } from './local.js';
export type { TlsMaterial } from './material.js';
export { fingerprintOfPem } from './pem.js';
export { desiredSans } from './sans.js';

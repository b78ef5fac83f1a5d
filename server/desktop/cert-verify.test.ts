import { createHash, randomBytes, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureLocalTls } from '../tls/index.js';
import { CERTIFICATE_VERIFY_RESULT, decideCertificate, type PinnedHub } from './cert-verify.js';
import { normalizeSha256Fingerprint } from './fingerprint.js';

/** What Electron puts in `request.certificate.fingerprint`: SHA-256 of the DER certificate, base64. */
function electronFingerprint(certPem: string): string {
  const der = new X509Certificate(certPem).raw;
  return `sha256/${createHash('sha256').update(der).digest('base64')}`;
}

function colonHex(bytes: Buffer): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join(':');
}

let root: string;
let hub: PinnedHub;
let hubLeafElectron: string;
let otherLeafElectron: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'launchpad-cert-verify-'));
  const tls = await ensureLocalTls({ dir: join(root, 'hub', 'tls'), publicHost: '192.168.1.20' });
  const other = await ensureLocalTls({ dir: join(root, 'other', 'tls'), publicHost: '192.168.1.20' });
  hub = { origin: 'https://127.0.0.1:9200', leafFingerprint: tls.leafFingerprint };
  hubLeafElectron = electronFingerprint(tls.certPem);
  otherLeafElectron = electronFingerprint(other.certPem);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('decideCertificate', () => {
  it('accepts exactly the hub leaf for the hub origin (Electron form against the hub’s colon-hex pin)', () => {
    expect(decideCertificate({ hostname: '127.0.0.1', certificateFingerprint: hubLeafElectron }, hub)).toBe(
      'accept',
    );
    expect(
      decideCertificate({ hostname: '127.0.0.1', port: 9200, certificateFingerprint: hubLeafElectron }, hub),
    ).toBe('accept');
  });

  it('accepts the hub leaf given in Node’s colon-hex form too', () => {
    expect(
      decideCertificate({ hostname: '127.0.0.1', certificateFingerprint: hub.leafFingerprint }, hub),
    ).toBe('accept');
  });

  it('rejects a different certificate for the hub origin', () => {
    expect(decideCertificate({ hostname: '127.0.0.1', certificateFingerprint: otherLeafElectron }, hub)).toBe(
      'reject',
    );
    expect(
      decideCertificate(
        { hostname: '127.0.0.1', port: 9200, certificateFingerprint: otherLeafElectron },
        hub,
      ),
    ).toBe('reject');
  });

  it('rejects a malformed fingerprint for the hub origin instead of comparing garbage', () => {
    for (const certificateFingerprint of ['', 'sha256/', 'sha1/abc', 'not a fingerprint', 'AB:CD']) {
      expect(decideCertificate({ hostname: '127.0.0.1', certificateFingerprint }, hub)).toBe('reject');
    }
  });

  it('rejects everything for the hub origin when the pin itself is unusable', () => {
    const broken = { ...hub, leafFingerprint: 'garbage' };
    expect(decideCertificate({ hostname: '127.0.0.1', certificateFingerprint: 'garbage' }, broken)).toBe(
      'reject',
    );
  });

  it('defers other hosts to Chromium, even when they present the hub’s own certificate', () => {
    for (const hostname of ['localhost', '192.168.1.20', 'example.com', '127.0.0.2', '::1']) {
      expect(decideCertificate({ hostname, certificateFingerprint: hubLeafElectron }, hub)).toBe('default');
      expect(decideCertificate({ hostname, certificateFingerprint: otherLeafElectron }, hub)).toBe('default');
    }
  });

  it('defers another port of the hub host when the port is known', () => {
    expect(
      decideCertificate(
        { hostname: '127.0.0.1', port: 9201, certificateFingerprint: otherLeafElectron },
        hub,
      ),
    ).toBe('default');
    expect(
      decideCertificate({ hostname: '127.0.0.1', port: 443, certificateFingerprint: hubLeafElectron }, hub),
    ).toBe('default');
  });

  it('matches hosts without regard to case or IPv6 brackets', () => {
    const v6 = { origin: 'https://[::1]:9300', leafFingerprint: hub.leafFingerprint };
    expect(decideCertificate({ hostname: '::1', certificateFingerprint: hubLeafElectron }, v6)).toBe(
      'accept',
    );
    expect(decideCertificate({ hostname: '[::1]', certificateFingerprint: otherLeafElectron }, v6)).toBe(
      'reject',
    );
    const named = { origin: 'https://Hub.Example.LAN:9200', leafFingerprint: hub.leafFingerprint };
    expect(
      decideCertificate({ hostname: 'HUB.example.lan', certificateFingerprint: hubLeafElectron }, named),
    ).toBe('accept');
  });

  it('uses the default https port when the hub origin has none', () => {
    const on443 = { origin: 'https://127.0.0.1', leafFingerprint: hub.leafFingerprint };
    expect(
      decideCertificate({ hostname: '127.0.0.1', port: 443, certificateFingerprint: hubLeafElectron }, on443),
    ).toBe('accept');
  });

  it('maps decisions to the callback codes Electron expects', () => {
    expect(CERTIFICATE_VERIFY_RESULT).toEqual({ accept: 0, reject: -2, default: -3 });
  });
});

describe('normalizeSha256Fingerprint', () => {
  const bytes = randomBytes(32);
  const hex = bytes.toString('hex');

  it('gives the same value for the Electron, colon-hex and plain-hex forms', () => {
    expect(normalizeSha256Fingerprint(`sha256/${bytes.toString('base64')}`)).toBe(hex);
    expect(normalizeSha256Fingerprint(colonHex(bytes))).toBe(hex);
    expect(normalizeSha256Fingerprint(colonHex(bytes).toLowerCase())).toBe(hex);
    expect(normalizeSha256Fingerprint(hex.toUpperCase())).toBe(hex);
    expect(normalizeSha256Fingerprint(`  ${colonHex(bytes)}\n`)).toBe(hex);
  });

  it('refuses values that are not a whole SHA-256', () => {
    expect(normalizeSha256Fingerprint(`sha256/${randomBytes(20).toString('base64')}`)).toBeNull();
    expect(normalizeSha256Fingerprint(`sha1/${bytes.toString('base64')}`)).toBeNull();
    expect(normalizeSha256Fingerprint(colonHex(bytes).slice(3))).toBeNull();
    expect(normalizeSha256Fingerprint(`${hex}00`)).toBeNull();
    expect(normalizeSha256Fingerprint(hex.replace(/^../, 'zz'))).toBeNull();
    expect(normalizeSha256Fingerprint(`${hex.slice(0, 2)}:${hex.slice(2)}`)).toBeNull();
  });
});

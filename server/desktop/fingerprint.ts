const ELECTRON_FORM = /^sha256\/([A-Za-z0-9+/]{43}=)$/;
const COLON_HEX_FORM = /^([0-9a-f]{2}:){31}[0-9a-f]{2}$/i;
const PLAIN_HEX_FORM = /^[0-9a-f]{64}$/i;

/**
 * A SHA-256 certificate fingerprint as lowercase hex without separators, from either form
 * we meet: Node's `AB:CD:…` (what the hub reports) or Electron's `sha256/<base64>` (what
 * `request.certificate.fingerprint` gives); plain hex is accepted too. Null for anything
 * that is not 32 bytes of SHA-256, so a malformed value never equals a pin.
 */
export function normalizeSha256Fingerprint(value: string): string | null {
  const text = value.trim();
  const electron = ELECTRON_FORM.exec(text);
  if (electron?.[1]) return Buffer.from(electron[1], 'base64').toString('hex');
  if (COLON_HEX_FORM.test(text)) return text.replace(/:/g, '').toLowerCase();
  if (PLAIN_HEX_FORM.test(text)) return text.toLowerCase();
  return null;
}

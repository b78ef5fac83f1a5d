import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SignatureVerifier } from './service-signature.js';
import { sniffSplice, splicePreamble } from './splice-preamble.js';

const SECRET = 'per-host-service-secret';
const id = randomUUID();
const request = Buffer.from('GET /x HTTP/1.1\r\nhost: h\r\n\r\n');

describe('the splice line', () => {
  it('verifies, names the project and hands back what follows it', () => {
    const sniff = sniffSplice(
      Buffer.concat([splicePreamble(SECRET, id), request]),
      new SignatureVerifier(SECRET),
    );
    expect(sniff).toEqual({ kind: 'splice', projectId: id, rest: request });
  });

  it('tells plain HTTP apart from the first byte, and waits on a prefix of the line', () => {
    const verifier = new SignatureVerifier(SECRET);
    expect(sniffSplice(request.subarray(0, 1), verifier)).toEqual({ kind: 'http' });
    expect(sniffSplice(Buffer.from('LPSPL'), verifier)).toEqual({ kind: 'more' });
    const line = splicePreamble(SECRET, id);
    expect(sniffSplice(line.subarray(0, line.length - 1), verifier)).toEqual({ kind: 'more' });
  });

  it('refuses a line signed with another secret, a replayed one, an old one and garbage', () => {
    const verifier = new SignatureVerifier(SECRET);
    expect(sniffSplice(splicePreamble('another-secret', id), verifier)).toEqual({
      kind: 'refused',
      reason: 'bad-signature',
    });
    const line = splicePreamble(SECRET, id);
    expect(sniffSplice(line, verifier).kind).toBe('splice');
    expect(sniffSplice(line, verifier)).toEqual({ kind: 'refused', reason: 'replayed' });
    expect(sniffSplice(splicePreamble(SECRET, id, Date.now() - 120_000), verifier)).toEqual({
      kind: 'refused',
      reason: 'expired',
    });
    expect(sniffSplice(Buffer.from(`LPSPLICE1 ${'x'.repeat(600)}`), verifier)).toEqual({
      kind: 'refused',
      reason: 'malformed',
    });
    expect(sniffSplice(Buffer.from('LPSPLICE1 not-a-project sig\r\n'), verifier)).toEqual({
      kind: 'refused',
      reason: 'malformed',
    });
  });

  it('refuses a line whose signature was made for another project', () => {
    const other = randomUUID();
    const forged = splicePreamble(SECRET, other).toString('latin1').replace(other, id);
    expect(sniffSplice(Buffer.from(forged, 'latin1'), new SignatureVerifier(SECRET))).toEqual({
      kind: 'refused',
      reason: 'bad-signature',
    });
  });
});

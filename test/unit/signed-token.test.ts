import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keyRingFromSecret } from '../../src/adapters/secrets';
import { checkKeyRing, signToken, verifyToken, type KeyRing } from '../../src/domain/consent/signed-token';
import { webhookSecret } from '../../src/domain/handoff/webhooks';

const ring: KeyRing = { current: 'k2', keys: { k1: 'an-older-key-that-still-verifies-0001', k2: 'the-current-signing-key-of-32-bytes!!' } };
const now = 1_795_000_000;

describe('signed tokens', () => {
  it('round-trips the claims and never carries the email', () => {
    const token = signToken(ring, 'unsubscribe', { leadId: 'lead-1', subscription: 'newsletter' });
    expect(token).toMatch(/^v1\.k2\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(verifyToken(ring, 'unsubscribe', token, now)).toEqual({ valid: true, claims: { leadId: 'lead-1', subscription: 'newsletter' } });
  });

  it('verifies tokens signed with an older key after rotation, and signs new ones with the current key', () => {
    const old = signToken({ ...ring, current: 'k1' }, 'preferences', { leadId: 'lead-1' });
    expect(verifyToken(ring, 'preferences', old, now).valid).toBe(true);
    expect(verifyToken({ current: 'k2', keys: { k2: ring.keys.k2 ?? '' } }, 'preferences', old, now)).toEqual({ valid: false, reason: 'unknown-key' });
  });

  it('refuses a token made for another purpose', () => {
    const token = signToken(ring, 'preferences', { leadId: 'lead-1' });
    expect(verifyToken(ring, 'confirmation', token, now)).toEqual({ valid: false, reason: 'bad-signature' });
  });

  it('refuses an expired confirmation link, accepts it before', () => {
    const token = signToken(ring, 'confirmation', { leadId: 'lead-1', subscription: 'offers', expiresAt: now + 60 });
    expect(verifyToken(ring, 'confirmation', token, now).valid).toBe(true);
    expect(verifyToken(ring, 'confirmation', token, now + 60)).toEqual({ valid: false, reason: 'expired' });
  });

  it('refuses a token signed with a key it does not have (a wrong key with the same id)', () => {
    const forged = signToken({ current: 'k2', keys: { k2: 'someone-else-s-secret-of-32-bytes!!!' } }, 'unsubscribe', { leadId: 'lead-1' });
    expect(verifyToken(ring, 'unsubscribe', forged, now)).toEqual({ valid: false, reason: 'bad-signature' });
  });

  it('refuses any tampering with payload or signature', () => {
    const token = signToken(ring, 'unsubscribe', { leadId: 'lead-1' });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: token.length - 1 }), fc.constantFrom(...'ABCxyz019-_.'), (index, replacement) => {
        const tampered = token.slice(0, index) + replacement + token.slice(index + 1);
        fc.pre(tampered !== token);
        expect(verifyToken(ring, 'unsubscribe', tampered, now).valid).toBe(false);
      }),
    );
    const [version, kid, , signature] = token.split('.');
    const otherLead = Buffer.from(JSON.stringify({ leadId: 'lead-2' })).toString('base64url');
    expect(verifyToken(ring, 'unsubscribe', [version, kid, otherLead, signature].join('.'), now)).toEqual({ valid: false, reason: 'bad-signature' });
  });

  it('never throws on junk', () => {
    fc.assert(
      fc.property(fc.string(), (junk) => {
        expect(verifyToken(ring, 'unsubscribe', junk, now).valid).toBe(false);
      }),
    );
  });

  it('finds only keys the ring has: a key id naming an Object.prototype member is unknown, never a crash', () => {
    const payload = Buffer.from(JSON.stringify({ leadId: 'lead-1' })).toString('base64url');
    for (const kid of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
      expect(verifyToken(ring, 'preferences', `v1.${kid}.${payload}.AAAA`, now), kid).toEqual({ valid: false, reason: 'unknown-key' });
      expect(() => webhookSecret(ring, { kid, nonce: 'n' }, 'crm'), kid).toThrow(/no longer in the key ring/);
    }
    expect(() => checkKeyRing({ current: 'constructor', keys: ring.keys })).toThrow(/no key constructor/);
    expect(() => keyRingFromSecret(JSON.stringify({ current: 'toString', k1: ring.keys.k1 }))).toThrow(/no key toString/);
  });

  it('reads the ring from its secret without ever quoting the secret in an error', () => {
    expect(keyRingFromSecret(JSON.stringify({ current: 'k2', ...ring.keys }))).toEqual(ring);
    const garbled = `{"current":"k1","k1":"${'s3cr3t'.repeat(6)}"`;
    expect(() => keyRingFromSecret(garbled)).toThrow('Signing-key secret is not JSON');
    expect(() => keyRingFromSecret('"just text"')).toThrow('not a JSON object');
  });

  it('refuses weak or inconsistent key rings', () => {
    expect(() => checkKeyRing({ current: 'k9', keys: ring.keys })).toThrow(/no key k9/);
    expect(() => checkKeyRing({ current: 'k1', keys: { k1: 'short' } })).toThrow(/shorter than 32 bytes/);
    expect(checkKeyRing(ring)).toBe(ring);
  });
});

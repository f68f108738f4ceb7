import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { deliveryFacts, signatureProblem, staleProblem } from '../../src/domain/chat/signatures';
import { newStandardSecret, openSecret, sealSecret, verifyingSecrets, type ChatSource } from '../../src/domain/chat/sources';

/**
 * Signatures made the way each tool's documentation shows a receiver checking them (Intercom's
 * X-Hub-Signature, tawk.to's X-Tawk-Signature, both HMAC-SHA1 hex of the raw body) and, for a generic
 * source, by the `standardwebhooks` library a sender would use: none of leadflow's signing code.
 */
const body = JSON.stringify({ event: 'chat:start', chatId: 'c-1', time: '2026-11-30T10:00:00.000Z' });
const sha1 = (secret: string, text: string) => createHmac('sha1', secret).update(text).digest('hex');
const ring = { current: 'k2', keys: { k1: 'an-old-signing-key-of-at-least-32-bytes-01', k2: 'a-new-signing-key-of-at-least-32-bytes-0002' } };

describe('signatures', () => {
  it('Intercom: sha1=<hex> of the body under the client secret; anything else names the header', () => {
    expect(signatureProblem('intercom', ['client-secret'], { 'x-hub-signature': `sha1=${sha1('client-secret', body)}` }, body)).toBeUndefined();
    expect(signatureProblem('intercom', ['client-secret'], { 'x-hub-signature': sha1('client-secret', body) }, body)).toMatchObject({ field: 'x-hub-signature' });
    expect(signatureProblem('intercom', ['client-secret'], {}, body)).toEqual({ field: 'x-hub-signature', message: 'is missing: the call is not signed' });
    expect(signatureProblem('intercom', ['client-secret'], { 'x-hub-signature': `sha1=${sha1('client-secret', body)}` }, `${body} `)).toMatchObject({ field: 'x-hub-signature' });
  });

  it('tawk.to: <hex> of the body under the webhook secret key', () => {
    expect(signatureProblem('tawkto', ['tawk-secret'], { 'x-tawk-signature': sha1('tawk-secret', body) }, body)).toBeUndefined();
    expect(signatureProblem('tawkto', ['other-secret'], { 'x-tawk-signature': sha1('tawk-secret', body) }, body)).toMatchObject({ field: 'x-tawk-signature', message: expect.stringMatching(/does not match/) });
  });

  it('generic: a Standard Webhooks signature made by the stock library verifies; a changed id, time or body does not', () => {
    const secret = newStandardSecret();
    const sentAt = new Date('2026-11-30T10:00:00Z');
    const signature = new Webhook(secret).sign('msg_1', sentAt, body);
    const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': String(sentAt.getTime() / 1000), 'webhook-signature': signature };
    expect(signatureProblem('generic', [secret], headers, body)).toBeUndefined();
    expect(signatureProblem('generic', [secret], { ...headers, 'webhook-id': 'msg_2' }, body)).toMatchObject({ field: 'webhook-signature' });
    expect(signatureProblem('generic', [secret], { ...headers, 'webhook-timestamp': String(sentAt.getTime() / 1000 + 1) }, body)).toMatchObject({ field: 'webhook-signature' });
    expect(signatureProblem('generic', [secret], headers, body.replace('c-1', 'c-2'))).toMatchObject({ field: 'webhook-signature' });
    expect(signatureProblem('generic', [secret], { ...headers, 'webhook-timestamp': 'soon' }, body)).toEqual({ field: 'webhook-timestamp', message: 'must be Unix seconds' });
    expect(signatureProblem('generic', [secret], { 'webhook-signature': signature }, body)).toMatchObject({ field: 'webhook-id', message: expect.stringMatching(/missing/) });
    // A sender mid-rotation signs with both secrets; either one the source holds verifies.
    expect(signatureProblem('generic', [secret], { ...headers, 'webhook-signature': `v1,AAAA ${signature}` }, body)).toBeUndefined();
  });
});

describe('replays', () => {
  const now = Date.parse('2026-11-30T10:00:00Z');
  const generic = (secondsAgo: number) => deliveryFacts('generic', { 'webhook-id': 'msg_1', 'webhook-timestamp': String(now / 1000 - secondsAgo) }, {}, body);

  it('a Standard Webhooks delivery is good for 5 minutes either way, keyed by its webhook-id', () => {
    expect(generic(0).deliveryKey).toBe('id:msg_1');
    expect(staleProblem('generic', generic(299), now)).toBeUndefined();
    expect(staleProblem('generic', generic(301), now)).toEqual({ field: 'webhook-timestamp', message: 'is older than 5 minutes: a replayed or long-delayed delivery' });
    expect(staleProblem('generic', generic(-301), now)).toMatchObject({ field: 'webhook-timestamp', message: expect.stringMatching(/future/) });
  });

  it("a tool that signs only its body is dated by the body and held to its own retry period, so its retries are not refused", () => {
    const tawk = (time: string) => deliveryFacts('tawkto', {}, { time }, JSON.stringify({ time }));
    expect(staleProblem('tawkto', tawk('2026-11-30T00:00:00Z'), now)).toBeUndefined();
    expect(staleProblem('tawkto', tawk('2026-11-29T20:00:00Z'), now)).toMatchObject({ field: 'time' });
    expect(staleProblem('tawkto', deliveryFacts('tawkto', {}, {}, '{}'), now)).toMatchObject({ field: 'time', message: expect.stringMatching(/missing/) });
    const intercom = deliveryFacts('intercom', {}, { id: 'notif_1', created_at: now / 1000 - 3600 }, '{}');
    expect(intercom.deliveryKey).toBe('id:notif_1');
    expect(staleProblem('intercom', intercom, now)).toBeUndefined();
    expect(staleProblem('intercom', deliveryFacts('intercom', {}, { id: 'notif_1', created_at: now / 1000 - 3 * 3600 }, '{}'), now)).toMatchObject({ field: 'created_at' });
  });

  it("tawk.to's unsigned event-id header never keys a delivery: the signed body's hash does", () => {
    const first = deliveryFacts('tawkto', { 'x-hook-event-id': 'a' }, {}, body);
    expect(deliveryFacts('tawkto', { 'x-hook-event-id': 'b' }, {}, body).deliveryKey).toBe(first.deliveryKey);
    expect(deliveryFacts('tawkto', {}, {}, `${body} `).deliveryKey).not.toBe(first.deliveryKey);
  });
});

describe('sealed secrets', () => {
  const source = (sealed: ChatSource['secret'], previous?: ChatSource['previousSecret']): ChatSource => ({ id: 'ic', kind: 'intercom', createdAt: '2026-11-30T00:00:00Z', secret: sealed, ...(previous ? { previousSecret: previous } : {}) });

  it('open only for their own source, under a key of the ring, and hold no clear text', () => {
    const sealed = sealSecret(ring, 'ic', 'client-secret');
    expect(JSON.stringify(sealed)).not.toContain('client-secret');
    expect(sealed.kid).toBe('k2');
    expect(openSecret(ring, 'ic', sealed)).toBe('client-secret');
    expect(() => openSecret(ring, 'other-source', sealed)).toThrow();
    expect(() => openSecret(ring, 'ic', { ...sealed, data: sealed.data.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')) })).toThrow();
    // A ring rotated on (k3 current, k2 kept) still opens secrets sealed under k2.
    expect(openSecret({ current: 'k3', keys: { ...ring.keys, k3: 'a-third-signing-key-of-at-least-32-bytes' } }, 'ic', sealed)).toBe('client-secret');
  });

  it('a rotated-out secret verifies beside the new one until its overlap ends', () => {
    const now = new Date('2026-11-30T10:00:00Z');
    const rotated = source(sealSecret(ring, 'ic', 'new-secret'), { ...sealSecret(ring, 'ic', 'old-secret'), until: '2026-11-30T12:00:00.000Z' });
    expect(verifyingSecrets(ring, rotated, now)).toEqual(['new-secret', 'old-secret']);
    expect(verifyingSecrets(ring, rotated, new Date('2026-11-30T12:00:01Z'))).toEqual(['new-secret']);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { putEvents, toStoredEvents, type StoredEvent } from '../../src/adapters/lead-items';
import { storedRecent, storedThrough, watermarkOf } from '../../src/adapters/score-items';
import { requestFingerprint, scopedEventId, submissionIdFor } from '../../src/domain/idempotency';

/**
 * Events and the score's watermark are stored packed (src/adapters/packed-values.ts, lead-items.ts,
 * score-items.ts): whatever is packed, and whatever cannot be, must read back exactly as it was given.
 */

/** Times as the pipeline writes them; before 1970 and beyond the packed range they are kept as text. */
const time = fc.integer({ min: -(2 ** 42), max: 2 ** 47 + 2 ** 40 }).map((ms) => new Date(ms).toISOString());
/** Every shape of id events have: intake's, a form's (digest or UUID), a chat's, and any other text, long ones included. */
const eventId = fc.oneof(
  fc.string().map((clientId) => scopedEventId({ email: 'jane@example.com' }, clientId)),
  fc.uuid().map((uuid) => `sub_${uuid}`),
  fc.string().map((key) => submissionIdFor('demo', 'jane@example.com', key)),
  fc.string().map((key) => scopedEventId({ email: 'jane@example.com' }, key).replace('ev_', 'chat_')),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 120 }),
);

describe('packed items read back exactly', () => {
  it("the watermark: its `through` and its recent events, in order, whatever their ids and times", () => {
    fc.assert(
      fc.property(fc.oneof(fc.constant(''), time), fc.array(fc.record({ id: eventId, recordedAt: time }), { maxLength: 30 }), (through, recent) => {
        expect(watermarkOf({ through: storedThrough(through), recent: storedRecent(recent) })).toEqual({ through, recent });
      }),
      { numRuns: 500 },
    );
  });

  it('events recorded together: every attribute of each, the receipt time where it is not the recording time', () => {
    const event = fc.record(
      {
        id: eventId,
        clientId: fc.oneof(fc.uuid(), fc.uuid().map((uuid) => uuid.toUpperCase()), fc.string()),
        type: fc.string({ minLength: 1 }),
        occurredAt: fc.oneof(time, fc.string()),
        receivedAt: time,
        properties: fc.dictionary(fc.string(), fc.jsonValue()),
        requestHash: fc.oneof(fc.jsonValue().map((request) => requestFingerprint(request)), fc.string()),
      },
      { requiredKeys: ['id', 'type', 'occurredAt', 'receivedAt', 'properties'] },
    );
    fc.assert(
      fc.property(fc.uniqueArray(event, { minLength: 1, maxLength: 8, selector: (candidate) => candidate.id }), time, fc.boolean(), (events, recordedAt, receivedWhenRecorded) => {
        const recorded = events.map((candidate) => ({ ...candidate, recordedAt, ...(receivedWhenRecorded ? { receivedAt: recordedAt } : {}) }));
        const subject = { kind: 'lead', id: 'lead-1' } as const;
        const [put, ...others] = putEvents('leadflow', recorded, subject);
        expect(others).toEqual([]);
        const expected: StoredEvent[] = [...recorded].sort((a, b) => (a.id < b.id ? -1 : 1)).map((candidate) => ({ ...candidate, subject }));
        expect(toStoredEvents(put?.Put.Item ?? expect.fail('an item'))).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it("a client's UUID, as the tracking snippet makes them, in 16 bytes", () => {
    const clientId = '0f8e4a52-9c1d-4b7e-a3f6-2d5c8b9e1a70';
    const recordedAt = '2026-12-04T18:00:00.000Z';
    const [put] = putEvents('leadflow', [{ id: scopedEventId({ email: 'jane@example.com' }, clientId), clientId, type: 'page_view', occurredAt: recordedAt, receivedAt: recordedAt, recordedAt, properties: {} }], { kind: 'lead', id: 'lead-1' });
    const [stored] = (put?.Put.Item.ev ?? []) as { c?: unknown }[];
    expect(stored?.c).toEqual(new Uint8Array(Buffer.from(clientId.replaceAll('-', ''), 'hex')));
  });
});

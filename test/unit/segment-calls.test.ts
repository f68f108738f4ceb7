import { describe, expect, it } from 'vitest';
import { engagementOf, eventType, flatProperties, identifiedEmail, occurredAt, SegmentBatch, SegmentCall, visitorIdOf } from '../../src/domain/tracking/segment-calls';
import { Origin } from '../../src/domain/origin';
import { isKeyValid, originAllowed } from '../../src/domain/tracking/sources';

const received = new Date('2026-11-30T12:00:00.000Z');

describe('Segment calls', () => {
  it('corrects the browser clock as Segment does, never later than received nor before 2000', () => {
    // The browser runs an hour fast: the call happened 10 s before it was sent.
    expect(occurredAt({ timestamp: '2026-11-30T12:59:50.000Z', sentAt: '2026-11-30T13:00:00.000Z' }, undefined, received)).toBe('2026-11-30T11:59:50.000Z');
    expect(occurredAt({ timestamp: '2026-11-30T12:59:50.000Z' }, '2026-11-30T13:00:00.000Z', received)).toBe('2026-11-30T11:59:50.000Z');
    expect(occurredAt({ timestamp: '2026-11-30T13:30:00.000Z' }, undefined, received)).toBe(received.toISOString());
    expect(occurredAt({ timestamp: '1990-01-01T00:00:00.000Z' }, undefined, received)).toBe('2000-01-01T00:00:00.000Z');
    expect(occurredAt({}, undefined, received)).toBe(received.toISOString());
  });

  it('names track events in snake_case, with the starter ruleset\'s names for webinars and downloads', () => {
    expect(eventType('Webinar Registered')).toBe('webinar_registration');
    expect(eventType('file_downloaded')).toBe('content_download');
    expect(eventType('Plan Selected')).toBe('plan_selected');
    expect(eventType('checkoutStarted')).toBe('checkout_started');
    expect(eventType('42')).toBeUndefined();
  });

  it('keeps only flat, rule-friendly own properties: no prototype keys, nested values or control characters', () => {
    const hostile = JSON.parse('{"__proto__":{"polluted":1},"constructor":"x","plan":"pro","seats":5,"nested":{"a":1},"list":[1],"bad\\u0000":"x","note":"a\\u0007b","big":1e300}');
    expect(flatProperties(hostile)).toEqual({ constructor: 'x', plan: 'pro', seats: 5 });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses a call without a messageId or without whom it is about, naming the field', () => {
    expect(SegmentCall.safeParse({ type: 'track', event: 'x', anonymousId: 'a' }).error?.issues[0]?.path).toEqual(['messageId']);
    expect(SegmentCall.safeParse({ type: 'page', messageId: 'm' }).error?.issues[0]?.path).toEqual(['anonymousId']);
    expect(SegmentCall.safeParse({ type: 'launch', messageId: 'm', anonymousId: 'a' }).success).toBe(false);
    expect(SegmentBatch.safeParse({ batch: Array.from({ length: 51 }, () => ({ type: 'page', messageId: 'm', anonymousId: 'a' })) }).error?.issues[0]?.path).toEqual(['batch']);
  });

  it('finds the address of an identify in its traits, else in a userId that is one', () => {
    const call = (fields: object) => SegmentCall.parse({ type: 'identify', messageId: 'm', anonymousId: 'a', ...fields });
    expect(identifiedEmail(call({ traits: { email: ' Jane@Example.COM ' } }))).toBe('jane@example.com');
    expect(identifiedEmail(call({ userId: 'sam@example.com' }))).toBe('sam@example.com');
    expect(identifiedEmail(call({ userId: 'u-1', traits: { email: 'not an address' } }))).toBeUndefined();
    expect(visitorIdOf({ userId: 'u-1' })).toBe('user:u-1');
  });

  it('records a group or screen call as no engagement, and a page call from its context when properties lack the url', () => {
    expect(engagementOf(SegmentCall.parse({ type: 'group', messageId: 'm', anonymousId: 'a', groupId: 'g' }))).toBeUndefined();
    expect(engagementOf(SegmentCall.parse({ type: 'page', messageId: 'm', anonymousId: 'a', context: { page: { url: 'https://x.example/pricing', path: '/pricing' } } }))).toEqual({
      id: 'm',
      type: 'page_view',
      properties: { url: 'https://x.example/pricing', path: '/pricing' },
    });
  });
});

describe('sources', () => {
  it('takes origins as a browser sends them, and lets calls without an origin (servers) through', () => {
    expect(Origin.safeParse('https://www.example.com').success).toBe(true);
    for (const bad of ['https://www.example.com/', 'www.example.com', 'ftp://example.com', 'https://example.com/path']) expect(Origin.safeParse(bad).success, bad).toBe(false);
    expect(originAllowed({ origins: ['https://a.example'] }, undefined)).toBe(true);
    expect(originAllowed({ origins: ['https://a.example'] }, 'https://b.example')).toBe(false);
  });

  it('ends a key at its grace period or revocation', () => {
    const now = new Date('2026-11-30T12:00:00.000Z');
    expect(isKeyValid({}, now)).toBe(true);
    expect(isKeyValid({ validUntil: '2026-11-30T12:00:01.000Z' }, now)).toBe(true);
    expect(isKeyValid({ validUntil: '2026-11-30T12:00:00.000Z' }, now)).toBe(false);
    expect(isKeyValid({ revokedAt: '2026-11-30T11:00:00.000Z', validUntil: '2026-12-01T00:00:00.000Z' }, now)).toBe(false);
  });
});

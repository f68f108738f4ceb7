import { describe, expect, it } from 'vitest';
import { capOutcome, leadTimeZone, ledgerWith, MAX_CAP_PERIOD_DAYS, MAX_LEDGER_SENDS, OPEN_POLICY, quietHoursEnd, SendPolicy, type LedgerSend } from '../../src/domain/consent/send-policy';

const NIGHT = { start: '21:00', end: '08:00' };
const at = (iso: string) => new Date(iso);
const DAY_MS = 86_400_000;

describe('quiet hours in the lead time zone', () => {
  it('holds from start to end across midnight, and ends at the next local end', () => {
    // New York is UTC-5 in January.
    expect(quietHoursEnd(NIGHT, 'America/New_York', at('2027-01-15T05:00:00Z'))?.toISOString()).toBe('2027-01-15T13:00:00.000Z');
    expect(quietHoursEnd(NIGHT, 'America/New_York', at('2027-01-15T12:59:00Z'))?.toISOString()).toBe('2027-01-15T13:00:00.000Z');
    // 21:00 local on the 14th: quiet until 08:00 local on the 15th.
    expect(quietHoursEnd(NIGHT, 'America/New_York', at('2027-01-15T02:00:00Z'))?.toISOString()).toBe('2027-01-15T13:00:00.000Z');
  });

  it('is open at the end minute and just before the start', () => {
    expect(quietHoursEnd(NIGHT, 'America/New_York', at('2027-01-15T13:00:00Z'))).toBeUndefined();
    expect(quietHoursEnd(NIGHT, 'America/New_York', at('2027-01-16T01:59:59Z'))).toBeUndefined();
    expect(quietHoursEnd(NIGHT, 'America/New_York', at('2027-01-16T02:00:00Z'))).toBeDefined();
  });

  it('holds within a window that does not span midnight', () => {
    const lunch = { start: '12:00', end: '13:30' };
    expect(quietHoursEnd(lunch, 'Asia/Kolkata', at('2027-01-15T06:45:00Z'))?.toISOString()).toBe('2027-01-15T08:00:00.000Z');
    expect(quietHoursEnd(lunch, 'Asia/Kolkata', at('2027-01-15T08:00:00Z'))).toBeUndefined();
    expect(quietHoursEnd(lunch, 'Asia/Kolkata', at('2027-01-15T06:29:00Z'))).toBeUndefined();
  });

  it('is the same local quiet period in two zones at different instants', () => {
    const now = at('2027-01-15T22:30:00Z');
    // 23:30 in Paris: quiet; 17:30 in New York: open; 07:30 in Tokyo: quiet until 08:00.
    expect(quietHoursEnd(NIGHT, 'Europe/Paris', now)?.toISOString()).toBe('2027-01-16T07:00:00.000Z');
    expect(quietHoursEnd(NIGHT, 'America/New_York', now)).toBeUndefined();
    expect(quietHoursEnd(NIGHT, 'Asia/Tokyo', now)?.toISOString()).toBe('2027-01-15T23:00:00.000Z');
  });

  it('ends on a night the clocks go forward at the local end, one hour fewer in UTC terms', () => {
    // Europe/Berlin, 28 March 2027: 02:00 CET becomes 03:00 CEST. 08:00 CEST is 06:00 UTC.
    expect(quietHoursEnd(NIGHT, 'Europe/Berlin', at('2027-03-27T21:30:00Z'))?.toISOString()).toBe('2027-03-28T06:00:00.000Z');
    // The night before ends at 08:00 CET, 07:00 UTC.
    expect(quietHoursEnd(NIGHT, 'Europe/Berlin', at('2027-03-26T21:30:00Z'))?.toISOString()).toBe('2027-03-27T07:00:00.000Z');
  });

  it('ends on a night the clocks go back at the local end (08:00 CET after 08:00 CEST the day before)', () => {
    // 31 October 2027: 03:00 CEST becomes 02:00 CET.
    expect(quietHoursEnd(NIGHT, 'Europe/Berlin', at('2027-10-30T20:00:00Z'))?.toISOString()).toBe('2027-10-31T07:00:00.000Z');
  });

  it('ends when the clocks jump past an end they skip, not an hour later', () => {
    // 02:30 does not exist in Berlin on 28 March 2027: quiet ends at the jump, 01:00 UTC (03:00 CEST).
    const early = { start: '22:00', end: '02:30' };
    expect(quietHoursEnd(early, 'Europe/Berlin', at('2027-03-27T22:00:00Z'))?.toISOString()).toBe('2027-03-28T01:00:00.000Z');
  });

  it('ends at the first of two 01:30s on a night the clocks show it twice', () => {
    // America/New_York, 7 November 2027: 01:30 EDT (05:30 UTC), then 01:30 EST (06:30 UTC).
    const early = { start: '22:00', end: '01:30' };
    expect(quietHoursEnd(early, 'America/New_York', at('2027-11-07T03:00:00Z'))?.toISOString()).toBe('2027-11-07T05:30:00.000Z');
  });
});

describe('the lead time zone', () => {
  it("is the lead's attributes.timeZone when it names a known zone, else the policy default", () => {
    const policy = { ...OPEN_POLICY, defaultTimeZone: 'Europe/Paris' };
    expect(leadTimeZone({ attributes: { timeZone: 'Asia/Jakarta' } }, policy)).toBe('Asia/Jakarta');
    expect(leadTimeZone({ attributes: { timeZone: 'Mars/Olympus' } }, policy)).toBe('Europe/Paris');
    expect(leadTimeZone({ attributes: { timeZone: 7 } }, policy)).toBe('Europe/Paris');
    expect(leadTimeZone({}, policy)).toBe('Europe/Paris');
  });
});

describe('the frequency cap', () => {
  const cap = { maxEmails: 3, periodDays: 7 };
  const now = at('2027-01-15T12:00:00Z');
  const sent = (key: string, daysAgo: number): LedgerSend => ({ key, at: new Date(now.getTime() - daysAgo * DAY_MS).toISOString() });

  it('allows the cap-th email in the period and refuses the next', () => {
    expect(capOutcome([sent('a', 1), sent('b', 2)], cap, 'c', now)).toBe('within-cap');
    expect(capOutcome([sent('a', 1), sent('b', 2), sent('c', 3)], cap, 'd', now)).toBe('cap-reached');
  });

  it('counts a send exactly one period ago no longer, and one a second later still', () => {
    const boundary = [sent('a', 1), sent('b', 2), sent('c', 7)];
    expect(capOutcome(boundary, cap, 'd', now)).toBe('within-cap');
    const inside = [sent('a', 1), sent('b', 2), { key: 'c', at: new Date(now.getTime() - 7 * DAY_MS + 1000).toISOString() }];
    expect(capOutcome(inside, cap, 'd', now)).toBe('cap-reached');
  });

  it('lets a retried email through once counted, even at the cap', () => {
    expect(capOutcome([sent('a', 1), sent('b', 2), sent('c', 3)], cap, 'b', now)).toBe('counted-already');
  });

  it('allows anything without a cap', () => {
    expect(capOutcome(Array.from({ length: 50 }, (_, index) => sent(`k${index}`, 0)), undefined, 'new', now)).toBe('within-cap');
  });

  it('keeps sends as long as the longest period a cap may count over, and at most the newest MAX_LEDGER_SENDS', () => {
    const kept = ledgerWith([sent('old', MAX_CAP_PERIOD_DAYS), sent('recent', MAX_CAP_PERIOD_DAYS - 1)], sent('now', 0), now);
    expect(kept.map((send) => send.key)).toEqual(['now', 'recent']);
    const many = Array.from({ length: MAX_LEDGER_SENDS }, (_, index) => sent(`k${index}`, 1 + index / 1000));
    const bounded = ledgerWith(many, sent('now', 0), now);
    expect(bounded).toHaveLength(MAX_LEDGER_SENDS);
    expect(bounded[0]?.key).toBe('now');
    expect(bounded.some((send) => send.key === `k${MAX_LEDGER_SENDS - 1}`)).toBe(false);
  });
});

describe('the policy as data', () => {
  it('accepts a cap, quiet hours and a zone, with UTC as the default zone', () => {
    expect(SendPolicy.parse({ frequencyCap: { maxEmails: 3, periodDays: 7 }, quietHours: NIGHT })).toEqual({ frequencyCap: { maxEmails: 3, periodDays: 7 }, quietHours: NIGHT, defaultTimeZone: 'UTC' });
  });

  it('names the field at fault', () => {
    const paths = (input: unknown) => SendPolicy.safeParse(input).error?.issues.map((issue) => issue.path.join('.'));
    expect(paths({ quietHours: { start: '21:00', end: '24:00' } })).toEqual(['quietHours.end']);
    expect(paths({ quietHours: { start: '08:00', end: '08:00' } })).toEqual(['quietHours.end']);
    expect(paths({ frequencyCap: { maxEmails: 0, periodDays: 7 } })).toEqual(['frequencyCap.maxEmails']);
    expect(paths({ frequencyCap: { maxEmails: 3, periodDays: MAX_CAP_PERIOD_DAYS + 1 } })).toEqual(['frequencyCap.periodDays']);
    expect(paths({ defaultTimeZone: 'Nowhere/Land' })).toEqual(['defaultTimeZone']);
    expect(paths({ quietHour: NIGHT })).toEqual(['']);
  });
});

import { beforeEach, describe, expect, it } from 'vitest';
import { MarketingSendGate, type MarketingSendVerdict } from '../../src/app/marketing-send-gate';
import type { Lead } from '../../src/domain/lead';
import { MemoryLeads, MemorySendLedger, MemorySendPolicy } from './in-memory';

const subscriber = (id: string, extra: Partial<Lead> = {}): Lead => ({ id, email: `${id}@example.com`, subscriptions: { newsletter: 'opted_in' }, version: 1, ...extra }) as Lead;
// 12:00 UTC: midday in UTC, 21:00 in Tokyo.
const NOON = new Date('2027-01-15T12:00:00Z');
const request = (messageKey: string, leadId = 'lead-1', now = NOON) => ({ leadId, subscription: 'newsletter' as const, messageKey, now });
const sendsOf = (verdicts: readonly MarketingSendVerdict[]) => verdicts.filter((verdict) => verdict.send).length;

let leads: MemoryLeads;
let policy: MemorySendPolicy;
let ledger: MemorySendLedger;
let suppressed: Set<string>;
let gate: MarketingSendGate;

beforeEach(() => {
  leads = new MemoryLeads();
  leads.put(subscriber('lead-1'));
  policy = new MemorySendPolicy();
  policy.policy = { frequencyCap: { maxEmails: 3, periodDays: 7 }, quietHours: { start: '21:00', end: '08:00' }, defaultTimeZone: 'UTC' };
  ledger = new MemorySendLedger();
  suppressed = new Set();
  gate = new MarketingSendGate({ leads, isSuppressed: async (email) => suppressed.has(email), policy, ledger });
});

describe('the marketing send gate', () => {
  it('lets two campaigns racing for the last slot of the cap send one email, never both', async () => {
    ledger.interleave = true;
    await gate.decide(request('campaign:a'));
    await gate.decide(request('campaign:b'));
    const verdicts = await Promise.all([gate.decide(request('campaign:c')), gate.decide(request('journey:e1:s1'))]);

    expect(sendsOf(verdicts)).toBe(1);
    expect(verdicts.filter((verdict) => !verdict.send)).toEqual([{ send: false, reason: 'frequency_cap' }]);
    expect(ledger.keys('lead-1')).toHaveLength(3);
    expect(ledger.refusedWrites).toBeGreaterThan(0);
  });

  it('sends exactly the cap among many senders at once', async () => {
    ledger.interleave = true;
    const verdicts = await Promise.all(Array.from({ length: 8 }, (_, index) => gate.decide(request(`campaign:${index}`))));

    expect(sendsOf(verdicts)).toBe(3);
    expect(ledger.keys('lead-1')).toHaveLength(3);
  });

  it('counts a retried email once, so a retry at the cap still sends', async () => {
    for (const key of ['campaign:a', 'campaign:b', 'campaign:c']) await gate.decide(request(key));

    expect(await gate.decide(request('campaign:b'))).toMatchObject({ send: true });
    expect(await gate.decide(request('campaign:d'))).toEqual({ send: false, reason: 'frequency_cap' });
    expect(ledger.keys('lead-1')).toHaveLength(3);
  });

  it('gives a slot back when the provider refused the email', async () => {
    for (const key of ['campaign:a', 'campaign:b', 'campaign:c']) await gate.decide(request(key));
    await gate.release('lead-1', 'campaign:c');

    expect(await gate.decide(request('campaign:d'))).toMatchObject({ send: true });
  });

  it("holds an email in the lead's quiet hours until they end, counting nothing meanwhile", async () => {
    leads.put(subscriber('lead-1', { attributes: { timeZone: 'Asia/Tokyo' } }));

    expect(await gate.decide(request('campaign:a'))).toEqual({ send: false, reason: 'quiet_hours', until: '2027-01-15T23:00:00.000Z' });
    expect(ledger.keys('lead-1')).toEqual([]);
    expect(await gate.decide(request('campaign:a', 'lead-1', new Date('2027-01-15T23:00:00Z')))).toMatchObject({ send: true });
  });

  it('checks consent and suppression first, and counts nothing for a lead it refuses', async () => {
    leads.put(subscriber('opted-out', { subscriptions: { newsletter: 'opted_out' } }));
    leads.put(subscriber('bounced'));
    suppressed.add('bounced@example.com');

    expect(await gate.decide(request('campaign:a', 'opted-out'))).toEqual({ send: false, reason: 'not_opted_in' });
    expect(await gate.decide(request('campaign:a', 'bounced'))).toEqual({ send: false, reason: 'suppressed' });
    expect(await gate.decide(request('campaign:a', 'gone'))).toEqual({ send: false, reason: 'no_lead' });
    expect(ledger.ledgers.size).toBe(0);
  });

  it('counts sends with no cap set, so a cap set later counts them', async () => {
    policy.policy = { defaultTimeZone: 'UTC' };
    for (const key of ['campaign:a', 'campaign:b', 'campaign:c']) expect(await gate.decide(request(key))).toMatchObject({ send: true });
    policy.policy = { frequencyCap: { maxEmails: 3, periodDays: 7 }, defaultTimeZone: 'UTC' };

    expect(await gate.decide(request('campaign:d'))).toEqual({ send: false, reason: 'frequency_cap' });
  });
});

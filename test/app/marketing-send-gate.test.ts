import { beforeEach, describe, expect, it } from 'vitest';
import { MarketingSendGate, RECIPIENTS_READ_FRESH_MS, type MarketingSendVerdict } from '../../src/app/marketing-send-gate';
import type { Lead } from '../../src/domain/lead';
import { SEEDED_CATALOGUE, type SubscriptionTypeDefinition } from '../../src/domain/subscriptions';
import { MemoryLeads, MemorySendLedger, MemorySendPolicy } from './in-memory';

const subscriber = (id: string, extra: Partial<Lead> = {}): Lead => ({ id, email: `${id}@example.com`, subscriptions: { newsletter: 'opted_in' }, version: 1, ...extra }) as Lead;
// 12:00 UTC: midday in UTC, 21:00 in Tokyo.
const NOON = new Date('2027-01-15T12:00:00Z');
const request = (messageKey: string, leadId = 'lead-1', now = NOON) => ({ leadId, subscription: 'newsletter' as const, messageKey, now });
const accountNotices: SubscriptionTypeDefinition = {
  id: 'account_notices',
  label: { en: 'Account notices', id: 'Pemberitahuan akun' },
  description: { en: 'Changes to your plan and invoices.', id: 'Perubahan paket dan tagihan.' },
  doubleOptIn: false,
  transactional: true,
  archived: false,
};
const notice = (messageKey: string, leadId = 'lead-1', now = NOON) => ({ leadId, subscription: 'account_notices', messageKey, now });
const sendsOf = (verdicts: readonly MarketingSendVerdict[]) => verdicts.filter((verdict) => verdict.send).length;

let leads: MemoryLeads;
let policy: MemorySendPolicy;
let ledger: MemorySendLedger;
let suppressed: Set<string>;
let suppressionReads: number;
let gate: MarketingSendGate;

beforeEach(() => {
  leads = new MemoryLeads();
  leads.put(subscriber('lead-1'));
  policy = new MemorySendPolicy();
  policy.policy = { frequencyCap: { maxEmails: 3, periodDays: 7 }, quietHours: { start: '21:00', end: '08:00' }, defaultTimeZone: 'UTC' };
  ledger = new MemorySendLedger();
  suppressed = new Set();
  suppressionReads = 0;
  gate = new MarketingSendGate({ leads, suppressedAmong: gateSuppressions, policy, ledger, subscriptionTypes: async () => [...SEEDED_CATALOGUE, accountNotices] });
});

async function gateSuppressions(emails: readonly string[]): Promise<ReadonlySet<string>> {
  suppressionReads += 1;
  return new Set(emails.filter((email) => suppressed.has(email)));
}

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

describe('mail of a transactional subscription type through the gate', () => {
  beforeEach(() => {
    leads.put(subscriber('lead-1', { subscriptions: { newsletter: 'opted_in', account_notices: 'opted_in' } }));
  });

  it('sends past the frequency cap and takes no slot of it, so marketing mail after it still has the slots it had', async () => {
    for (const key of ['campaign:a', 'campaign:b', 'campaign:c']) await gate.decide(request(key));

    expect(await gate.decide(notice('campaign:notice'))).toMatchObject({ send: true });
    expect(ledger.keys('lead-1')).toEqual(['campaign:a', 'campaign:b', 'campaign:c']);
    await gate.release('lead-1', 'campaign:c');
    expect(await gate.decide(notice('campaign:notice-2'))).toMatchObject({ send: true });
    expect(await gate.decide(request('campaign:d'))).toMatchObject({ send: true });
  });

  it("sends in the lead's quiet hours instead of waiting for them to end", async () => {
    leads.put(subscriber('lead-1', { subscriptions: { account_notices: 'opted_in', newsletter: 'opted_in' }, attributes: { timeZone: 'Asia/Tokyo' } }));

    expect(await gate.decide(request('campaign:a'))).toMatchObject({ send: false, reason: 'quiet_hours' });
    expect(await gate.decide(notice('journey:e1:s1'))).toMatchObject({ send: true });
  });

  it('never goes to a suppressed address, a lead that unsubscribed from the type, one never opted in, or an erased lead', async () => {
    leads.put(subscriber('bounced', { subscriptions: { account_notices: 'opted_in' } }));
    suppressed.add('bounced@example.com');
    leads.put(subscriber('complained', { subscriptions: { account_notices: 'opted_in' }, emailSuppression: { reason: 'complaint', at: '2027-01-01T00:00:00Z' } }));
    leads.put(subscriber('unsubscribed', { subscriptions: { account_notices: 'opted_out' } }));
    leads.put(subscriber('never-asked', { subscriptions: { newsletter: 'opted_in' } }));

    expect(await gate.decide(notice('campaign:n', 'bounced'))).toEqual({ send: false, reason: 'suppressed' });
    expect(await gate.decide(notice('campaign:n', 'complained'))).toEqual({ send: false, reason: 'suppressed' });
    expect(await gate.decide(notice('campaign:n', 'unsubscribed'))).toEqual({ send: false, reason: 'not_opted_in' });
    expect(await gate.decide(notice('campaign:n', 'never-asked'))).toEqual({ send: false, reason: 'not_opted_in' });
    expect(await gate.decide(notice('campaign:n', 'erased'))).toEqual({ send: false, reason: 'no_lead' });
  });
});

describe('a batch of recipients through the gate', () => {
  const batch = ['lead-1', 'lead-2', 'lead-3', 'lead-4', 'lead-5'];
  beforeEach(() => {
    for (const id of batch) leads.put(subscriber(id));
  });

  it('reads the leads, their suppressions and their send ledgers once for the batch, none per recipient', async () => {
    const read = await gate.read(batch, NOON);
    const verdicts = await Promise.all(batch.map((leadId) => gate.decide(request('campaign:a', leadId), read)));

    expect(sendsOf(verdicts)).toBe(5);
    expect(leads.readsOfMany).toEqual([batch]);
    expect(suppressionReads).toBe(1);
    expect(ledger.readsOfMany).toBe(1);
    expect(ledger.singleReads).toBe(0);
    expect(batch.map((leadId) => ledger.keys(leadId))).toEqual(batch.map(() => ['campaign:a']));
  });

  it('skips a suppressed, an unsubscribed and a vanished recipient with their reasons, counting nothing for them, and sends the rest', async () => {
    leads.put(subscriber('lead-2', { subscriptions: { newsletter: 'opted_out' } }));
    suppressed.add('lead-3@example.com');
    leads.put(subscriber('lead-4', { emailSuppression: { reason: 'complaint', at: '2027-01-01T00:00:00Z' } }));
    leads.leads.delete('lead-5');
    const read = await gate.read(batch, NOON);
    const verdicts = await Promise.all(batch.map((leadId) => gate.decide(request('campaign:a', leadId), read)));

    expect(verdicts.map((verdict) => (verdict.send ? 'send' : verdict.reason))).toEqual(['send', 'not_opted_in', 'suppressed', 'suppressed', 'no_lead']);
    expect([...ledger.ledgers.keys()]).toEqual(['lead-1']);
  });

  it('lets exactly the cap through when two batches read the same leads and race for their last slot', async () => {
    ledger.interleave = true;
    for (const leadId of batch) await gate.decide(request('campaign:earlier', leadId));
    for (const leadId of batch) await gate.decide(request('journey:e1:s1', leadId));
    const [first, second] = await Promise.all([gate.read(batch, NOON), gate.read(batch, NOON)]);
    const verdicts = await Promise.all(batch.flatMap((leadId) => [gate.decide(request('campaign:a', leadId), first), gate.decide(request('campaign:b', leadId), second)]));

    expect(sendsOf(verdicts)).toBe(5);
    expect(verdicts.filter((verdict) => !verdict.send).every((verdict) => !verdict.send && verdict.reason === 'frequency_cap')).toBe(true);
    for (const leadId of batch) expect(ledger.keys(leadId)).toHaveLength(3);
    expect(ledger.refusedWrites).toBeGreaterThan(0);
  });

  it('believes a cap reached in what the batch read only once the ledger read now says so: a slot freed since sends', async () => {
    for (const key of ['campaign:a', 'campaign:b', 'campaign:c']) await gate.decide(request(key));
    const read = await gate.read(['lead-1', 'lead-2'], NOON);
    await gate.release('lead-1', 'campaign:c');

    expect(await gate.decide(request('campaign:d'), read)).toMatchObject({ send: true });
    expect(ledger.keys('lead-1').sort()).toEqual(['campaign:a', 'campaign:b', 'campaign:d']);
    expect(await gate.decide(request('campaign:e'), read)).toEqual({ send: false, reason: 'frequency_cap' });
  });

  it('reads a recipient again on its own once what the batch read is older than the freshness bound, so an unsubscribe since holds', async () => {
    const read = await gate.read(batch, NOON);
    leads.put(subscriber('lead-1', { subscriptions: { newsletter: 'opted_out' } }));
    const later = new Date(NOON.getTime() + RECIPIENTS_READ_FRESH_MS + 1);

    expect(await gate.decide(request('campaign:a', 'lead-1', later), read)).toEqual({ send: false, reason: 'not_opted_in' });
    expect(leads.readsOfMany).toEqual([batch, ['lead-1']]);
    expect(await gate.decide(request('campaign:a', 'lead-9'), read)).toEqual({ send: false, reason: 'no_lead' });
    expect(leads.readsOfMany.at(-1)).toEqual(['lead-9']);
  });
});

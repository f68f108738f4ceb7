import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MarketingSendLedgerStore, SendPolicyStore } from '../../src/adapters/send-policy-store';
import { MarketingSendGate } from '../../src/app/marketing-send-gate';
import type { Lead } from '../../src/domain/lead';
import { dynamoDbLocal, TABLE_NAME } from './dynamo-local';

let table: Awaited<ReturnType<typeof dynamoDbLocal>>;
beforeAll(async () => {
  table = await dynamoDbLocal();
});
afterAll(async () => table?.stop());

const lead = { id: 'lead-race', email: 'race@example.com', subscriptions: { newsletter: 'opted_in' }, version: 1 } as unknown as Lead;

describe('the send policy and the marketing send ledger on DynamoDB Local', () => {
  it('lets exactly the cap through when senders in separate containers race for one lead', async () => {
    const policy = { current: async () => ({ frequencyCap: { maxEmails: 3, periodDays: 7 }, defaultTimeZone: 'UTC' }) };
    // Each gate has its own store, as each Lambda container does.
    const gates = Array.from({ length: 8 }, () => new MarketingSendGate({ leads: { getLead: async () => lead }, isSuppressed: async () => false, policy, ledger: new MarketingSendLedgerStore(table.documents, TABLE_NAME) }));
    const now = new Date();
    const verdicts = await Promise.all(gates.map((gate, index) => gate.decide({ leadId: lead.id, subscription: 'newsletter', messageKey: `campaign:${index}`, now })));

    expect(verdicts.filter((verdict) => verdict.send)).toHaveLength(3);
    expect(verdicts.filter((verdict) => !verdict.send && verdict.reason === 'frequency_cap')).toHaveLength(5);
    const { sends, version } = await new MarketingSendLedgerStore(table.documents, TABLE_NAME).read(lead.id);
    expect(sends).toHaveLength(3);
    expect(version).toBe(3);
  });

  it('refuses a ledger write at a version another writer moved', async () => {
    const ledger = new MarketingSendLedgerStore(table.documents, TABLE_NAME);
    const send = { key: 'campaign:a', at: '2027-01-15T12:00:00.000Z' };
    expect(await ledger.write('lead-versions', [send], 0)).toBe(true);
    expect(await ledger.write('lead-versions', [send], 0)).toBe(false);
    expect(await ledger.write('lead-versions', [], 1)).toBe(true);
    expect(await ledger.read('lead-versions')).toEqual({ sends: [], version: 2 });
  });

  it('keeps the policy with a version: the open policy until saved, and a save from a stale read refused', async () => {
    const store = new SendPolicyStore(table.documents, TABLE_NAME);
    expect(await store.get()).toEqual({ policy: { defaultTimeZone: 'UTC' }, version: 0 });
    const policy = { frequencyCap: { maxEmails: 3, periodDays: 7 }, quietHours: { start: '21:00', end: '08:00' }, defaultTimeZone: 'Europe/Paris' };
    expect(await store.save(policy, 0, '2027-01-15T12:00:00.000Z')).toEqual({ policy, version: 1, updatedAt: '2027-01-15T12:00:00.000Z' });
    expect(await store.save(policy, 0, '2027-01-15T12:01:00.000Z')).toBe('version-changed');
    expect(await store.current()).toEqual(policy);
  });
});

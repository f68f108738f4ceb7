import { SEEDED_CATALOGUE } from '../../src/domain/subscriptions';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import * as keys from '../../src/adapters/keys';
import { LeadStore } from '../../src/adapters/lead-store';
import { MarketingSendLedgerStore, SendPolicyStore } from '../../src/adapters/send-policy-store';
import { SuppressionStore } from '../../src/adapters/suppression-store';
import { MarketingSendGate } from '../../src/app/marketing-send-gate';
import type { Lead } from '../../src/domain/lead';
import { dynamoDbLocal, TABLE_NAME } from './dynamo-local';

let table: Awaited<ReturnType<typeof dynamoDbLocal>>;
beforeAll(async () => {
  table = await dynamoDbLocal();
});

const lead = { id: 'lead-race', email: 'race@example.com', subscriptions: { newsletter: 'opted_in' }, version: 1 } as unknown as Lead;

describe('the send policy and the marketing send ledger on DynamoDB Local', () => {
  it('lets exactly the cap through when senders in separate containers race for one lead', async () => {
    const policy = { current: async () => ({ frequencyCap: { maxEmails: 3, periodDays: 7 }, defaultTimeZone: 'UTC' }) };
    // Each gate has its own store, as each Lambda container does.
    const gates = Array.from({ length: 8 }, () => new MarketingSendGate({ leads: { getLeads: async () => [lead] }, suppressedAmong: async () => new Set(), policy, ledger: new MarketingSendLedgerStore(table.documents, TABLE_NAME), subscriptionTypes: async () => SEEDED_CATALOGUE }));
    const now = new Date();
    const verdicts = await Promise.all(gates.map((gate, index) => gate.decide({ leadId: lead.id, subscription: 'newsletter', messageKey: `campaign:${index}`, now })));

    expect(verdicts.filter((verdict) => verdict.send)).toHaveLength(3);
    expect(verdicts.filter((verdict) => !verdict.send && verdict.reason === 'frequency_cap')).toHaveLength(5);
    const { sends, version } = await new MarketingSendLedgerStore(table.documents, TABLE_NAME).read(lead.id);
    expect(sends).toHaveLength(3);
    expect(version).toBe(3);
  });

  it('reads a batch of recipients together and lets exactly the cap through when containers race over it', async () => {
    const leadIds = ['batch-1', 'batch-2', 'batch-3'];
    const at = '2027-01-15T12:00:00.000Z';
    for (const id of leadIds) {
      await table.documents.send(new PutCommand({ TableName: TABLE_NAME, Item: { ...keys.lead(id), entity: 'lead', id, email: `${id}@example.com`, subscriptions: { newsletter: 'opted_in' }, createdAt: at, updatedAt: at, version: 1 } }));
    }
    await table.documents.send(new PutCommand({ TableName: TABLE_NAME, Item: { ...keys.score('batch-1'), entity: 'score', version: 4 } }));
    const suppressions = new SuppressionStore(table.documents, TABLE_NAME);
    // The address's hash stands for itself here: the salted hash is the caller's (subscriberMail).
    await suppressions.suppress({ hash: 'batch-3@example.com', reason: 'complaint', detail: 'complained', at });
    const policy = { current: async () => ({ frequencyCap: { maxEmails: 1, periodDays: 7 }, defaultTimeZone: 'UTC' }) };
    const gates = Array.from({ length: 4 }, () => new MarketingSendGate({ leads: new LeadStore(table.documents, TABLE_NAME), suppressedAmong: (emails) => suppressions.suppressedAmong(emails), policy, ledger: new MarketingSendLedgerStore(table.documents, TABLE_NAME), subscriptionTypes: async () => SEEDED_CATALOGUE }));
    const now = new Date();
    const reads = await Promise.all(gates.map((gate) => gate.read([...leadIds, 'batch-gone'], now)));

    expect(reads[0]?.leads.get('batch-1')?.scoreVersion).toBe(4);
    expect(reads[0]?.suppressedEmails).toEqual(new Set(['batch-3@example.com']));
    expect(reads[0]?.ledgers.get('batch-2')).toEqual({ sends: [], version: 0 });
    const verdicts = await Promise.all(gates.flatMap((gate, index) => [...leadIds, 'batch-gone'].map((leadId) => gate.decide({ leadId, subscription: 'newsletter', messageKey: `campaign:${index}`, now }, reads[index]))));
    const outcomes = verdicts.map((verdict) => (verdict.send ? 'send' : verdict.reason)).sort();
    expect(outcomes).toEqual([...Array(2).fill('send'), ...Array(6).fill('frequency_cap'), ...Array(4).fill('no_lead'), ...Array(4).fill('suppressed')].sort());
    for (const leadId of ['batch-1', 'batch-2']) expect((await new MarketingSendLedgerStore(table.documents, TABLE_NAME).read(leadId)).sends).toHaveLength(1);
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

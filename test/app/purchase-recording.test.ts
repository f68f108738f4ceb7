import { beforeEach, describe, expect, it } from 'vitest';
import { PurchaseRecording, type PurchaseItem } from '../../src/app/purchase-recording';
import { Unavailable } from '../../src/domain/errors';
import { mqlLead } from './fixtures';
import { DetailType } from '../../src/domain/events';
import { MemoryLeads, MemoryLog, MemoryPublisher, MemoryPurchases } from './in-memory';

const NOW = '2026-11-22T10:00:00.000Z';
const purchase = (orderId: string, overrides: Partial<PurchaseItem> = {}): PurchaseItem => ({
  orderId, leadId: mqlLead.id, product: 'Pro plan', amount: 120, currency: 'USD', purchasedAt: '2026-11-20T09:00:00.000Z', ...overrides,
});
const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });

let leads: MemoryLeads;
let purchases: MemoryPurchases;
let log: MemoryLog;
let publisher: MemoryPublisher;
let recording: PurchaseRecording;

beforeEach(() => {
  leads = new MemoryLeads();
  leads.put(mqlLead);
  purchases = new MemoryPurchases(leads);
  log = new MemoryLog();
  publisher = new MemoryPublisher();
  recording = new PurchaseRecording({ leads, emails: purchases, ledger: purchases, publisher, isThrottling: (error) => error === throttled, log });
});

describe('recording purchases', () => {
  it('records each order once, in this request or a later one, and sums it into the lead', async () => {
    const first = await recording.recordAll([purchase('o-1'), purchase('o-2', { amount: 30 }), purchase('o-1')], 'req-1', NOW);
    expect(first).toEqual({
      recorded: 2, duplicates: 1, refused: 0,
      purchases: [
        { orderId: 'o-1', status: 'recorded', leadId: mqlLead.id },
        { orderId: 'o-2', status: 'recorded', leadId: mqlLead.id },
        { orderId: 'o-1', status: 'duplicate' },
      ],
    });
    expect(leads.leads.get(mqlLead.id)?.purchases).toMatchObject({ currency: 'USD', count: 2, total: 150 });

    const repeated = await recording.recordAll([purchase('o-2', { amount: 30 })], 'req-1', NOW);
    expect(repeated.purchases).toEqual([{ orderId: 'o-2', status: 'duplicate' }]);
    expect(leads.leads.get(mqlLead.id)?.purchases).toMatchObject({ count: 2 });
  });

  it('makes an unknown address a lead with only that address, and refuses an unknown lead id', async () => {
    const result = await recording.recordAll([purchase('o-1', { leadId: undefined, email: 'new@example.com' }), purchase('o-2', { leadId: 'no-such-lead' })], 'req-1', NOW);
    const created = [...leads.leads.values()].find((lead) => lead.email === 'new@example.com');
    expect(result.purchases).toEqual([
      { orderId: 'o-1', status: 'recorded', leadId: created?.id },
      { orderId: 'o-2', status: 'unknown_lead', message: 'No lead with id no-such-lead' },
    ]);
    expect(result).toMatchObject({ recorded: 1, refused: 1 });
  });

  it('keeps the currency of the lead\'s first purchase, in the order sent, but a repeated order stays a duplicate', async () => {
    const result = await recording.recordAll([purchase('o-1', { currency: 'EUR' }), purchase('o-2'), purchase('o-3', { leadId: undefined, email: mqlLead.email })], 'req-1', NOW);
    expect(result.purchases.map((item) => item.status)).toEqual(['recorded', 'currency_mismatch', 'currency_mismatch']);
    expect(result.purchases[1]?.message).toBe("The lead's purchases are in EUR; leadflow converts no currencies");

    const repeated = await recording.recordAll([purchase('o-1', { currency: 'USD' })], 'req-1', NOW);
    expect(repeated.purchases).toEqual([{ orderId: 'o-1', status: 'duplicate' }]);
  });

  it('retries a purchase whose lead changed meanwhile against the newer version', async () => {
    let changes = 2;
    purchases.beforeWrite = (leadId) => {
      const lead = leads.leads.get(leadId);
      if (lead && changes-- > 0) leads.put({ ...lead, version: lead.version + 1 });
    };
    expect((await recording.recordAll([purchase('o-1')], 'req-1', NOW)).recorded).toBe(1);
  });

  it('answers Unavailable, saying how many were recorded, when a lead changes under every attempt; repeating records the rest', async () => {
    purchases.beforeWrite = (leadId) => {
      const lead = leads.leads.get(leadId);
      if (lead && leadId === mqlLead.id) leads.put({ ...lead, version: lead.version + 1 });
    };
    const other = await purchases.ensureLeadForEmail('other@example.com', { at: NOW });
    const batch = [purchase('o-1', { leadId: other }), purchase('o-2')];
    const refused = recording.recordAll(batch, 'req-1', NOW);
    await expect(refused).rejects.toBeInstanceOf(Unavailable);
    await expect(refused).rejects.toMatchObject({ retryAfterSeconds: 2, message: expect.stringMatching(/^1 of 2 purchases recorded before the table refused more/) });
    expect(log.messages('warn')).toEqual(['Purchases partly recorded; the caller should repeat the request']);

    purchases.beforeWrite = () => undefined;
    expect((await recording.recordAll(batch, 'req-1', NOW)).purchases.map((item) => item.status)).toEqual(['duplicate', 'recorded']);
  });

  it('answers Unavailable when the table throttles, and passes any other failure on', async () => {
    purchases.faults.fail('record', throttled);
    await expect(recording.recordAll([purchase('o-1')], 'req-1', NOW)).rejects.toThrow('0 of 1 purchases recorded');

    const broken = new Error('table gone');
    purchases.faults.fail('ensureLeadForEmail', broken);
    await expect(recording.recordAll([purchase('o-2', { leadId: undefined, email: 'x@example.com' })], 'req-1', NOW)).rejects.toBe(broken);
  });

  it('announces each recorded order once for the churn risk, not a repeat within the request nor a refused one', async () => {
    await recording.recordAll([purchase('o-1'), purchase('o-1'), purchase('o-2', { currency: 'EUR' }), purchase('o-3', { leadId: 'no-such-lead' })], 'req-1', NOW);
    expect(publisher.of(DetailType.PurchaseRecorded)).toEqual([{ version: 1, correlationId: 'req-1', leadId: mqlLead.id, orderId: 'o-1', purchasedAt: '2026-11-20T09:00:00.000Z' }]);
  });

  it('answers Unavailable when the bus refuses, and a repeat announces the orders it finds recorded', async () => {
    publisher.faults.fail('publish', new Error('bus down'));
    await expect(recording.recordAll([purchase('o-1')], 'req-1', NOW)).rejects.toBeInstanceOf(Unavailable);
    expect(log.messages('error')).toEqual(['Purchases recorded but not announced']);
    expect(leads.leads.get(mqlLead.id)?.purchases?.count).toBe(1);

    const repeated = await recording.recordAll([purchase('o-1')], 'req-2', NOW);
    expect(repeated.purchases).toEqual([{ orderId: 'o-1', status: 'duplicate' }]);
    expect(publisher.of(DetailType.PurchaseRecorded).map((detail) => [detail.orderId, detail.correlationId])).toEqual([['o-1', 'req-2']]);
    expect(leads.leads.get(mqlLead.id)?.purchases?.count).toBe(1);
  });
});

import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { context, httpEvent, setHandlerEnvironment } from './fixtures';
import { answerLeadReadsFromGets } from './lead-reads';

setHandlerEnvironment();
// As the manifest gives this function: 100 purchases do not fit the API's default 16 KB.
process.env.MAX_BODY_BYTES = String(64 * 1024);
const dynamo = mockClient(DynamoDBDocumentClient);
const bus = mockClient(EventBridgeClient);
let handler: (typeof import('../../functions/record-purchases/handler'))['handler'];

beforeAll(async () => {
  ({ handler } = await import('../../functions/record-purchases/handler'));
});

type Item = Record<string, unknown>;
type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];
const LEAD_ID = '0b7e8a52-4c1d-4f7e-9d55-3f3c2b1a0e11';
const NOW = Date.now();
const at = (daysAgo: number) => new Date(NOW - daysAgo * 86_400_000).toISOString();
const lead = (overrides: Item = {}): Item => ({
  pk: `LEAD#${LEAD_ID}`, sk: 'PROFILE', id: LEAD_ID, email: 'ana@example.com', createdAt: at(30), updatedAt: at(30),
  firstTouch: { at: at(30) }, lastTouch: { at: at(30) }, subscriptions: {}, version: 3, ...overrides,
});

/**
 * A small stand-in for the table: gets, and transactions whose conditions are the ones the stores use
 * (`attribute_not_exists(pk)`, `version = :version`, `attribute_exists(pk)`), all or nothing.
 */
let table: Map<string, Item>;
let beforeTransaction: (items: readonly TransactItem[]) => void;
const keyOf = (item: { pk?: unknown; sk?: unknown }) => `${String(item.pk)}|${String(item.sk)}`;
const cancelled = (codes: string[]) => new TransactionCanceledException({ message: 'cancelled', $metadata: {}, CancellationReasons: codes.map((Code) => ({ Code })) });

function transact(input: TransactWriteCommandInput) {
  const items = input.TransactItems ?? [];
  beforeTransaction(items);
  const holds = items.map((item) => {
    const operation = item.Put ?? item.Update;
    const existing = table.get(keyOf(item.Put ? (item.Put.Item as Item) : (item.Update?.Key as Item)));
    switch (operation?.ConditionExpression) {
      case 'attribute_not_exists(pk)': return !existing;
      case 'attribute_exists(pk)': return Boolean(existing);
      case 'version = :version': return existing?.version === operation.ExpressionAttributeValues?.[':version'];
      default: return true;
    }
  });
  if (holds.includes(false)) throw cancelled(holds.map((held) => (held ? 'None' : 'ConditionalCheckFailed')));
  for (const item of items) {
    if (item.Put) table.set(keyOf(item.Put.Item as Item), item.Put.Item as Item);
    if (item.Update?.UpdateExpression === 'SET purchases = :summary, updatedAt = :at, version = :next') {
      const values = item.Update.ExpressionAttributeValues ?? {};
      const key = keyOf(item.Update.Key as Item);
      table.set(key, { ...table.get(key), purchases: values[':summary'], updatedAt: values[':at'], version: values[':next'] });
    }
  }
  return {};
}

beforeEach(() => {
  dynamo.reset();
  table = new Map([[keyOf(lead()), lead()]]);
  beforeTransaction = () => {};
  dynamo.on(GetCommand).callsFake((input: { Key: Item }) => ({ Item: table.get(keyOf(input.Key)) }));
  dynamo.on(TransactWriteCommand).callsFake(transact);
  bus.reset();
  bus.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'bus-event' }] });
  answerLeadReadsFromGets(dynamo);
});

/** The `purchase.recorded` details put on the bus, in order. */
const announced = () =>
  bus.commandCalls(PutEventsCommand).flatMap((call) => call.args[0].input.Entries ?? []).filter((entry) => entry.DetailType === 'purchase.recorded').map((entry) => JSON.parse(entry.Detail ?? '{}') as Record<string, unknown>);

const record = (purchases: unknown[]) =>
  handler(httpEvent({ path: '/v1/admin/purchases', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ purchases }) }), context);
const body = (response: Awaited<ReturnType<typeof record>>) => JSON.parse(response.body ?? '{}');
const purchase = (orderId: string, overrides: Item = {}): Item => ({ orderId, leadId: LEAD_ID, product: 'Pro plan', amount: 49.5, currency: 'usd', purchasedAt: at(10), paymentMethod: 'card', ...overrides });
const storedLead = () => table.get(keyOf(lead())) as { purchases?: { count: number; total: number; currency: string }; version: number };
const purchaseTransactions = () => dynamo.commandCalls(TransactWriteCommand).filter((call) => String(call.args[0].input.TransactItems?.[0]?.Put?.Item?.pk).startsWith('ORDER#'));

describe('record-purchases', () => {
  it('records each purchase with the lead summary in one transaction guarded by the lead version', async () => {
    const response = await record([purchase('A-1'), purchase('A-2', { amount: 10.25, purchasedAt: at(40) })]);
    expect(response.statusCode).toBe(200);
    expect(body(response)).toEqual({
      recorded: 2, duplicates: 0, refused: 0,
      purchases: [{ orderId: 'A-1', status: 'recorded', leadId: LEAD_ID }, { orderId: 'A-2', status: 'recorded', leadId: LEAD_ID }],
    });
    const [first] = purchaseTransactions();
    const items = first?.args[0].input.TransactItems ?? [];
    expect(items[0]?.Put).toMatchObject({
      Item: { pk: 'ORDER#A-1', sk: 'PURCHASE', gsi1pk: `PURCHASES#${LEAD_ID}`, entity: 'purchase', leadId: LEAD_ID, currency: 'USD', amount: 49.5 },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    expect(items[1]?.Update).toMatchObject({ ConditionExpression: 'version = :version', ExpressionAttributeValues: { ':version': 3, ':next': 4 } });
    expect(storedLead().purchases).toEqual({ count: 2, total: 59.75, currency: 'USD', firstAt: at(40), lastAt: at(10) });
    expect(storedLead().version).toBe(5);
  });

  it('counts an order once: a repeat in the same batch or a later request is a duplicate and changes nothing', async () => {
    const first = await record([purchase('B-1'), purchase('B-1', { amount: 999 })]);
    expect(body(first).purchases.map((result: { status: string }) => result.status)).toEqual(['recorded', 'duplicate']);
    const summary = storedLead().purchases;
    const again = await record([purchase('B-1')]);
    expect(body(again)).toMatchObject({ recorded: 0, duplicates: 1, purchases: [{ orderId: 'B-1', status: 'duplicate' }] });
    expect(storedLead().purchases).toEqual(summary);
    expect(storedLead().purchases).toMatchObject({ count: 1, total: 49.5 });
    // One announcement per order: the repeat in the batch is not announced, the later repeat is (it may follow a refused announcement).
    expect(announced().map((detail) => detail.orderId)).toEqual(['B-1', 'B-1']);
  });

  it('announces each recorded order on the bus so the churn risk is reassessed', async () => {
    await record([purchase('K-1'), purchase('K-2', { purchasedAt: at(5) })]);
    expect(announced()).toEqual([
      { version: 1, correlationId: expect.any(String), leadId: LEAD_ID, orderId: 'K-1', purchasedAt: at(10) },
      { version: 1, correlationId: expect.any(String), leadId: LEAD_ID, orderId: 'K-2', purchasedAt: at(5) },
    ]);
  });

  it('answers 503 when the bus refuses, and a repeat announces the recorded order without counting it twice', async () => {
    bus.on(PutEventsCommand).rejects(Object.assign(new Error('Service unavailable'), { name: 'InternalException' }));
    const refused = await record([purchase('L-1')]);
    expect(refused.statusCode).toBe(503);
    expect(refused.headers?.['retry-after']).toBe('2');
    expect(storedLead().purchases).toMatchObject({ count: 1 });

    bus.reset();
    bus.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'bus-event' }] });
    const repeated = await record([purchase('L-1')]);
    expect(body(repeated).purchases).toEqual([{ orderId: 'L-1', status: 'duplicate' }]);
    expect(announced().map((detail) => detail.orderId)).toEqual(['L-1']);
    expect(storedLead().purchases).toMatchObject({ count: 1 });
  });

  it('retries when the lead changed between read and write, counting the purchase once', async () => {
    let interfered = false;
    beforeTransaction = (items) => {
      if (interfered || !String(items[0]?.Put?.Item?.pk).startsWith('ORDER#')) return;
      interfered = true;
      // A form submission lands in between: the lead's version moves on.
      table.set(keyOf(lead()), { ...lead(), version: 4, company: 'Acme' });
    };
    const response = await record([purchase('C-1')]);
    expect(body(response).purchases[0].status).toBe('recorded');
    expect(purchaseTransactions()).toHaveLength(2);
    expect(purchaseTransactions()[1]?.args[0].input.TransactItems?.[1]?.Update?.ExpressionAttributeValues).toMatchObject({ ':version': 4 });
    expect(storedLead()).toMatchObject({ version: 5, company: 'Acme', purchases: { count: 1, total: 49.5 } });
  });

  it('refuses a purchase in another currency than the lead keeps, and one for an unknown lead, recording the rest', async () => {
    table.set(keyOf(lead()), lead({ purchases: { count: 1, total: 100, currency: 'EUR', firstAt: at(50), lastAt: at(50) } }));
    const response = await record([purchase('D-1'), purchase('D-2', { leadId: '9a1f0c3e-2b4d-4e6f-8a7b-1c2d3e4f5a6b' }), purchase('D-3', { currency: 'EUR' })]);
    expect(response.statusCode).toBe(200);
    expect(body(response)).toMatchObject({
      recorded: 1, refused: 2,
      purchases: [
        { orderId: 'D-1', status: 'currency_mismatch', leadId: LEAD_ID, message: expect.stringMatching(/EUR; leadflow converts no currencies/) },
        { orderId: 'D-2', status: 'unknown_lead' },
        { orderId: 'D-3', status: 'recorded' },
      ],
    });
    expect(table.has('ORDER#D-1|PURCHASE')).toBe(false);
    expect(storedLead().purchases).toMatchObject({ count: 2, total: 149.5, currency: 'EUR' });
  });

  it('keeps the currency of the first purchase sent, whether the lead is named by email or by id', async () => {
    table.set('EMAIL#ana@example.com|EMAIL', { pk: 'EMAIL#ana@example.com', sk: 'EMAIL', leadId: LEAD_ID });
    for (let round = 0; round < 3; round += 1) {
      table.set(keyOf(lead()), lead());
      const suffix = `-${round}`;
      const response = await record([purchase(`H-1${suffix}`, { leadId: undefined, email: 'ana@example.com', currency: 'EUR' }), purchase(`H-2${suffix}`)]);
      expect(body(response).purchases.map((result: { status: string }) => result.status)).toEqual(['recorded', 'currency_mismatch']);
      expect(storedLead().purchases?.currency).toBe('EUR');
    }
  });

  it('creates a lead with only its address for an unknown email, and stores no address on the purchase', async () => {
    const response = await record([purchase('E-1', { leadId: undefined, email: ' New.Buyer@Example.com ' })]);
    const [result] = body(response).purchases;
    expect(result).toMatchObject({ orderId: 'E-1', status: 'recorded', leadId: expect.any(String) });
    expect(table.get('EMAIL#new.buyer@example.com|EMAIL')).toMatchObject({ leadId: result.leadId });
    expect(table.get(`LEAD#${result.leadId}|PROFILE`)).toMatchObject({ email: 'new.buyer@example.com', purchases: { count: 1 } });
    expect(JSON.stringify(table.get('ORDER#E-1|PURCHASE'))).not.toContain('example.com');
  });

  it.each([
    ['purchases[3].amount', [purchase('F-1'), purchase('F-2'), purchase('F-3'), purchase('F-4', { amount: 0 })]],
    ['purchases[0].amount', [purchase('F-1', { amount: 1.005 })]],
    ['purchases[0].currency', [purchase('F-1', { currency: 'US' })]],
    ['purchases[0].currency', [purchase('F-1', { currency: 'XYZ' })]],
    ['purchases[0].purchasedAt', [purchase('F-1', { purchasedAt: new Date(Date.now() + 86_400_000).toISOString() })]],
    ['purchases[0].purchasedAt', [purchase('F-1', { purchasedAt: '2026-11-20' })]],
    ['purchases[0].email', [purchase('F-1', { email: 'ana@example.com' })]],
    ['purchases[0].email', [purchase('F-1', { leadId: undefined })]],
    ['purchases[0].paymentMethod', [purchase('F-1', { paymentMethod: 'bitcoin' })]],
    ['purchases[0].quantity', [purchase('F-1', { quantity: 1.5 })]],
    ['purchases[0].orderId', [purchase('F 1')]],
    ['purchases', []],
    ['purchases', Array.from({ length: 101 }, (_, index) => purchase(`F-${index}`))],
  ])('refuses a batch with 400 naming %s and stores nothing (case %#)', async (field, purchases) => {
    const response = await record(purchases);
    expect(response.statusCode).toBe(400);
    expect(body(response).issues.map((issue: { field: string }) => issue.field)).toContain(field);
    expect(dynamo.calls()).toHaveLength(0);
    expect(bus.calls()).toHaveLength(0);
  });

  it('answers 503 with Retry-After when DynamoDB throttles, and a repeat completes without counting twice', async () => {
    let throttled = false;
    beforeTransaction = (items) => {
      if (throttled || items[0]?.Put?.Item?.pk !== 'ORDER#G-2') return;
      throttled = true;
      throw Object.assign(new Error('Throughput exceeds the current capacity'), { name: 'ProvisionedThroughputExceededException' });
    };
    const batch = [purchase('G-1'), purchase('G-2', { amount: 20 })];
    const refused = await record(batch);
    expect(refused.statusCode).toBe(503);
    expect(refused.headers?.['retry-after']).toBe('2');
    expect(body(refused).message).toMatch(/^1 of 2 purchases recorded/);
    expect(storedLead().purchases).toMatchObject({ count: 1, total: 49.5 });

    const repeated = await record(batch);
    expect(repeated.statusCode).toBe(200);
    expect(body(repeated).purchases.map((result: { status: string }) => result.status)).toEqual(['duplicate', 'recorded']);
    expect(storedLead().purchases).toMatchObject({ count: 2, total: 69.5 });
  });
});

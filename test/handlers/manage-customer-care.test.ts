import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient, PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { manageCareSettingsRoutes } from '../../functions/manage-care-settings/routes';
import { DEFAULT_CARE_SETTINGS } from '../../src/domain/care/customer';
import { context, httpEvent, setHandlerEnvironment } from './fixtures';
import { TableFake } from './table-fake';

setHandlerEnvironment();
process.env.MAX_BODY_BYTES = String(64 * 1024);
const dynamo = mockClient(DynamoDBDocumentClient);
const bus = mockClient(EventBridgeClient);
type Handler = (typeof import('../../functions/manage-customer-care/handler'))['handler'];
/** The care functions by the routes each serves, as the API routes a call: the settings are manage-care-settings', the rest manage-customer-care's. */
let handlers: { readonly care: Handler; readonly settings: Handler };
let table: TableFake;

beforeAll(async () => {
  handlers = { care: (await import('../../functions/manage-customer-care/handler')).handler, settings: (await import('../../functions/manage-care-settings/handler')).handler };
});

const LEAD_ID = '0b7e8a52-4c1d-4f7e-9d55-3f3c2b1a0e11';
const NOW = Date.now();
const at = (daysAgo: number) => new Date(NOW - daysAgo * 86_400_000).toISOString();
const lead = { pk: `LEAD#${LEAD_ID}`, sk: 'PROFILE', id: LEAD_ID, email: 'ana@example.com', createdAt: at(300), updatedAt: at(300), firstTouch: { at: at(300) }, lastTouch: { at: at(300) }, subscriptions: {}, version: 3, stage: 'customer' };

beforeEach(() => {
  dynamo.reset();
  table = new TableFake();
  table.attach(dynamo);
  table.put(structuredClone(lead));
  bus.reset();
  bus.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'bus-event' }] });
});

const call = async (method: string, path: string, body?: unknown, route?: string, pathParameters?: Record<string, string>) => {
  const handler = manageCareSettingsRoutes.some((declared) => declared.method === method && declared.path === (route ?? path)) ? handlers.settings : handlers.care;
  const result = await handler(
    httpEvent({ method, path, ...(route ? { route } : {}), ...(pathParameters ? { pathParameters } : {}), ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }) }),
    context,
  );
  return { statusCode: result.statusCode, headers: result.headers ?? {}, body: result.body ? (JSON.parse(result.body) as Record<string, unknown>) : {} };
};
const writes = () => [...dynamo.commandCalls(PutCommand), ...dynamo.commandCalls(UpdateCommand), ...dynamo.commandCalls(TransactWriteCommand)];
const fieldsOf = (body: Record<string, unknown>) => ((body.issues ?? []) as { field: string }[]).map((issue) => issue.field);
const ticket = (overrides: Record<string, unknown> = {}) => ({ ticketId: 'T-1', leadId: LEAD_ID, status: 'open', openedAt: at(2), updatedAt: at(2), ...overrides });
const storedTickets = () => ((table.get({ pk: `LEAD#${LEAD_ID}`, sk: 'PROFILE' })?.care as { tickets?: unknown[] } | undefined)?.tickets ?? []);
const announcedTickets = () =>
  bus.commandCalls(PutEventsCommand).flatMap((call) => call.args[0].input.Entries ?? []).filter((entry) => entry.DetailType === 'care.ticket-recorded').map((entry) => JSON.parse(entry.Detail ?? '{}') as Record<string, unknown>);

describe('manage-customer-care: bad input is a 400 naming the field and stores nothing', () => {
  it.each([
    ['surveyGapDays', { ...DEFAULT_CARE_SETTINGS, surveyGapDays: -1 }],
    ['inbox', { ...DEFAULT_CARE_SETTINGS, inbox: 'not an address' }],
    ['lifespan.configuredYears', { ...DEFAULT_CARE_SETTINGS, lifespan: { configuredYears: 0, minimumChurned: 5 } }],
    ['surveys[1].id', { ...DEFAULT_CARE_SETTINGS, surveys: [DEFAULT_CARE_SETTINGS.surveys[0], DEFAULT_CARE_SETTINGS.surveys[0]] }],
  ])('settings: %s', async (field, settings) => {
    const response = await call('PUT', '/v1/admin/care/settings', settings);
    expect(response.statusCode).toBe(400);
    expect(fieldsOf(response.body)).toContain(field);
    expect(writes()).toHaveLength(0);
  });

  it.each([
    ['tickets[0].ticketId', [ticket({ ticketId: 'has space' })]],
    ['tickets[0].email', [ticket({ email: 'ana@example.com' })]],
    ['tickets[0].updatedAt', [ticket({ updatedAt: at(3) })]],
    ['tickets[1].status', [ticket(), ticket({ ticketId: 'T-2', status: 'lost' })]],
    ['tickets', []],
  ])('tickets: %s', async (field, tickets) => {
    const response = await call('POST', '/v1/admin/care/tickets', { tickets });
    expect(response.statusCode).toBe(400);
    expect(fieldsOf(response.body)).toContain(field);
    expect(writes()).toHaveLength(0);
    expect(bus.calls()).toHaveLength(0);
  });

  it('report: a month before 1970, as every report refuses it', async () => {
    const response = await handlers.care({ ...httpEvent({ method: 'GET', path: '/v1/admin/reports/care' }), queryStringParameters: { to: '0127-12' } }, context);
    expect(response.statusCode).toBe(400);
    expect(fieldsOf(JSON.parse(response.body ?? '{}') as Record<string, unknown>)).toEqual(['to']);
  });

  it('churn: an exit reason not on the list, leaving the customer as it was', async () => {
    const response = await call('POST', `/v1/admin/customers/${LEAD_ID}/churn`, { reason: 'bored', actor: 'ops' }, '/v1/admin/customers/{leadId}/churn', { leadId: LEAD_ID });
    expect(response.statusCode).toBe(400);
    expect(fieldsOf(response.body)).toContain('reason');
    expect(writes()).toHaveLength(0);
    expect(table.get({ pk: `LEAD#${LEAD_ID}`, sk: 'PROFILE' })).toMatchObject({ stage: 'customer', version: 3 });
  });
});

describe('manage-customer-care: SDK faults are answered 503 and lose nothing', () => {
  it('records a ticket and announces it for the churn risk', async () => {
    const response = await call('POST', '/v1/admin/care/tickets', { tickets: [ticket()] });
    expect(response).toMatchObject({ statusCode: 200, body: { tickets: [{ ticketId: 'T-1', status: 'recorded', leadId: LEAD_ID }] } });
    expect(storedTickets()).toHaveLength(1);
    expect(announcedTickets()).toEqual([expect.objectContaining({ leadId: LEAD_ID, ticketId: 'T-1' })]);
  });

  it('answers 503 when the bus refuses the announcement; the repeat announces the stored ticket', async () => {
    bus.on(PutEventsCommand).rejects(Object.assign(new Error('Service unavailable'), { name: 'InternalException' }));
    const refused = await call('POST', '/v1/admin/care/tickets', { tickets: [ticket()] });
    expect(refused.statusCode).toBe(503);
    expect(refused.headers['retry-after']).toBeDefined();
    expect(storedTickets()).toHaveLength(1);

    bus.reset();
    bus.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'bus-event' }] });
    const repeated = await call('POST', '/v1/admin/care/tickets', { tickets: [ticket()] });
    expect(repeated).toMatchObject({ statusCode: 200, body: { tickets: [{ ticketId: 'T-1', status: 'duplicate' }] } });
    expect(announcedTickets()).toEqual([expect.objectContaining({ ticketId: 'T-1' })]);
    expect(storedTickets()).toHaveLength(1);
  });

  it('answers 503 with Retry-After when DynamoDB throttles the write, and a repeat records it', async () => {
    dynamo.on(TransactWriteCommand).rejects(Object.assign(new Error('Throughput exceeds the current capacity'), { name: 'ProvisionedThroughputExceededException', $metadata: {} }));
    const refused = await call('POST', '/v1/admin/care/tickets', { tickets: [ticket()] });
    expect(refused.statusCode).toBe(503);
    expect(refused.headers['retry-after']).toBeDefined();
    expect(storedTickets()).toHaveLength(0);
    expect(announcedTickets()).toHaveLength(0);

    table.attach(dynamo);
    const repeated = await call('POST', '/v1/admin/care/tickets', { tickets: [ticket()] });
    expect(repeated).toMatchObject({ statusCode: 200, body: { tickets: [{ status: 'recorded' }] } });
    expect(storedTickets()).toHaveLength(1);
  });

  it('never answers 200 for settings DynamoDB did not take', async () => {
    const fault = Object.assign(new Error('Internal server error'), { name: 'InternalServerError', $metadata: {} });
    dynamo.on(PutCommand).rejects(fault);
    dynamo.on(TransactWriteCommand).rejects(fault);
    const response = await call('PUT', '/v1/admin/care/settings', { ...DEFAULT_CARE_SETTINGS, surveyGapDays: 30 });
    expect(response.statusCode).toBeGreaterThanOrEqual(500);
    table.attach(dynamo);
    expect((await call('GET', '/v1/admin/care/settings')).body).toMatchObject({ surveyGapDays: DEFAULT_CARE_SETTINGS.surveyGapDays });
  });
});

describe('manage-customer-care: the average lifespan is kept in one item', () => {
  const lifespans = { pk: 'CARE', sk: 'LIFESPANS' };
  const customerPage = () => call('GET', `/v1/admin/customers/${LEAD_ID}/care`, undefined, '/v1/admin/customers/{leadId}/care', { leadId: LEAD_ID });

  it('values customers with the configured lifespan the settings save beside the churned count, then with the learned one', async () => {
    expect((await call('PUT', '/v1/admin/care/settings', { ...DEFAULT_CARE_SETTINGS, lifespan: { configuredYears: 7, minimumChurned: 2 } })).statusCode).toBe(200);
    expect(table.get(lifespans)).toMatchObject({ configuredYears: 7, minimumChurned: 2 });
    expect((await customerPage()).body).toMatchObject({ lifetimeValue: { lifespan: { years: 7, source: 'configured' } }, fields: { lifespanYears: 7 } });

    table.put({ ...lifespans, ...table.get(lifespans), churned: 2, totalDays: 2 * 365.25 });
    expect((await customerPage()).body).toMatchObject({ lifetimeValue: { lifespan: { years: 1, source: 'learned', churnedCustomers: 2 } }, fields: { lifespanYears: 1 } });
  });

  it('reads the lifespan settings saved before they were kept beside the churned count', async () => {
    table.put({ pk: 'CARE', sk: 'SETTINGS', settings: { ...DEFAULT_CARE_SETTINGS, lifespan: { configuredYears: 4, minimumChurned: 5 } } });
    table.put({ ...lifespans, churned: 1, totalDays: 100 });
    expect((await customerPage()).body).toMatchObject({ lifetimeValue: { lifespan: { years: 4, source: 'configured', churnedCustomers: 1 } } });
  });
});

describe('manage-customer-care: every existing customer gets its daily reassessment timer', () => {
  const OTHER_CUSTOMER = 'a1b2c3d4-0000-4000-8000-000000000001';
  const PROSPECT = '5c2d1e0f-0000-4000-8000-000000000002';
  const listed = (id: string, stage?: string) => ({ ...lead, pk: `LEAD#${id}`, id, gsi1pk: `LEADS#${id.charAt(0)}`, gsi1sk: id, ...(stage ? { stage } : { stage: undefined }) });
  const reassessmentsAsked = () =>
    bus
      .commandCalls(PutEventsCommand)
      .flatMap((call) => call.args[0].input.Entries ?? [])
      .filter((entry) => entry.DetailType === 'care.reassessment-due')
      .map((entry) => (JSON.parse(entry.Detail ?? '{}') as { leadId: string }).leadId);
  const backfill = (body: Record<string, unknown>) => call('POST', '/v1/admin/care/reassessment-timers', body);

  beforeEach(() => {
    table.put(listed(LEAD_ID, 'customer'));
    table.put(listed(OTHER_CUSTOMER, 'customer'));
    table.put(listed(PROSPECT, 'mql'));
  });

  it('asks for a reassessment of each customer, page by page with a cursor, and of no other lead', async () => {
    const first = await backfill({ limit: 1 });
    expect(first).toMatchObject({ statusCode: 200, body: { scanned: 1, customers: 1 } });
    expect(typeof first.body.cursor).toBe('string');
    const pages = [first];
    while (typeof pages.at(-1)?.body.cursor === 'string') pages.push(await backfill({ cursor: pages.at(-1)?.body.cursor, limit: 1 }));
    expect(pages.every((page) => page.statusCode === 200)).toBe(true);
    expect(reassessmentsAsked().sort()).toEqual([LEAD_ID, OTHER_CUSTOMER].sort());
    expect(pages.reduce((sum, page) => sum + Number(page.body.scanned), 0)).toBe(3);
  });

  it('asks again when run again (each timer is made only where none exists, so a repeat is harmless)', async () => {
    expect((await backfill({})).body).toMatchObject({ scanned: 3, customers: 2 });
    expect((await backfill({})).body).toMatchObject({ scanned: 3, customers: 2 });
    expect(reassessmentsAsked()).toHaveLength(4);
  });

  it.each([
    ['not base64 JSON', 'not a cursor!'],
    ['a shard out of range', Buffer.from(JSON.stringify({ shard: 99 })).toString('base64url')],
    ['a start key of another partition', Buffer.from(JSON.stringify({ shard: 0, startKey: { pk: 'CARE', sk: 'SETTINGS', gsi1pk: 'CARE#', gsi1sk: 'x' } })).toString('base64url')],
  ])('refuses a cursor that is %s with 400 naming it, asking for nothing', async (_case, cursor) => {
    const response = await backfill({ cursor });
    expect(response.statusCode).toBe(400);
    expect(fieldsOf(response.body)).toEqual(['cursor']);
    expect(reassessmentsAsked()).toEqual([]);
  });

  it('answers 503 when the bus refuses, so the same page is repeated', async () => {
    bus.on(PutEventsCommand).rejects(Object.assign(new Error('Internal'), { name: 'InternalException', $metadata: {} }));
    expect((await backfill({})).statusCode).toBe(503);
  });
});

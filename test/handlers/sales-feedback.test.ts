import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { consoleUser, context, httpEvent, setHandlerEnvironment } from './fixtures';
import { lifecycleTable, type Item } from './lifecycle-table';
import { scoreFromItem } from '../../src/adapters/score-items';

setHandlerEnvironment();
process.env.MAX_BODY_BYTES = String(64 * 1024);
const dynamo = mockClient(DynamoDBDocumentClient);
const bus = mockClient(EventBridgeClient);
let handler: (typeof import('../../functions/sales-feedback/handler'))['handler'];

beforeAll(async () => {
  ({ handler } = await import('../../functions/sales-feedback/handler'));
});

const LEAD_ID = '7f3e2d1c-0b9a-4876-8543-210fedcba987';
const OTHER_ID = '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d';
const leadItem = (id: string, extra: Item = {}): Item => ({
  pk: `LEAD#${id}`, sk: 'PROFILE', id, email: `${id.slice(0, 4)}@example.com`, createdAt: '2026-11-01T00:00:00.000Z', updatedAt: '2026-11-01T00:00:00.000Z',
  firstTouch: { at: '2026-11-01T00:00:00.000Z', formId: 'demo' }, lastTouch: { at: '2026-11-01T00:00:00.000Z', formId: 'demo' }, subscriptions: {},
  score: {
    rulesetVersion: 'v1', fit: 60, engagement: 50, engagementAt: '2026-11-20T00:00:00.000Z', eventCount: 6, grade: 'A', total: 110, qualified: true, qualifications: 1,
    qualifiedAt: '2026-11-20T00:00:00.000Z',
    tallies: {
      'decision-maker': { description: 'Decision maker', score: 'fit', kind: 'profile', points: 60, times: 1, value: 60, hits: [] },
      'pricing-page': { description: 'Pricing page', score: 'engagement', kind: 'event', points: 50, times: 2, value: 50, hits: [] },
    },
  },
  stage: 'mql', version: 3, ...extra,
});

let store: ReturnType<typeof lifecycleTable>;
const lead = (id = LEAD_ID) => store.table.get(`LEAD#${id}|PROFILE`);
const call = async (method: string, path: string, route: string, body?: unknown, pathParameters?: Record<string, string>) => {
  const response = await handler(
    httpEvent({ method, path, route, ...(pathParameters ? { pathParameters } : {}), headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) }),
    context,
  );
  return { status: response.statusCode, body: JSON.parse(response.body ?? '{}') as Record<string, unknown> };
};
const feedback = (body: unknown, leadId = LEAD_ID) =>
  call('POST', `/v1/admin/leads/${leadId}/feedback`, '/v1/admin/leads/{leadId}/feedback', body, { leadId });
const crm = (updates: unknown[]) => call('POST', '/v1/admin/crm/updates', '/v1/admin/crm/updates', { updates });

beforeEach(() => {
  dynamo.reset();
  bus.reset();
  store = lifecycleTable(dynamo);
  store.table.set(`LEAD#${LEAD_ID}|PROFILE`, leadItem(LEAD_ID));
  store.table.set(`LEAD#${OTHER_ID}|PROFILE`, leadItem(OTHER_ID));
  store.table.set('EMAIL#other@example.com|EMAIL', { pk: 'EMAIL#other@example.com', sk: 'EMAIL', leadId: OTHER_ID });
  bus.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });
});

describe('sales feedback', () => {
  it('accept moves an mql to sql, records the transition with the actor and publishes the change', async () => {
    const response = await feedback({ action: 'accept', actor: 'rep-7' });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ leadId: LEAD_ID, stage: 'sql', transition: { from: 'mql', to: 'sql', cause: 'accepted', actor: 'rep-7' } });
    expect(lead()).toMatchObject({ stage: 'sql', version: 4 });
    expect(store.transitions()).toEqual([expect.objectContaining({ from: 'mql', to: 'sql', actor: 'rep-7', cause: 'accepted' })]);
    const entry = bus.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0];
    expect(entry?.DetailType).toBe('lead.stage-changed');
    expect(JSON.parse(entry?.Detail ?? '{}')).toMatchObject({ leadId: LEAD_ID, from: 'mql', to: 'sql', cause: 'accepted', actor: 'rep-7' });
  });

  it('reject with a listed reason recycles the lead and resets its engagement, keeping fit', async () => {
    const response = await feedback({ action: 'reject', reason: 'no_budget', actor: 'rep-7' });
    expect(response.status).toBe(200);
    expect(lead()?.stage).toBe('recycled');
    // The lead was stored with its score on the profile (before scores had an item of their own): the recycled score gets one.
    const recycled = scoreFromItem(store.table.get(`LEAD#${LEAD_ID}|SCORE`)?.score as Record<string, unknown>);
    expect(recycled).toMatchObject({ fit: 60, engagement: 0, total: 60, qualified: false, qualifications: 1 });
    expect(Object.keys((recycled as { tallies: Item }).tallies)).toEqual(['decision-maker']);
    expect(store.transitions()[0]).toMatchObject({ to: 'recycled', cause: 'rejected', reason: 'no_budget' });
  });

  it('won moves an opportunity to customer with the deal; lost recycles, or disqualifies for a "never" reason', async () => {
    store.table.set(`LEAD#${LEAD_ID}|PROFILE`, leadItem(LEAD_ID, { stage: 'opportunity' }));
    const won = await feedback({ action: 'won', reason: 'product_fit', amount: 1200, currency: 'usd', billingFrequency: 'yearly', actor: 'rep-7' });
    expect(won.status).toBe(200);
    expect(lead()?.stage).toBe('customer');
    expect(store.transitions()[0]).toMatchObject({ to: 'customer', cause: 'won', reason: 'product_fit', deal: { amount: 1200, currency: 'USD', billingFrequency: 'yearly' } });
    // The first win is kept on the lead for back-tests; a churned customer won again keeps it.
    expect(lead()?.wonAt).toBe(store.transitions()[0]?.at);
    store.table.set(`LEAD#${LEAD_ID}|PROFILE`, { ...lead(), stage: 'opportunity', wonAt: '2026-01-05T00:00:00.000Z' });
    expect((await feedback({ action: 'won', reason: 'product_fit', amount: 50, currency: 'USD', billingFrequency: 'monthly', actor: 'rep-7' })).status).toBe(200);
    expect(lead()?.wonAt).toBe('2026-01-05T00:00:00.000Z');

    store.table.set(`LEAD#${OTHER_ID}|PROFILE`, leadItem(OTHER_ID, { stage: 'opportunity' }));
    expect((await feedback({ action: 'lost', reason: 'competitor', actor: 'rep-7' }, OTHER_ID)).body).toMatchObject({ stage: 'recycled' });
    store.table.set(`LEAD#${OTHER_ID}|PROFILE`, leadItem(OTHER_ID, { stage: 'opportunity', version: 9 }));
    expect((await feedback({ action: 'lost', reason: 'not_a_fit', actor: 'rep-7' }, OTHER_ID)).body).toMatchObject({ stage: 'disqualified' });
  });

  it("frees a place under the owner's capacity once, when the assigned MQL leaves the stage", async () => {
    store.table.set(`LEAD#${LEAD_ID}|PROFILE`, leadItem(LEAD_ID, { owner: { repId: 'rep-7', teamId: 'apac', assignedAt: '2026-11-20T00:00:00.000Z' } }));
    store.table.set('ROUTING#REP#rep-7|LOAD', { pk: 'ROUTING#REP#rep-7', sk: 'LOAD', repId: 'rep-7', open: 3 });
    expect((await feedback({ action: 'accept', actor: 'rep-7' })).status).toBe(200);
    expect(store.table.get('ROUTING#REP#rep-7|LOAD')?.open).toBe(2);
    expect((lead()?.owner as { releasedAt?: string }).releasedAt).toEqual(expect.any(String));
    // Later moves of the same lead free nothing more.
    expect((await feedback({ action: 'disqualify', reason: 'duplicate', actor: 'rep-7' })).status).toBe(200);
    expect(store.table.get('ROUTING#REP#rep-7|LOAD')?.open).toBe(2);
  });

  it('refuses an invalid transition with 409 naming the stage and what is allowed, changing nothing', async () => {
    const response = await feedback({ action: 'won', reason: 'product_fit', amount: 10, currency: 'USD', billingFrequency: 'monthly', actor: 'rep-7' });
    expect(response.status).toBe(409);
    expect(response.body).toMatchObject({ stage: 'mql', requested: 'customer', allowed: ['sql', 'recycled', 'disqualified'] });
    expect(String(response.body.message)).toContain('mql');
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(0);
    expect(lead()).toMatchObject({ stage: 'mql', version: 3 });
  });

  it('refuses a reason not on the list with 400 naming reason and listing the allowed ones', async () => {
    const response = await feedback({ action: 'reject', reason: 'too_busy', actor: 'rep-7' });
    expect(response.status).toBe(400);
    expect(response.body.issues).toEqual([{ field: 'reason', message: expect.stringContaining('not_decision_maker') }]);
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it('names the field at fault for bad input: action, a missing reason or amount, the lead id', async () => {
    expect((await feedback({ action: 'promote', actor: 'rep-7' })).body.issues).toEqual([expect.objectContaining({ field: 'action' })]);
    expect((await feedback({ action: 'reject', actor: 'rep-7' })).body.issues).toEqual([expect.objectContaining({ field: 'reason' })]);
    expect((await feedback({ action: 'won', reason: 'price', actor: 'rep-7', currency: 'USD', billingFrequency: 'yearly' })).body.issues).toEqual([expect.objectContaining({ field: 'amount' })]);
    expect((await feedback({ action: 'accept' })).body.issues).toEqual([expect.objectContaining({ field: 'actor' })]);
    expect((await feedback({ action: 'accept', actor: 'rep-7' }, 'not-a-uuid')).status).toBe(400);
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it('answers 404 for an unknown lead', async () => {
    expect((await feedback({ action: 'accept', actor: 'rep-7' }, '00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });

  it('retries when the lead changed concurrently, deciding again on the fresh lead', async () => {
    let raced = false;
    store.hooks.beforeTransaction = () => {
      if (raced) return;
      raced = true;
      // Scoring wrote the lead between our read and our write.
      store.table.set(`LEAD#${LEAD_ID}|PROFILE`, { ...lead(), version: 4 });
    };
    const response = await feedback({ action: 'accept', actor: 'rep-7' });
    expect(response.status).toBe(200);
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(2);
    expect(lead()).toMatchObject({ stage: 'sql', version: 5 });
    expect(store.transitions()).toHaveLength(1);
  });
});

describe('sales reasons settings', () => {
  it('serves the standard lists, then a team\'s own, which feedback then follows', async () => {
    const defaults = await call('GET', '/v1/admin/settings/sales-reasons', '/v1/admin/settings/sales-reasons');
    expect((defaults.body.reject as { code: string }[]).map((reason) => reason.code)).toContain('no_budget');
    const own = { ...defaults.body, reject: [{ code: 'too_busy', label: 'Too busy' }] };
    expect((await call('PUT', '/v1/admin/settings/sales-reasons', '/v1/admin/settings/sales-reasons', own)).status).toBe(200);
    expect((await feedback({ action: 'reject', reason: 'no_budget', actor: 'rep-7' })).status).toBe(400);
    expect((await feedback({ action: 'reject', reason: 'too_busy', actor: 'rep-7' })).status).toBe(200);
  });

  it('refuses invalid lists naming the field, saving nothing', async () => {
    const response = await call('PUT', '/v1/admin/settings/sales-reasons', '/v1/admin/settings/sales-reasons', { reject: [], won: [{ code: 'x1', label: 'X' }], lost: [{ code: 'y1', label: 'Y' }] });
    expect(response.status).toBe(400);
    expect(response.body.issues).toEqual([expect.objectContaining({ field: 'reject' })]);
    expect(store.table.has('SETTINGS|SALES_REASONS')).toBe(false);
  });
});

describe('CRM updates', () => {
  const update = (extra: Item) => ({ updateId: 'u-1', occurredAt: '2026-11-21T10:00:00Z', leadId: LEAD_ID, ...extra });

  it('applies a stage change and contact details once: a repeated update id changes nothing', async () => {
    const first = await crm([update({ stage: 'sql', contact: { company: 'Acme', phone: '+62 21 555 0100' } })]);
    expect(first.body.updates).toEqual([{ updateId: 'u-1', status: 'applied', leadId: LEAD_ID, stage: 'sql' }]);
    expect(lead()).toMatchObject({ stage: 'sql', company: 'Acme', phone: '+62 21 555 0100', crmUpdatedAt: '2026-11-21T10:00:00.000Z' });
    const version = lead()?.version;
    const again = await crm([update({ stage: 'sql', contact: { company: 'Acme' } })]);
    expect(again.body.updates).toEqual([{ updateId: 'u-1', status: 'duplicate', leadId: LEAD_ID }]);
    expect(lead()?.version).toBe(version);
    expect(store.transitions()).toHaveLength(1);
    expect(store.transitions()[0]).toMatchObject({ cause: 'crm', actor: 'crm', at: '2026-11-21T10:00:00.000Z' });
  });

  it('announces a CRM contact change as lead.contact-changed with source crm and the update id, field names only; a repeat announces it again', async () => {
    const contactEvents = () =>
      bus.commandCalls(PutEventsCommand).flatMap((call) => call.args[0].input.Entries ?? []).filter((entry) => entry.DetailType === 'lead.contact-changed').map((entry) => entry.Detail ?? '');
    await crm([update({ stage: 'sql', contact: { company: 'Acme', phone: '+62 21 555 0100' } }), update({ updateId: 'u-2', stage: 'opportunity', occurredAt: '2026-11-21T11:00:00Z' })]);
    expect(contactEvents().map((detail) => JSON.parse(detail) as Record<string, unknown>)).toEqual([
      expect.objectContaining({ leadId: LEAD_ID, changeId: 'crm:u-1', fields: ['company', 'phone'], at: '2026-11-21T10:00:00.000Z', source: 'crm' }),
    ]);
    expect(contactEvents()[0]).not.toContain('Acme');
    await crm([update({ stage: 'sql', contact: { company: 'Acme', phone: '+62 21 555 0100' } })]);
    expect(contactEvents()).toHaveLength(2);
    expect(JSON.parse(contactEvents()[1] ?? '{}')).toMatchObject({ changeId: 'crm:u-1' });
  });

  it('answers 503 when the contact change cannot be announced; repeating the request finishes it without applying twice', async () => {
    bus.on(PutEventsCommand).rejects(new Error('bus down'));
    const failed = await crm([update({ contact: { company: 'Acme' } })]);
    expect(failed.status).toBe(503);
    expect(lead()?.company).toBe('Acme');
    const version = lead()?.version;
    bus.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });
    const repeated = await crm([update({ contact: { company: 'Acme' } })]);
    expect(repeated.body.updates).toEqual([{ updateId: 'u-1', status: 'duplicate', leadId: LEAD_ID }]);
    expect(lead()?.version).toBe(version);
  });

  it('orders by the CRM\'s time: an update older than the last applied is stale and changes nothing', async () => {
    await crm([update({ updateId: 'u-new', occurredAt: '2026-11-21T12:00:00Z', contact: { company: 'New Co' } })]);
    const old = await crm([update({ updateId: 'u-old', occurredAt: '2026-11-21T09:00:00Z', contact: { company: 'Old Co' } })]);
    expect(old.body.updates).toEqual([expect.objectContaining({ updateId: 'u-old', status: 'stale' })]);
    expect(lead()?.company).toBe('New Co');
  });

  it('applies a batch oldest first, whatever order it was sent in', async () => {
    const result = await crm([
      update({ updateId: 'u-2', occurredAt: '2026-11-21T12:00:00Z', stage: 'opportunity' }),
      update({ updateId: 'u-1', occurredAt: '2026-11-21T11:00:00Z', stage: 'sql' }),
    ]);
    expect((result.body.updates as { status: string }[]).map((item) => item.status)).toEqual(['applied', 'applied']);
    expect(lead()?.stage).toBe('opportunity');
  });

  it('refuses a stage the transition table does not allow, per item, and resolves leads by email', async () => {
    const result = await crm([
      update({ stage: 'customer' }),
      { updateId: 'u-2', occurredAt: '2026-11-21T10:00:00Z', email: 'Other@Example.com', stage: 'sql' },
      { updateId: 'u-3', occurredAt: '2026-11-21T10:00:00Z', email: 'nobody@example.com', stage: 'sql' },
    ]);
    expect(result.status).toBe(200);
    expect(result.body.updates).toEqual([
      expect.objectContaining({ updateId: 'u-1', status: 'invalid_transition', stage: 'mql', allowed: ['sql', 'recycled', 'disqualified'] }),
      { updateId: 'u-2', status: 'applied', leadId: OTHER_ID, stage: 'sql' },
      expect.objectContaining({ updateId: 'u-3', status: 'unknown_lead' }),
    ]);
    expect(lead()).toMatchObject({ stage: 'mql', version: 3 });
  });

  it('names the field at fault in a bad update', async () => {
    const result = await crm([{ updateId: 'u-1', occurredAt: 'yesterday', leadId: LEAD_ID, stage: 'sql' }]);
    expect(result.status).toBe(400);
    expect(result.body.issues).toEqual([expect.objectContaining({ field: 'updates[0].occurredAt' })]);
    expect((await crm([{ updateId: 'u-1', occurredAt: '2026-11-21T10:00:00Z', leadId: LEAD_ID }])).body.issues).toEqual([expect.objectContaining({ field: 'updates[0].stage' })]);
  });
});

describe('sales feedback from the console', () => {
  const asUser = async (authorizer: Record<string, unknown>, body: unknown, leadId = LEAD_ID) => {
    const response = await handler(
      httpEvent({
        path: `/v1/admin/leads/${leadId}/feedback`,
        route: '/v1/admin/leads/{leadId}/feedback',
        pathParameters: { leadId },
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        authorizer,
      }),
      context,
    );
    return { status: response.statusCode, body: JSON.parse(response.body ?? '{}') as Record<string, unknown> };
  };
  const owned = (repId: string) => store.table.set(`LEAD#${LEAD_ID}|PROFILE`, leadItem(LEAD_ID, { owner: { repId, teamId: 'emea', assignedAt: '2026-11-20T00:00:00.000Z' } }));

  it("records a signed-in rep's feedback on their own lead as given by them, with no actor in the body", async () => {
    owned('rep-ana');
    const response = await asUser(consoleUser('rep-ana', ['sales'], 'Ana Putri'), { action: 'accept' });
    expect(response.status).toBe(200);
    expect(store.transitions()).toEqual([expect.objectContaining({ to: 'sql', actor: 'rep-ana' })]);
  });

  it('refuses an actor other than the one signed in with 400 naming actor, and changes nothing', async () => {
    owned('rep-ana');
    const response = await asUser(consoleUser('rep-ana', ['sales']), { action: 'accept', actor: 'rep-budi' });
    expect(response.status).toBe(400);
    expect(response.body.issues).toEqual([{ field: 'actor', message: expect.stringContaining('must be you (rep-ana)') }]);
    expect(lead()?.stage).toBe('mql');
  });

  it("refuses a rep's feedback on another rep's lead with 403, and changes nothing", async () => {
    owned('rep-budi');
    const response = await asUser(consoleUser('rep-ana', ['sales']), { action: 'accept' });
    expect(response.status).toBe(403);
    expect(response.body.message).toMatch(/not yours/);
    expect(lead()?.stage).toBe('mql');
    expect(store.transitions()).toEqual([]);
  });

  it('lets an admin give feedback on any lead, recorded as the admin; a marketer may not give feedback at all', async () => {
    owned('rep-budi');
    expect((await asUser(consoleUser('marketer-mia', ['marketer']), { action: 'accept' })).status).toBe(403);
    expect((await asUser(consoleUser('admin-ada', ['admin']), { action: 'accept' })).status).toBe(200);
    expect(store.transitions()).toEqual([expect.objectContaining({ actor: 'admin-ada' })]);
  });

  it('still needs an actor from a service (the CLI names the rep it acts for)', async () => {
    const response = await feedback({ action: 'accept' });
    expect(response.status).toBe(400);
    expect(response.body.issues).toEqual([{ field: 'actor', message: 'is required: name who gives the feedback' }]);
  });
});

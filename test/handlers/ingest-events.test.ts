import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { context, httpEvent, setHandlerEnvironment } from './fixtures';
import { TableFake } from './table-fake';
import { scopedEventId } from '../../src/domain/idempotency';

setHandlerEnvironment();
const dynamo = mockClient(DynamoDBDocumentClient);
const bus = mockClient(EventBridgeClient);
let table: TableFake;
let handler: (typeof import('../../functions/ingest-events/handler'))['handler'];

beforeAll(async () => {
  ({ handler } = await import('../../functions/ingest-events/handler'));
});

beforeEach(() => {
  dynamo.reset();
  bus.reset();
  table = new TableFake();
  table.attach(dynamo);
  bus.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });
});

const minuteAgo = new Date(Date.now() - 60_000).toISOString();
const pageView = (id: string, email: string, url = 'https://example.com/pricing') => ({ id, type: 'page_view', occurredAt: minuteAgo, email, properties: { url } });
const send = async (events: unknown[]) => {
  const response = await handler(httpEvent({ path: '/v1/events', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ events }) }), context);
  return { status: response.statusCode, body: JSON.parse(response.body ?? '{}') as { events?: { id: string; status: string }[]; issues?: { field: string; message: string }[] } };
};
const snapshot = () => JSON.stringify([...table.items.entries()].sort());

describe('ingest-events', () => {
  it('creates a new address\'s lead in the same transaction as its first event: never one without the other', async () => {
    const answer = await send([pageView('evt-00000001', 'jane@example.com')]);
    expect(answer.status).toBe(202);
    const [transaction] = dynamo.commandCalls(TransactWriteCommand);
    expect(transaction?.args[0].input.TransactItems?.map((item) => item.Put?.Item?.entity ?? item.Put?.Item?.pk)).toEqual(['EMAIL#jane@example.com', 'lead', 'stage-transition', 'score', 'event']);
    expect(dynamo.commandCalls(PutCommand)).toHaveLength(0);
  });

  it('reports a faithful repeat as a duplicate and stores nothing new', async () => {
    await send([pageView('evt-00000001', 'jane@example.com')]);
    const before = snapshot();
    const repeat = await send([pageView('evt-00000001', 'jane@example.com')]);
    expect(repeat.body.events).toEqual([{ id: 'evt-00000001', status: 'duplicate' }]);
    expect(snapshot()).toBe(before);
  });

  it('refuses an event id used before for a different event with 409 naming it, writing none of the batch', async () => {
    await send([pageView('evt-00000001', 'jane@example.com')]);
    const before = snapshot();
    const conflicting = await send([pageView('evt-00000002', 'jane@example.com'), pageView('evt-00000001', 'jane@example.com', 'https://example.com/careers')]);
    expect(conflicting.status).toBe(409);
    expect(conflicting.body.issues).toEqual([{ field: 'events[1].id', message: expect.stringContaining('already used for a different event') }]);
    expect(snapshot()).toBe(before);
    expect(bus.commandCalls(PutEventsCommand)).toHaveLength(1);
  });

  it('refuses one id used twice in a batch for different events', async () => {
    const answer = await send([pageView('evt-00000003', 'jane@example.com'), pageView('evt-00000003', 'jane@example.com', 'https://example.com/demo')]);
    expect(answer.status).toBe(409);
    expect(table.items.size).toBe(0);
  });

  it('keeps event ids apart per visitor: another visitor who guesses an id does not make the real event a duplicate', async () => {
    await send([pageView('evt-guessable-1', 'mallory@example.com', 'https://example.com/careers')]);
    const real = await send([pageView('evt-guessable-1', 'jane@example.com')]);
    expect(real.status).toBe(202);
    expect(real.body.events).toEqual([{ id: 'evt-guessable-1', status: 'accepted' }]);
  });

  it("announces each lead's events of a request in one engagement.recorded naming them all, and a visitor's not until they identify", async () => {
    const anonymous = { id: 'evt-anon-1', type: 'page_view', occurredAt: minuteAgo, anonymousId: 'visitor-0001', properties: { url: 'https://example.com/demo' } };
    const batch = [pageView('evt-jane-1', 'jane@example.com'), pageView('evt-bob-1', 'bob@example.com'), anonymous, pageView('evt-jane-2', 'jane@example.com', 'https://example.com/demo'), pageView('evt-jane-3', 'jane@example.com', 'https://example.com/demo')];
    const published = () =>
      bus.commandCalls(PutEventsCommand).flatMap((call) => (call.args[0].input.Entries ?? []).map((entry) => ({ detailType: entry.DetailType, detail: JSON.parse(entry.Detail ?? '{}') })));

    expect((await send(batch)).status).toBe(202);
    const announced = published();
    expect(announced).toEqual([
      { detailType: 'engagement.recorded', detail: { version: 2, correlationId: expect.any(String), leadId: expect.any(String), eventIds: ['evt-jane-1', 'evt-jane-2', 'evt-jane-3'].map((id) => scopedEventId({ email: 'jane@example.com' }, id)) } },
      { detailType: 'engagement.recorded', detail: { version: 2, correlationId: expect.any(String), leadId: expect.any(String), eventIds: [scopedEventId({ email: 'bob@example.com' }, 'evt-bob-1')] } },
    ]);
    expect(new Set(announced.map((event) => event.detail.leadId)).size).toBe(2);

    // A retried request announces the same, so events stored by an attempt that failed to publish are scored.
    bus.resetHistory();
    expect((await send(batch)).body.events?.map((event) => event.status)).toEqual(['duplicate', 'duplicate', 'duplicate', 'duplicate', 'duplicate']);
    expect(published()).toEqual(announced);
  });

  it('refuses hostile values with a 400 naming the field, and the table stays as it was', async () => {
    await send([pageView('evt-00000001', 'jane@example.com')]);
    const before = snapshot();
    for (const [event, field] of [
      [{ ...pageView('evt-00000010', 'new@example.com'), type: 'trial_started', properties: { seats: 1e200 } }, 'events[0].properties.seats'],
      [{ ...pageView('evt-00000011', 'new@example.com'), occurredAt: '0000-01-01T00:00:00Z' }, 'events[0].occurredAt'],
      [pageView('evt-00000012', 'new@example.com', 'javascript:alert(1)'), 'events[0].properties.url'],
      [{ ...pageView('evt-00000013', 'new@example.com'), email: 42 }, 'events[0].email'],
    ] as const) {
      const answer = await send([event]);
      expect(answer.status).toBe(400);
      expect(answer.body.issues?.[0]?.field).toBe(field);
    }
    expect(snapshot()).toBe(before);
  });
});

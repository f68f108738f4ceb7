import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { consoleUser, context, httpEvent, setHandlerEnvironment } from './fixtures';
import { answerLeadReadsFromGets } from './lead-reads';

setHandlerEnvironment();
const dynamo = mockClient(DynamoDBDocumentClient);
const bus = mockClient(EventBridgeClient);
let handler: (typeof import('../../functions/manage-journey-enrolments/handler'))['handler'];

beforeAll(async () => {
  ({ handler } = await import('../../functions/manage-journey-enrolments/handler'));
});

const JOURNEY_ID = '3d2c1b0a-9f8e-4d7c-8b6a-5f4e3d2c1b0a';
const LEAD_ID = '7f3e2d1c-0b9a-4876-8543-210fedcba987';
const at = '2026-11-01T00:00:00.000Z';
const draft = { name: 'Welcome', entry: { kind: 'manual' }, steps: [{ id: 'wait', type: 'wait', duration: { days: 1 } }] };
const items = new Map<string, Record<string, unknown>>([
  [`JOURNEY#${JOURNEY_ID}|JOURNEY`, { pk: `JOURNEY#${JOURNEY_ID}`, sk: 'JOURNEY', id: JOURNEY_ID, name: 'Welcome', status: 'published', publishedVersion: 1, draft, createdAt: at, updatedAt: at }],
  [`JOURNEY#${JOURNEY_ID}|VERSION#000001`, { pk: `JOURNEY#${JOURNEY_ID}`, sk: 'VERSION#000001', version: 1, definition: draft, publishedAt: at }],
  [`LEAD#${LEAD_ID}|PROFILE`, { pk: `LEAD#${LEAD_ID}`, sk: 'PROFILE', id: LEAD_ID, email: 'ana@example.com', createdAt: at, updatedAt: at, firstTouch: { at }, lastTouch: { at }, subscriptions: {}, version: 1 }],
]);

beforeEach(() => {
  dynamo.reset();
  bus.reset();
  dynamo.on(GetCommand).callsFake(async (input: { Key: { pk: string; sk: string } }) => ({ Item: items.get(`${input.Key.pk}|${input.Key.sk}`) }));
  bus.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
  answerLeadReadsFromGets(dynamo);
});

const call = async (path: string, body: unknown, authorizer?: Record<string, unknown>) => {
  const response = await handler(
    httpEvent({ method: 'POST', path, route: path.replace(JOURNEY_ID, '{journeyId}'), pathParameters: { journeyId: JOURNEY_ID }, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), ...(authorizer ? { authorizer } : {}) }),
    context,
  );
  return { status: response.statusCode, body: JSON.parse(response.body ?? '{}') };
};
const writes = () => [...dynamo.commandCalls(PutCommand), ...dynamo.commandCalls(UpdateCommand)];

describe('POST /v1/admin/journeys/{journeyId}/enrolments', () => {
  it('asks the runner to enrol a lead of a published journey: 202, one enrolment request on the bus', async () => {
    expect(await call(`/v1/admin/journeys/${JOURNEY_ID}/enrolments`, { leadId: LEAD_ID })).toEqual({ status: 202, body: { journeyId: JOURNEY_ID, leadId: LEAD_ID, status: 'requested' } });
    const entries = bus.commandCalls(PutEventsCommand).flatMap((request) => request.args[0].input.Entries ?? []);
    expect(entries.map((entry) => [entry.DetailType, JSON.parse(entry.Detail ?? '{}')])).toEqual([['journey.enrolment-requested', expect.objectContaining({ journeyId: JOURNEY_ID, leadId: LEAD_ID })]]);
  });

  it('answers 400 naming leadId for a lead id that is not one or names no lead, and puts nothing on the bus', async () => {
    const malformed = await call(`/v1/admin/journeys/${JOURNEY_ID}/enrolments`, { leadId: 'ana' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.issues[0].field).toBe('leadId');
    const unknown = await call(`/v1/admin/journeys/${JOURNEY_ID}/enrolments`, { leadId: '0b9a7f3e-2d1c-4876-8543-210fedcba987' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.issues[0].field).toBe('leadId');
    expect(bus.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it('refuses a sales rep (403): journeys are marketing work', async () => {
    expect((await call(`/v1/admin/journeys/${JOURNEY_ID}/enrolments`, { leadId: LEAD_ID }, consoleUser('rep-ana', ['sales']))).status).toBe(403);
    expect(bus.commandCalls(PutEventsCommand)).toHaveLength(0);
  });
});

describe('POST /v1/admin/journeys/{journeyId}/moves and /moves/all', () => {
  it('answers 400 naming the field for a bad move request, and reads and writes nothing', async () => {
    for (const [path, body, field] of [
      ['moves', { leadIds: [] }, 'leadIds'],
      ['moves', { leadIds: [LEAD_ID, LEAD_ID] }, 'leadIds'],
      ['moves', { leadIds: [LEAD_ID], version: 0 }, 'version'],
      ['moves/all', { version: 'latest' }, 'version'],
    ] as const) {
      const answer = await call(`/v1/admin/journeys/${JOURNEY_ID}/${path}`, body);
      expect({ path, status: answer.status, field: answer.body.issues?.[0]?.field }).toEqual({ path, status: 400, field });
    }
    expect(dynamo.commandCalls(GetCommand)).toHaveLength(0);
    expect(dynamo.commandCalls(QueryCommand)).toHaveLength(0);
    expect(writes()).toHaveLength(0);
  });

  it('moves a named lead that is not enrolled to nothing: it reports not-enrolled and writes nothing', async () => {
    expect(await call(`/v1/admin/journeys/${JOURNEY_ID}/moves`, { leadIds: [LEAD_ID] })).toEqual({ status: 200, body: { journeyId: JOURNEY_ID, version: 1, leads: [{ leadId: LEAD_ID, outcome: 'not-enrolled' }] } });
    expect(writes()).toHaveLength(0);
  });
});

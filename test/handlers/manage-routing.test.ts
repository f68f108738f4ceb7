import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { context, httpEvent, setHandlerEnvironment } from './fixtures';
import { TableFake } from './table-fake';

setHandlerEnvironment();
const dynamo = mockClient(DynamoDBDocumentClient);
let handler: (typeof import('../../functions/manage-routing/handler'))['handler'];
let table: TableFake;

beforeAll(async () => {
  ({ handler } = await import('../../functions/manage-routing/handler'));
});

beforeEach(() => {
  dynamo.reset();
  table = new TableFake();
  table.attach(dynamo);
});

const routing = {
  teams: [{ id: 'apac', name: 'APAC', inbox: 'apac@example.com', reps: [{ id: 'ana', name: 'Ana', email: 'ana@example.com', capacity: 10 }] }],
  rules: [{ when: { lead: { country: ['ID'] } }, team: 'apac' }],
  defaultTeam: 'apac',
};
const call = async (method: 'GET' | 'PUT', body?: unknown) => {
  const result = await handler(httpEvent({ method, path: '/v1/admin/routing', ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }) }), context);
  return { statusCode: result.statusCode, body: result.body ? (JSON.parse(result.body) as Record<string, unknown>) : {} };
};

describe('manage-routing', () => {
  it('says no routing is configured before the first save, then returns what was saved with its version', async () => {
    expect((await call('GET')).statusCode).toBe(404);
    expect(await call('PUT', routing)).toMatchObject({ statusCode: 200, body: { ...routing, version: 1 } });
    expect(await call('GET')).toMatchObject({ statusCode: 200, body: { ...routing, version: 1 } });
    expect(await call('PUT', { ...routing, rules: [] })).toMatchObject({ statusCode: 200, body: { rules: [], version: 2 } });
  });

  it('refuses a rule naming no team with a 400 naming the field, and stores nothing', async () => {
    const response = await call('PUT', { ...routing, rules: [{ when: { lead: { country: ['ID'] } }, team: 'emea' }] });
    expect(response.statusCode).toBe(400);
    expect(response.body.issues).toEqual([{ field: 'rules[0].team', message: expect.stringContaining('no team emea') }]);
    expect(dynamo.commandCalls(PutCommand)).toHaveLength(0);
  });

  it('refuses unknown fields and a condition on an unknown lead field', async () => {
    const unknown = await call('PUT', { ...routing, teams: [{ ...routing.teams[0], region: 'x' }] });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.body.issues).toEqual([expect.objectContaining({ field: 'teams[0]' })]);
    const typo = await call('PUT', { ...routing, rules: [{ when: { lead: { contry: ['ID'] } }, team: 'apac' }] });
    expect(typo.statusCode).toBe(400);
    expect(typo.body.issues).toEqual([expect.objectContaining({ field: 'rules[0].when.lead.contry' })]);
  });
});

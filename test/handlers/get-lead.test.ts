import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { consoleUser, context, httpEvent, IAM_AUTHORIZER, setHandlerEnvironment } from './fixtures';
import { answerLeadReadsFromGets } from './lead-reads';

setHandlerEnvironment();
const dynamo = mockClient(DynamoDBDocumentClient);
let handler: (typeof import('../../functions/get-lead/handler'))['handler'];

beforeAll(async () => {
  ({ handler } = await import('../../functions/get-lead/handler'));
});

const ANAS_LEAD = '7f3e2d1c-0b9a-4876-8543-210fedcba987';
const BUDIS_LEAD = '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d';
const UNASSIGNED = '0b9a7f3e-2d1c-4876-8543-210fedcba987';
const leadItem = (id: string, repId?: string) => ({
  pk: `LEAD#${id}`, sk: 'PROFILE', id, email: `${id.slice(0, 4)}@example.com`, createdAt: '2026-11-01T00:00:00.000Z', updatedAt: '2026-11-01T00:00:00.000Z',
  firstTouch: { at: '2026-11-01T00:00:00.000Z', formId: 'demo' }, lastTouch: { at: '2026-11-01T00:00:00.000Z', formId: 'demo' }, subscriptions: {},
  stage: 'mql', version: 1, ...(repId ? { owner: { repId, teamId: 'emea', assignedAt: '2026-11-20T00:00:00.000Z' } } : {}),
});
const leads = new Map([ANAS_LEAD, BUDIS_LEAD, UNASSIGNED].map((id, index) => [`LEAD#${id}`, leadItem(id, ['rep-ana', 'rep-budi', undefined][index])]));

beforeEach(() => {
  dynamo.reset();
  dynamo.on(GetCommand).callsFake((input: { Key: { pk: string; sk: string } }) => ({ Item: input.Key.sk === 'PROFILE' ? leads.get(input.Key.pk) : undefined }));
  dynamo.on(QueryCommand).resolves({ Items: [] });
  answerLeadReadsFromGets(dynamo);
});

const show = async (leadId: string, authorizer: Record<string, unknown>) => {
  const response = await handler(httpEvent({ method: 'GET', path: `/v1/admin/leads/${leadId}`, route: '/v1/admin/leads/{leadId}', pathParameters: { leadId }, authorizer }), context);
  return { status: response.statusCode, body: JSON.parse(response.body ?? '{}') as Record<string, unknown> };
};

describe('GET /v1/admin/leads/{leadId} by role', () => {
  it('shows a sales rep their own lead, and refuses them (403) the leads of other reps and unassigned ones', async () => {
    const rep = consoleUser('rep-ana', ['sales']);
    expect(await show(ANAS_LEAD, rep)).toMatchObject({ status: 200, body: { id: ANAS_LEAD, owner: { repId: 'rep-ana' } } });
    expect(await show(BUDIS_LEAD, rep)).toEqual({ status: 403, body: { message: `Lead ${BUDIS_LEAD} is not yours: sales reps see the leads they own` } });
    expect((await show(UNASSIGNED, rep)).status).toBe(403);
  });

  it('shows every lead to admins, marketers and services (the CLI)', async () => {
    for (const authorizer of [consoleUser('ada', ['admin']), consoleUser('mia', ['marketer']), IAM_AUTHORIZER]) {
      expect((await show(BUDIS_LEAD, authorizer)).status).toBe(200);
      expect((await show(UNASSIGNED, authorizer)).status).toBe(200);
    }
  });
});

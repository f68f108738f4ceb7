import { CreateScheduleCommand, DeleteScheduleCommand, ResourceNotFoundException, SchedulerClient } from '@aws-sdk/client-scheduler';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { context, httpEvent, setHandlerEnvironment } from './fixtures';
import { TableFake } from './table-fake';
import { reassessmentScheduleName, surveyScheduleName } from '../../src/app/care-timers';
import { DEFAULT_SURVEYS } from '../../src/domain/care/surveys';

setHandlerEnvironment();
process.env.PRIVACY_SALT_SECRET = 'leadflow/privacy-salt';
const dynamo = mockClient(DynamoDBDocumentClient);
const scheduler = mockClient(SchedulerClient);
const secrets = mockClient(SecretsManagerClient);
let handler: (typeof import('../../functions/lead-data-rights/handler'))['handler'];

beforeAll(async () => {
  ({ handler } = await import('../../functions/lead-data-rights/handler'));
});

const LEAD_ID = '7d0c8a52-5a0e-4b8e-9d52-0c1e3f4a5b6c';
const leadItems = [
  { pk: `LEAD#${LEAD_ID}`, sk: 'PROFILE', entity: 'lead', id: LEAD_ID, email: 'ana@example.com', subscriptions: {}, version: 3, createdAt: '2026-12-01T10:00:00.000Z' },
  { pk: `LEAD#${LEAD_ID}`, sk: 'JOURNEY#j-1', entity: 'enrolment', leadId: LEAD_ID },
  { pk: 'EMAIL#ana@example.com', sk: 'EMAIL', leadId: LEAD_ID },
];
const erase = async () => (await handler(httpEvent({ method: 'DELETE', path: `/v1/admin/leads/${LEAD_ID}`, route: '/v1/admin/leads/{leadId}', pathParameters: { leadId: LEAD_ID } }), context)) as APIGatewayProxyStructuredResultV2;

let table: TableFake;

beforeEach(() => {
  dynamo.reset();
  scheduler.reset();
  secrets.reset();
  table = new TableFake();
  table.attach(dynamo);
  for (const item of leadItems) table.put(item);
  scheduler.on(CreateScheduleCommand).resolves({});
  // A timer that never was, or has fired: Scheduler answers that it is not found.
  scheduler.on(DeleteScheduleCommand).rejects(new ResourceNotFoundException({ message: 'Schedule not found', Message: 'Schedule not found', $metadata: {} }));
  secrets.on(GetSecretValueCommand).resolves({ SecretString: 'salt-of-the-test' });
});

describe('erasing a lead', () => {
  it('sets its sweep fifteen minutes on, named by the erasure, before it deletes anything', async () => {
    const before = Date.now();
    const response = await erase();

    expect(response.statusCode).toBe(200);
    const { erasureId } = JSON.parse(String(response.body)) as { erasureId: string };
    expect(table.get({ pk: `LEAD#${LEAD_ID}`, sk: 'PROFILE' })).toBeUndefined();
    // The sweep's timer came before every other Scheduler call and every delete in the table.
    const [created] = scheduler.commandCalls(CreateScheduleCommand);
    const later = [...scheduler.commandCalls(DeleteScheduleCommand), ...dynamo.commandCalls(BatchWriteCommand)];
    expect(later.length).toBeGreaterThan(1);
    expect(later.every((call) => created?.calledBefore(call))).toBe(true);

    const [schedule] = scheduler.commandCalls(CreateScheduleCommand).map((call) => call.args[0].input);
    expect(schedule).toMatchObject({ Name: `erasure-${erasureId}`, GroupName: 'leadflow-schedules', ScheduleExpressionTimezone: 'UTC', ActionAfterCompletion: 'DELETE' });
    expect(schedule?.Name).not.toContain(LEAD_ID);
    expect(schedule?.Target?.EventBridgeParameters).toEqual({ DetailType: 'lead.erasure-sweep-due', Source: 'leadflow' });
    expect(JSON.parse(schedule?.Target?.Input ?? '{}')).toEqual({ version: 1, correlationId: erasureId, leadId: LEAD_ID, erasureId });
    const firesAt = Date.parse(`${/^at\((.*)\)$/.exec(schedule?.ScheduleExpression ?? '')?.[1] ?? ''}Z`);
    // `at()` keeps whole seconds: the sweep fires within a second of fifteen minutes after the erasure.
    expect(firesAt).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 900_000);
    expect(firesAt).toBeLessThanOrEqual(Date.now() + 900_000);
  });

  it("deletes the lead's timers that hold its id, its MQL follow-up's, its daily reassessment's and its recurring surveys', before its items", async () => {
    table.put({ ...leadItems[0], owner: { repId: 'rep-ana', assignedAt: '2026-12-02T09:00:00.000Z', unansweredBy: ['rep-bo'] } });
    table.put({ pk: `LEAD#${LEAD_ID}`, sk: 'SCORE', entity: 'score', version: 4, score: { qualifications: 2 } });

    expect((await erase()).statusCode).toBe(200);

    const deleted = scheduler.commandCalls(DeleteScheduleCommand).map((call) => call.args[0].input);
    const recurring = DEFAULT_SURVEYS.filter((survey) => survey.recurrence);
    expect(recurring.length).toBeGreaterThan(0);
    expect(deleted.map((input) => input.Name)).toEqual([`followup-remind-${LEAD_ID}-2-1`, `followup-reassign-${LEAD_ID}-2-1`, reassessmentScheduleName(LEAD_ID), ...recurring.map((survey) => surveyScheduleName(survey.id, LEAD_ID))]);
    expect(deleted.every((input) => input.GroupName === 'leadflow-schedules')).toBe(true);
    const [firstItemsDeleted] = dynamo.commandCalls(BatchWriteCommand);
    expect(scheduler.commandCalls(DeleteScheduleCommand).every((call) => firstItemsDeleted && call.calledBefore(firstItemsDeleted))).toBe(true);
  });

  it("deletes the rounds of the surveys a team's saved settings make recurring, not the standard ones", async () => {
    table.put({ pk: 'CARE', sk: 'SETTINGS', entity: 'care-settings', settings: { surveys: [{ id: 'quarterly-nps', recurrence: { everyDays: 90, firstAfterDays: 30, stages: ['customer'] } }, { id: 'after-ticket' }] } });

    expect((await erase()).statusCode).toBe(200);

    const deleted = scheduler.commandCalls(DeleteScheduleCommand).map((call) => call.args[0].input.Name);
    expect(deleted).toEqual([reassessmentScheduleName(LEAD_ID), surveyScheduleName('quarterly-nps', LEAD_ID)]);
  });

  it('answers 503 and deletes nothing when the Scheduler refuses the sweep', async () => {
    scheduler.on(CreateScheduleCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));

    const response = await erase();

    expect(response.statusCode).toBe(503);
    expect(scheduler.commandCalls(DeleteScheduleCommand)).toEqual([]);
    expect(dynamo.commandCalls(BatchWriteCommand)).toEqual([]);
    for (const item of leadItems) expect(table.get(item)).toEqual(item);
  });
});

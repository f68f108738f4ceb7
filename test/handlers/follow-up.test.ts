import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { ConflictException, CreateScheduleCommand, DeleteScheduleCommand, ResourceNotFoundException, SchedulerClient, ThrottlingException, UpdateScheduleCommand } from '@aws-sdk/client-scheduler';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { ChangeMessageVisibilityCommand, GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { busEnvelope, context, setHandlerEnvironment, sqsEvent } from './fixtures';
import { TableFake } from './table-fake';
import { answerLeadReadsFromGets } from './lead-reads';

setHandlerEnvironment();
const dynamo = mockClient(DynamoDBDocumentClient);
const ses = mockClient(SESv2Client);
const bus = mockClient(EventBridgeClient);
const scheduler = mockClient(SchedulerClient);
const sqs = mockClient(SQSClient);
let alertSales: (typeof import('../../functions/alert-sales/handler'))['handler'];
let followUp: (typeof import('../../functions/follow-up-handoff/handler'))['handler'];
let scheduleFollowUps: (typeof import('../../functions/schedule-follow-ups/handler'))['handler'];

beforeAll(async () => {
  ({ handler: alertSales } = await import('../../functions/alert-sales/handler'));
  ({ handler: followUp } = await import('../../functions/follow-up-handoff/handler'));
  ({ handler: scheduleFollowUps } = await import('../../functions/schedule-follow-ups/handler'));
});

const rep = (id: string, capacity = 2) => ({ id, name: `Rep ${id}`, email: `${id}@example.com`, capacity });
const routing = {
  teams: [{ id: 'apac', name: 'APAC', inbox: 'apac@example.com', reps: [rep('ana'), rep('budi')] }],
  rules: [],
  defaultTeam: 'apac',
  followUp: { remindAfterMinutes: 60, reassignAfterMinutes: 240.5 },
};
const qualified = {
  version: 1,
  correlationId: 'c-1',
  leadId: 'lead-1',
  rulesetVersion: 'starter-1',
  qualification: 2,
  fit: 65,
  engagement: 40,
  score: 105,
  grade: 'A',
  qualifiedAt: '2026-11-22T10:00:00.000Z',
  topContributors: [],
};
const assignedAt = '2026-11-22T10:00:00.400Z';
const lead = {
  pk: 'LEAD#lead-1',
  sk: 'PROFILE',
  id: 'lead-1',
  email: 'jane@example.com',
  firstName: 'Jane',
  company: 'Acme',
  firstTouch: { at: '2026-11-01T00:00:00Z', formId: 'contact' },
  lastTouch: { at: '2026-11-01T00:00:00Z' },
  subscriptions: {},
  score: { rulesetVersion: 'starter-1', total: 105, grade: 'A', qualifications: 2 },
  version: 3,
};
const assignedLead = { ...lead, stage: 'mql', owner: { repId: 'ana', teamId: 'apac', assignedAt } };
const due = (kind: 'remind' | 'reassign', repId = 'ana', round?: number) =>
  busEnvelope('handoff.follow-up-due', { version: 1, correlationId: 'c-1', leadId: 'lead-1', rulesetVersion: 'starter-1', qualification: 2, repId, kind, ...(round === undefined ? {} : { round }) });

let table: TableFake;
const recipients = () => ses.commandCalls(SendEmailCommand).map((call) => call.args[0].input.Destination?.ToAddresses?.[0]);
const published = (detailType: string) =>
  bus.commandCalls(PutEventsCommand).flatMap((call) => call.args[0].input.Entries ?? []).filter((entry) => entry.DetailType === detailType).map((entry) => JSON.parse(entry.Detail ?? '{}') as Record<string, unknown>);
/** Delivers every follow-up request published so far to schedule-follow-ups, as its queue would; its failed records. */
const deliverFollowUpRequests = async () =>
  (await scheduleFollowUps(sqsEvent(published('handoff.follow-up-requested').map((detail) => busEnvelope('handoff.follow-up-requested', detail))), context)).batchItemFailures;
const openOf = (repId: string) => table.get({ pk: `ROUTING#REP#${repId}`, sk: 'LOAD' })?.open;

beforeEach(() => {
  dynamo.reset();
  ses.reset();
  bus.reset();
  scheduler.reset();
  table = new TableFake();
  table.attach(dynamo);
  table.put({ pk: 'ROUTING', sk: 'CONFIG', config: routing, version: 1, updatedAt: '2026-11-20T00:00:00Z' });
  dynamo.on(QueryCommand).resolves({ Items: [] });
  bus.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'bus-event' }] });
  ses.on(SendEmailCommand).resolves({ MessageId: 'ses-1' });
  scheduler.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn' });
  scheduler.on(DeleteScheduleCommand).resolves({});
  answerLeadReadsFromGets(dynamo);
});

describe('alert-sales requests the follow-up timers, schedule-follow-ups starts them', () => {
  it('creates a reminder and a reassignment schedule, to the second, putting handoff.follow-up-due on the bus, on a new assignment', async () => {
    table.put(lead);
    const result = await alertSales(sqsEvent([busEnvelope('lead.qualified', qualified)]), context);
    expect(result.batchItemFailures).toEqual([]);
    expect(scheduler.calls()).toHaveLength(0);
    expect(await deliverFollowUpRequests()).toEqual([]);
    const owner = table.get({ pk: 'LEAD#lead-1', sk: 'PROFILE' })?.owner as { repId: string; assignedAt: string };
    expect(owner.repId).toBe('ana');
    const inputs = scheduler.commandCalls(CreateScheduleCommand).map((call) => call.args[0].input);
    expect(inputs.map((input) => input.Name)).toEqual(['followup-remind-lead-1-2-0', 'followup-reassign-lead-1-2-0']);
    const start = new Date(owner.assignedAt).getTime();
    const expected = (minutes: number) => `at(${new Date(Math.ceil((start + minutes * 60_000) / 1000) * 1000).toISOString().slice(0, 19)})`;
    expect(inputs.map((input) => input.ScheduleExpression)).toEqual([expected(60), expected(240.5)]);
    for (const input of inputs) {
      expect(input).toMatchObject({
        GroupName: 'leadflow-schedules',
        ScheduleExpressionTimezone: 'UTC',
        ActionAfterCompletion: 'DELETE',
        Target: { Arn: 'arn:aws:events:us-east-1:123456789012:event-bus/leadflow-test', EventBridgeParameters: { DetailType: 'handoff.follow-up-due', Source: 'leadflow' } },
      });
    }
    expect(inputs.map((input) => JSON.parse(input.Target?.Input ?? '{}'))).toEqual([
      { version: 1, correlationId: 'c-1', leadId: 'lead-1', rulesetVersion: 'starter-1', qualification: 2, repId: 'ana', round: 0, kind: 'remind' },
      { version: 1, correlationId: 'c-1', leadId: 'lead-1', rulesetVersion: 'starter-1', qualification: 2, repId: 'ana', round: 0, kind: 'reassign' },
    ]);
  });

  it('creates none for a lead that keeps its owner', async () => {
    table.put(assignedLead);
    await alertSales(sqsEvent([busEnvelope('lead.qualified', qualified)]), context);
    expect(recipients()).toEqual(['ana@example.com']);
    expect(published('handoff.follow-up-requested')).toEqual([]);
  });

  it("gives a recycled lead that qualifies again back to its owner with a follow-up of its own, once under duplicates", async () => {
    table.put({ pk: 'ROUTING#REP#budi', sk: 'LOAD', repId: 'budi', open: 0 });
    table.put({ ...lead, stage: 'mql', owner: { repId: 'budi', teamId: 'apac', assignedAt: '2026-10-01T00:00:00.000Z', releasedAt: '2026-10-02T00:00:00.000Z', unansweredBy: ['ana'] } });
    // A concurrent copy finds the alert in progress and is retried; the retry finds it sent.
    const result = await alertSales(sqsEvent([busEnvelope('lead.qualified', qualified), busEnvelope('lead.qualified', qualified)]), context);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'message-1' }]);
    expect((await alertSales(sqsEvent([busEnvelope('lead.qualified', qualified)]), context)).batchItemFailures).toEqual([]);
    expect(recipients()).toEqual(['budi@example.com']);
    expect(await deliverFollowUpRequests()).toEqual([]);
    const owner = table.get({ pk: 'LEAD#lead-1', sk: 'PROFILE' })?.owner as Record<string, unknown>;
    // A fresh start: open again (one place, whatever the capacity), a new clock, nobody passed over yet.
    expect(owner).toEqual({ repId: 'budi', teamId: 'apac', assignedAt: expect.stringMatching(/^2\d{3}-/) });
    expect(owner.assignedAt).not.toBe('2026-10-01T00:00:00.000Z');
    expect(openOf('budi')).toBe(1);
    expect(table.get({ pk: 'LEAD#lead-1', sk: 'ASSIGNMENT#starter-1#2' })).toMatchObject({ status: 'assigned', kept: true, repId: 'budi' });
    const names = new Set(scheduler.commandCalls(CreateScheduleCommand).map((call) => call.args[0].input.Name));
    expect(names).toEqual(new Set(['followup-remind-lead-1-2-0', 'followup-reassign-lead-1-2-0']));
    expect(JSON.parse(scheduler.commandCalls(CreateScheduleCommand)[0]?.args[0].input.Target?.Input ?? '{}')).toMatchObject({ repId: 'budi', round: 0 });
    // Still the same owner: no lead.assigned.
    expect(published('lead.assigned')).toEqual([]);
  });

  it('creates none when the routing has no follow-up', async () => {
    const { followUp: _none, ...withoutFollowUp } = routing;
    table.put({ pk: 'ROUTING', sk: 'CONFIG', config: withoutFollowUp, version: 2, updatedAt: '2026-11-21T00:00:00Z' });
    table.put(lead);
    await alertSales(sqsEvent([busEnvelope('lead.qualified', qualified)]), context);
    expect(recipients()).toEqual(['ana@example.com']);
    expect(published('handoff.follow-up-requested')).toEqual([]);
  });

  it('retries the timers, not the alert, when the Scheduler fails: the alert sent once, both timers started once the Scheduler answers', async () => {
    scheduler.on(CreateScheduleCommand).rejectsOnce(new ThrottlingException({ message: 'slow down', Message: 'slow down', $metadata: {} })).resolves({ ScheduleArn: 'arn' });
    table.put(lead);
    expect((await alertSales(sqsEvent([busEnvelope('lead.qualified', qualified)]), context)).batchItemFailures).toEqual([]);
    expect(recipients()).toEqual(['ana@example.com']);
    expect(table.get({ pk: 'LEAD#lead-1', sk: 'ALERT#starter-1#2' })?.status).toBe('sent');

    expect(await deliverFollowUpRequests()).toHaveLength(1);
    expect(await deliverFollowUpRequests()).toEqual([]);
    expect(new Set(scheduler.commandCalls(CreateScheduleCommand).map((call) => call.args[0].input.Name))).toEqual(new Set(['followup-remind-lead-1-2-0', 'followup-reassign-lead-1-2-0']));
    expect(recipients()).toEqual(['ana@example.com']);
  });

  it('moves a timer that exists to the same time on a repeated request, so each fires once', async () => {
    table.put(lead);
    await alertSales(sqsEvent([busEnvelope('lead.qualified', qualified)]), context);
    await deliverFollowUpRequests();
    const created = scheduler.commandCalls(CreateScheduleCommand).map((call) => call.args[0].input);
    scheduler.on(CreateScheduleCommand).rejects(new ConflictException({ message: 'exists', Message: 'exists', $metadata: {} }));
    scheduler.on(UpdateScheduleCommand).resolves({ ScheduleArn: 'arn' });

    expect(await deliverFollowUpRequests()).toEqual([]);
    const moved = scheduler.commandCalls(UpdateScheduleCommand).map((call) => call.args[0].input);
    expect(moved.map((input) => [input.Name, input.ScheduleExpression])).toEqual(created.map((input) => [input.Name, input.ScheduleExpression]));
  });

  it('sends no alert without the follow-up request on the bus: a failed publish is retried, the alert then sent once', async () => {
    bus.on(PutEventsCommand).rejectsOnce(new Error('bus down')).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'bus-event' }] });
    table.put(lead);
    expect((await alertSales(sqsEvent([busEnvelope('lead.qualified', qualified)]), context)).batchItemFailures).toHaveLength(1);
    expect(recipients()).toEqual([]);
    expect((await alertSales(sqsEvent([busEnvelope('lead.qualified', qualified)]), context)).batchItemFailures).toEqual([]);
    expect(recipients()).toEqual(['ana@example.com']);
    // Put on the bus by the retry (the failed call is listed too), the same request each time.
    expect(published('handoff.follow-up-requested')).toMatchObject([{ repId: 'ana', round: 0 }, { repId: 'ana', round: 0 }]);
  });
});

describe('follow-up-handoff: remind', () => {
  it('emails the rep one reminder with the lead and how long it waited, under duplicate and concurrent deliveries', async () => {
    table.put(assignedLead);
    await followUp(sqsEvent([due('remind'), due('remind')]), context);
    await followUp(sqsEvent([due('remind')]), context);
    expect(recipients()).toEqual(['ana@example.com']);
    const mail = ses.commandCalls(SendEmailCommand)[0]?.args[0].input.Content?.Simple;
    expect(mail?.Subject?.Data).toMatch(/^Reminder: MQL Jane \(Acme\) waiting \d+ days?/);
    expect(mail?.Body?.Text?.Data).toContain('Score: 105, grade A');
    expect(mail?.Body?.Text?.Data).toContain('Without an answer it goes to the next rep of your team in');
    expect(table.get({ pk: 'LEAD#lead-1', sk: 'FOLLOWUP#starter-1#2#0#remind' })?.status).toBe('done');
  });

  it('gives the claim back when the email fails, so the retry sends it', async () => {
    table.put(assignedLead);
    ses.on(SendEmailCommand).rejectsOnce(Object.assign(new Error('throttled'), { name: 'TooManyRequestsException' })).resolves({ MessageId: 'ses-2' });
    expect((await followUp(sqsEvent([due('remind')]), context)).batchItemFailures).toHaveLength(1);
    expect((await followUp(sqsEvent([due('remind')]), context)).batchItemFailures).toEqual([]);
    expect(recipients()).toEqual(['ana@example.com', 'ana@example.com']);
    expect(table.get({ pk: 'LEAD#lead-1', sk: 'FOLLOWUP#starter-1#2#0#remind' })?.status).toBe('done');
  });

  it('waits while another invocation holds a fresh claim, and takes over one left by an invocation that died', async () => {
    table.put(assignedLead);
    const claim = (at: string) => table.put({ pk: 'LEAD#lead-1', sk: 'FOLLOWUP#starter-1#2#0#remind', status: 'claimed', outcome: 'reminded', repId: 'ana', at });
    claim(new Date().toISOString());
    sqs.reset();
    sqs.on(GetQueueUrlCommand).resolves({ QueueUrl: 'https://sqs.example/follow-up-handoff' });
    expect((await followUp(sqsEvent([due('remind')]), context)).batchItemFailures).toHaveLength(1);
    expect(ses.calls()).toHaveLength(0);
    // It comes back after a wait that grows up to the claim's stale time, not at once.
    expect(sqs.commandCalls(ChangeMessageVisibilityCommand).map((call) => call.args[0].input.VisibilityTimeout)).toEqual([12]);
    claim(new Date(Date.now() - 10 * 60_000).toISOString());
    expect((await followUp(sqsEvent([due('remind')]), context)).batchItemFailures).toEqual([]);
    expect(recipients()).toEqual(['ana@example.com']);
  });

  it('does nothing once the rep accepted (the lead left mql) or the lead has another owner', async () => {
    table.put({ ...assignedLead, stage: 'sql' });
    await followUp(sqsEvent([due('remind'), due('reassign')]), context);
    table.put({ ...assignedLead, owner: { repId: 'budi', teamId: 'apac', assignedAt } });
    await followUp(sqsEvent([due('remind'), due('reassign')]), context);
    expect(ses.calls()).toHaveLength(0);
    expect(bus.calls()).toHaveLength(0);
    expect(table.get({ pk: 'LEAD#lead-1', sk: 'PROFILE' })?.owner).toMatchObject({ repId: 'budi' });
  });
});

describe('follow-up-handoff: reassign', () => {
  beforeEach(() => {
    table.put({ pk: 'ROUTING#REP#ana', sk: 'LOAD', repId: 'ana', open: 1 });
    table.put({ pk: 'ROUTING#TEAM#apac', sk: 'ROUND_ROBIN', teamId: 'apac', position: 1 });
  });

  it("hands the lead to the team's other rep: owner replaced, loads moved, new rep alerted, lead.assigned says reassigned, once under duplicates", async () => {
    table.put(assignedLead);
    await followUp(sqsEvent([due('reassign'), due('reassign')]), context);
    await followUp(sqsEvent([due('reassign')]), context);
    expect(table.get({ pk: 'LEAD#lead-1', sk: 'PROFILE' })?.owner).toMatchObject({ repId: 'budi', teamId: 'apac' });
    expect(openOf('ana')).toBe(0);
    expect(openOf('budi')).toBe(1);
    // The two concurrent deliveries each took a turn (only one was used); the later duplicate took none.
    expect(table.get({ pk: 'ROUTING#TEAM#apac', sk: 'ROUND_ROBIN' })?.position).toBe(3);
    expect(recipients()).toEqual(['budi@example.com']);
    expect(ses.commandCalls(SendEmailCommand)[0]?.args[0].input.Content?.Simple?.Subject?.Data).toBe('MQL reassigned to you: Jane (Acme)');
    expect(published('lead.assigned')).toEqual([expect.objectContaining({ leadId: 'lead-1', repId: 'budi', teamId: 'apac', reassignedFrom: 'ana', qualification: 2 })]);
    const audit = [...table.items.values()].filter((item) => String(item.sk).startsWith('FOLLOWUP#'));
    expect(audit).toEqual([expect.objectContaining({ sk: 'FOLLOWUP#starter-1#2#0#reassign', outcome: 'reassigned', repId: 'ana', status: 'done', owner: expect.objectContaining({ repId: 'budi' }) })]);
    expect([...table.items.values()].filter((item) => String(item.sk).startsWith('STAGE#'))).toEqual([]);
  });

  it('never picks the same rep, even when the round-robin points at them', async () => {
    table.put({ pk: 'ROUTING#TEAM#apac', sk: 'ROUND_ROBIN', teamId: 'apac', position: 0 });
    table.put(assignedLead);
    await followUp(sqsEvent([due('reassign')]), context);
    expect(table.get({ pk: 'LEAD#lead-1', sk: 'PROFILE' })?.owner).toMatchObject({ repId: 'budi' });
  });

  it('sends it to the team inbox with a note when no other rep has room, keeping the owner and the loads', async () => {
    table.put({ pk: 'ROUTING#REP#budi', sk: 'LOAD', repId: 'budi', open: 2 });
    table.put(assignedLead);
    await followUp(sqsEvent([due('reassign'), due('reassign')]), context);
    await followUp(sqsEvent([due('reassign')]), context);
    expect(recipients()).toEqual(['apac@example.com']);
    expect(ses.commandCalls(SendEmailCommand)[0]?.args[0].input.Content?.Simple?.Body?.Text?.Data).toContain('no other rep of APAC has room');
    expect(table.get({ pk: 'LEAD#lead-1', sk: 'PROFILE' })?.owner).toMatchObject({ repId: 'ana' });
    expect(openOf('ana')).toBe(1);
    expect(openOf('budi')).toBe(2);
    expect(published('lead.assigned')).toEqual([]);
  });

  it('finishes a reassignment whose alert failed on the retry, without moving the lead again', async () => {
    table.put(assignedLead);
    ses.on(SendEmailCommand).rejectsOnce(Object.assign(new Error('throttled'), { name: 'TooManyRequestsException' })).resolves({ MessageId: 'ses-2' });
    expect((await followUp(sqsEvent([due('reassign')]), context)).batchItemFailures).toHaveLength(1);
    expect((await followUp(sqsEvent([due('reassign')]), context)).batchItemFailures).toEqual([]);
    expect(recipients()).toEqual(['budi@example.com', 'budi@example.com']);
    expect(openOf('ana')).toBe(0);
    expect(openOf('budi')).toBe(1);
    expect(published('lead.assigned')).toHaveLength(1);
  });
});

describe('follow-up-handoff: a chain of reassignments', () => {
  const threeReps = { ...routing, teams: [{ ...routing.teams[0], reps: [rep('ana'), rep('budi'), rep('citra')] }] };
  const createdSchedules = () => scheduler.commandCalls(CreateScheduleCommand).map((call) => ({ name: call.args[0].input.Name, detail: JSON.parse(call.args[0].input.Target?.Input ?? '{}') as Record<string, unknown> }));
  const owner = () => table.get({ pk: 'LEAD#lead-1', sk: 'PROFILE' })?.owner as { repId: string; unansweredBy?: string[] };

  beforeEach(() => {
    table.put({ pk: 'ROUTING#REP#ana', sk: 'LOAD', repId: 'ana', open: 1 });
    table.put({ pk: 'ROUTING#TEAM#apac', sk: 'ROUND_ROBIN', teamId: 'apac', position: 1 });
  });

  it('gives the new rep its own reminder and reassignment timers, in the next round, remembering who let the lead wait', async () => {
    table.put(assignedLead);
    await followUp(sqsEvent([due('reassign'), due('reassign')]), context);
    expect(owner()).toMatchObject({ repId: 'budi', unansweredBy: ['ana'] });
    expect(await deliverFollowUpRequests()).toEqual([]);
    const schedules = createdSchedules();
    expect(new Set(schedules.map((schedule) => schedule.name))).toEqual(new Set(['followup-remind-lead-1-2-1', 'followup-reassign-lead-1-2-1']));
    expect(schedules[0]?.detail).toMatchObject({ repId: 'budi', round: 1, qualification: 2 });

    // Budi's reminder fires: one email to budi, under its own claim.
    await followUp(sqsEvent([due('remind', 'budi', 1), due('remind', 'budi', 1)]), context);
    expect(recipients()).toEqual(['budi@example.com', 'budi@example.com']);
    expect(table.get({ pk: 'LEAD#lead-1', sk: 'FOLLOWUP#starter-1#2#1#remind' })?.status).toBe('done');
    // Ana's old timers are stale now: nothing happens.
    await followUp(sqsEvent([due('remind'), due('reassign')]), context);
    expect(recipients()).toHaveLength(2);
    expect(owner().repId).toBe('budi');
  });

  it('passes the lead on to a rep who has not had it, never back to one who let it wait', async () => {
    table.put({ pk: 'ROUTING', sk: 'CONFIG', config: threeReps, version: 2, updatedAt: '2026-11-21T00:00:00Z' });
    // The round-robin points at ana, who let this lead wait before.
    table.put({ pk: 'ROUTING#TEAM#apac', sk: 'ROUND_ROBIN', teamId: 'apac', position: 3 });
    table.put({ pk: 'ROUTING#REP#budi', sk: 'LOAD', repId: 'budi', open: 1 });
    table.put({ ...assignedLead, owner: { repId: 'budi', teamId: 'apac', assignedAt, unansweredBy: ['ana'] } });
    await followUp(sqsEvent([due('reassign', 'budi', 1)]), context);
    expect(owner()).toMatchObject({ repId: 'citra', unansweredBy: ['ana', 'budi'] });
    expect(recipients()).toEqual(['citra@example.com']);
    expect(published('lead.assigned')).toEqual([expect.objectContaining({ repId: 'citra', reassignedFrom: 'budi' })]);
    await deliverFollowUpRequests();
    expect(new Set(createdSchedules().map((schedule) => schedule.name))).toEqual(new Set(['followup-remind-lead-1-2-2', 'followup-reassign-lead-1-2-2']));
    expect(table.get({ pk: 'LEAD#lead-1', sk: 'FOLLOWUP#starter-1#2#1#reassign' })).toMatchObject({ outcome: 'reassigned', repId: 'budi', status: 'done' });
  });

  it('ends at the team inbox when every rep has let the lead wait', async () => {
    table.put({ pk: 'ROUTING#REP#budi', sk: 'LOAD', repId: 'budi', open: 1 });
    table.put({ ...assignedLead, owner: { repId: 'budi', teamId: 'apac', assignedAt, unansweredBy: ['ana'] } });
    await followUp(sqsEvent([due('reassign', 'budi', 1)]), context);
    expect(owner().repId).toBe('budi');
    expect(recipients()).toEqual(['apac@example.com']);
    expect(published('handoff.follow-up-requested')).toEqual([]);
  });

  it('sends no alert until the new timers are requested: a failed publish is retried without a second email', async () => {
    bus.on(PutEventsCommand).rejectsOnce(new Error('bus down')).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'bus-event' }] });
    table.put(assignedLead);
    expect((await followUp(sqsEvent([due('reassign')]), context)).batchItemFailures).toHaveLength(1);
    expect(recipients()).toEqual([]);
    expect((await followUp(sqsEvent([due('reassign')]), context)).batchItemFailures).toEqual([]);
    expect(recipients()).toEqual(['budi@example.com']);
    expect(published('lead.assigned')).toHaveLength(1);
    // The failed call and the retry's, the same request.
    const [failed, retried] = published('handoff.follow-up-requested');
    expect(retried).toEqual(failed);
    expect(retried).toMatchObject({ repId: 'budi', round: 1 });
  });

  it("cancels the current round's timers when the new rep accepts", async () => {
    table.put({ ...assignedLead, stage: 'sql', owner: { repId: 'budi', teamId: 'apac', assignedAt, unansweredBy: ['ana'], releasedAt: assignedAt } });
    const stageChanged = busEnvelope('lead.stage-changed', { version: 1, correlationId: 'c-2', leadId: 'lead-1', from: 'mql', to: 'sql', at: '2026-11-22T11:00:00.000Z', cause: 'accepted', actor: 'budi' });
    await scheduleFollowUps(sqsEvent([stageChanged]), context);
    expect(scheduler.commandCalls(DeleteScheduleCommand).map((call) => call.args[0].input.Name)).toEqual(['followup-remind-lead-1-2-1', 'followup-reassign-lead-1-2-1']);
  });
});

describe('schedule-follow-ups: a lead leaving mql', () => {
  const stageChanged = (from: string, to: string) => busEnvelope('lead.stage-changed', { version: 1, correlationId: 'c-2', leadId: 'lead-1', from, to, at: '2026-11-22T11:00:00.000Z', cause: 'accepted', actor: 'ana' });

  it("deletes both timers of the lead's qualification when it is accepted; one already gone is fine", async () => {
    table.put({ ...assignedLead, stage: 'sql' });
    scheduler.on(DeleteScheduleCommand, { Name: 'followup-remind-lead-1-2-0' }).rejects(new ResourceNotFoundException({ message: 'gone', Message: 'gone', $metadata: {} }));
    const result = await scheduleFollowUps(sqsEvent([stageChanged('mql', 'sql')]), context);
    expect(result.batchItemFailures).toEqual([]);
    expect(scheduler.commandCalls(DeleteScheduleCommand).map((call) => call.args[0].input)).toEqual([
      { Name: 'followup-remind-lead-1-2-0', GroupName: 'leadflow-schedules' },
      { Name: 'followup-reassign-lead-1-2-0', GroupName: 'leadflow-schedules' },
    ]);
  });

  it('leaves the timers of a lead moving into mql alone', async () => {
    table.put(assignedLead);
    await scheduleFollowUps(sqsEvent([stageChanged('lead', 'mql')]), context);
    expect(scheduler.calls()).toHaveLength(0);
  });
});

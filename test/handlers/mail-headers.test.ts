import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { CreateScheduleCommand, DeleteScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { busEnvelope, context, setHandlerEnvironment, sqsEvent } from './fixtures';
import { TableFake } from './table-fake';

/**
 * Lead data reaches the Subject of every kind of email leadflow sends. A CR or LF in it would let a
 * visitor who fills in a form add headers (`Bcc: …`) to mail sent from our domain.
 */
setHandlerEnvironment();
Object.assign(process.env, { SIGNING_KEYS_SECRET: 'signing-keys', PRIVACY_SALT_SECRET: 'privacy-salt', PUBLIC_BASE_URL: 'https://mail.example.com' });
const dynamo = mockClient(DynamoDBDocumentClient);
const ses = mockClient(SESv2Client);
const bus = mockClient(EventBridgeClient);
const scheduler = mockClient(SchedulerClient);
const secrets = mockClient(SecretsManagerClient);
type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
let handlers: Record<'alertSales' | 'followUp' | 'sendConfirmation' | 'sendCampaign', SqsHandler>;

beforeAll(async () => {
  secrets.on(GetSecretValueCommand, { SecretId: 'signing-keys' }).resolves({ SecretString: JSON.stringify({ current: 'k1', k1: 'the-current-signing-key-of-32-bytes!!' }) });
  secrets.on(GetSecretValueCommand, { SecretId: 'privacy-salt' }).resolves({ SecretString: 'salt' });
  handlers = {
    alertSales: (await import('../../functions/alert-sales/handler')).handler,
    followUp: (await import('../../functions/follow-up-handoff/handler')).handler,
    sendConfirmation: (await import('../../functions/send-confirmation/handler')).handler,
    sendCampaign: (await import('../../functions/send-campaign/handler')).handler,
  };
});

const HOSTILE_NAME = 'Jane\r\nBcc: victim@example.com';
const HOSTILE_COMPANY = 'Acme\u2028X-Injected: 1\u0085\u0000\t';
/** Any character that could end a header line or hide in one. */
const CONTROL = /[\u0000-\u001F\u007F-\u009F\u2028\u2029]/;

const rep = (id: string, capacity = 2) => ({ id, name: `Rep ${id}`, email: `${id}@example.com`, capacity });
const routing = {
  teams: [{ id: 'apac', name: 'APAC', inbox: 'apac@example.com', reps: [rep('ana'), rep('budi')] }],
  rules: [],
  defaultTeam: 'apac',
  followUp: { remindAfterMinutes: 60, reassignAfterMinutes: 240 },
};
const lead = {
  pk: 'LEAD#lead-1',
  sk: 'PROFILE',
  id: 'lead-1',
  email: 'jane@example.com',
  firstName: HOSTILE_NAME,
  company: HOSTILE_COMPANY,
  firstTouch: { at: '2026-11-01T00:00:00Z', formId: 'contact' },
  lastTouch: { at: '2026-11-01T00:00:00Z' },
  subscriptions: { events: 'opted_in', newsletter: 'pending' },
  score: { rulesetVersion: 'starter-1', total: 105, grade: 'A', qualifications: 2 },
  version: 3,
};
const assignedLead = { ...lead, stage: 'mql', owner: { repId: 'ana', teamId: 'apac', assignedAt: '2026-11-22T10:00:00.400Z' } };
const qualified = {
  version: 1, correlationId: 'c-1', leadId: 'lead-1', rulesetVersion: 'starter-1', qualification: 2, fit: 65, engagement: 40, score: 105, grade: 'A',
  qualifiedAt: '2026-11-22T10:00:00.000Z', topContributors: [],
};
const due = (kind: 'remind' | 'reassign') =>
  busEnvelope('handoff.follow-up-due', { version: 1, correlationId: 'c-1', leadId: 'lead-1', rulesetVersion: 'starter-1', qualification: 2, repId: 'ana', round: 0, kind });
const campaign = {
  pk: 'CAMPAIGN#c-1', sk: 'CAMPAIGN', id: 'c-1', name: 'Invite', subscription: 'events', status: 'sending',
  template: { subject: 'Hi {{ lead.firstName | "there" }} of {{ lead.company }}', html: '<p>Hello {{ lead.firstName }}</p>' },
};

let table: TableFake;

beforeEach(() => {
  dynamo.reset();
  ses.reset();
  bus.reset();
  scheduler.reset();
  table = new TableFake();
  table.attach(dynamo);
  table.put({ pk: 'ROUTING', sk: 'CONFIG', config: routing, version: 1, updatedAt: '2026-11-20T00:00:00Z' });
  table.put(campaign);
  bus.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'bus-event' }] });
  scheduler.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn' });
  scheduler.on(DeleteScheduleCommand).resolves({});
  ses.on(SendEmailCommand).resolves({ MessageId: 'ses-1' });
});

/** The one email a handler sent for `body`, as SES received it. */
async function sentBy(handler: SqsHandler, body: string) {
  expect((await handler(sqsEvent([body]), context)).batchItemFailures).toEqual([]);
  const calls = ses.commandCalls(SendEmailCommand);
  expect(calls).toHaveLength(1);
  return calls[0]?.args[0].input.Content?.Simple;
}

/** Each kind of email: the handler that sends it, and the table and bus message that make it send one. */
const mailKinds: [string, keyof typeof handlers, () => string][] = [
  ['MQL alert', 'alertSales', () => {
    table.put(lead);
    return busEnvelope('lead.qualified', qualified);
  }],
  ['follow-up reminder', 'followUp', () => {
    table.put(assignedLead);
    return due('remind');
  }],
  ['reassignment alert', 'followUp', () => {
    table.put(assignedLead);
    table.put({ pk: 'ROUTING#REP#ana', sk: 'LOAD', repId: 'ana', open: 1 });
    table.put({ pk: 'ROUTING#TEAM#apac', sk: 'ROUND_ROBIN', teamId: 'apac', position: 1 });
    return due('reassign');
  }],
  ['team-inbox note', 'followUp', () => {
    table.put(assignedLead);
    table.put({ pk: 'ROUTING#REP#ana', sk: 'LOAD', repId: 'ana', open: 1 });
    table.put({ pk: 'ROUTING#REP#budi', sk: 'LOAD', repId: 'budi', open: 2 });
    return due('reassign');
  }],
  ['double opt-in confirmation', 'sendConfirmation', () => {
    table.put(lead);
    return busEnvelope('consent.confirmation-requested', { version: 1, correlationId: 'c', leadId: 'lead-1', subscriptions: ['newsletter'] });
  }],
  ['campaign email', 'sendCampaign', () => {
    table.put(lead);
    return busEnvelope('campaign.recipients-planned', { version: 1, correlationId: 'c', campaignId: 'c-1', leadIds: ['lead-1'] });
  }],
  ['campaign test send', 'sendCampaign', () => {
    table.put(lead);
    return busEnvelope('campaign.test-requested', { version: 1, correlationId: 'c', campaignId: 'c-1', to: ['tester@example.com'], leadId: 'lead-1' });
  }],
];
describe('no lead data reaches a mail header unsanitised', () => {
  it.each(mailKinds)('%s: Subject and every header are one line without control characters', async (kind, handler, arrange) => {
    const mail = await sentBy(handlers[handler], arrange());
    const subject = mail?.Subject?.Data ?? '';
    expect(subject).not.toMatch(CONTROL);
    for (const header of mail?.Headers ?? []) expect(header.Value ?? '').not.toMatch(CONTROL);
    // The name is still there, on the one line: nothing was dropped that a reader needs.
    if (kind !== 'double opt-in confirmation') expect(subject).toContain('Jane Bcc: victim@example.com');
  });
});

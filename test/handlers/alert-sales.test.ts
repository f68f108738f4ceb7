import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { busEnvelope, context, setHandlerEnvironment, sqsEvent } from './fixtures';

setHandlerEnvironment();
const dynamo = mockClient(DynamoDBDocumentClient);
const ses = mockClient(SESv2Client);
let handler: (typeof import('../../functions/alert-sales/handler'))['handler'];

beforeAll(async () => {
  ({ handler } = await import('../../functions/alert-sales/handler'));
});

const qualified = {
  version: 1,
  correlationId: 'c-1',
  leadId: 'lead-1',
  rulesetVersion: 'starter-1',
  qualification: 1,
  fit: 65,
  engagement: 40,
  score: 105,
  grade: 'A',
  qualifiedAt: '2026-11-22T10:00:00.000Z',
  topContributors: [{ ruleId: 'pricing-page', description: 'Pricing page view', points: 30, times: 3 }],
};
const lead = {
  id: 'lead-1',
  email: 'jane@example.com',
  firstName: 'Jane',
  company: 'Acme <b>',
  firstTouch: { at: '2026-11-01T00:00:00Z', formId: 'contact' },
  lastTouch: { at: '2026-11-01T00:00:00Z' },
  subscriptions: {},
  version: 3,
};

beforeEach(() => {
  dynamo.reset();
  ses.reset();
  dynamo.on(PutCommand).resolves({});
  dynamo.on(UpdateCommand).resolves({});
  dynamo.on(GetCommand).resolves({ Item: { pk: 'LEAD#lead-1', sk: 'PROFILE', ...lead } });
  dynamo.on(QueryCommand).resolves({ Items: [{ id: 'e1', type: 'page_view', occurredAt: '2026-11-22T09:00:00Z', properties: { url: 'https://example.com/pricing' }, subject: { kind: 'lead', id: 'lead-1' } }] });
  ses.on(SendEmailCommand).resolves({ MessageId: 'ses-1' });
});

const conditionFailed = () => Object.assign(new Error('conditional'), { name: 'ConditionalCheckFailedException' });

describe('alert-sales', () => {
  it('claims the alert, emails the sales inbox with the reasons and recent activity, marks it sent', async () => {
    const result = await handler(sqsEvent([busEnvelope('lead.qualified', qualified)]), context);
    expect(result.batchItemFailures).toEqual([]);
    const claim = dynamo.commandCalls(PutCommand)[0]?.args[0].input;
    expect(claim?.Item).toMatchObject({ pk: 'LEAD#lead-1', sk: 'ALERT#starter-1#1', status: 'sending' });
    const mail = ses.commandCalls(SendEmailCommand)[0]?.args[0].input;
    expect(mail?.Destination?.ToAddresses).toEqual(['sales@example.com']);
    expect(mail?.Content?.Simple?.Subject?.Data).toBe('MQL: Jane (Acme <b>) — score 105, grade A');
    expect(mail?.Content?.Simple?.Body?.Text?.Data).toContain('+30  Pricing page view x3');
    expect(mail?.Content?.Simple?.Body?.Text?.Data).toContain('page_view  https://example.com/pricing');
    expect(mail?.Content?.Simple?.Body?.Html?.Data).toContain('Acme &lt;b&gt;');
    expect(dynamo.commandCalls(UpdateCommand)[0]?.args[0].input.ExpressionAttributeValues?.[':sent']).toBe('sent');
  });

  it('sends nothing for a duplicate delivery of an alert already sent', async () => {
    dynamo.on(PutCommand).rejects(conditionFailed());
    dynamo.on(GetCommand, { Key: { pk: 'LEAD#lead-1', sk: 'ALERT#starter-1#1' } }).resolves({ Item: { status: 'sent' } });
    const result = await handler(sqsEvent([busEnvelope('lead.qualified', qualified)]), context);
    expect(result.batchItemFailures).toEqual([]);
    expect(ses.calls()).toHaveLength(0);
  });

  it('retries later, sending nothing, while another invocation holds the claim', async () => {
    dynamo.on(PutCommand).rejects(conditionFailed());
    dynamo.on(GetCommand, { Key: { pk: 'LEAD#lead-1', sk: 'ALERT#starter-1#1' } }).resolves({ Item: { status: 'sending' } });
    const result = await handler(sqsEvent([busEnvelope('lead.qualified', qualified)]), context);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'message-0' }]);
    expect(ses.calls()).toHaveLength(0);
  });

  it('releases the claim when SES throttles, so the retry can send', async () => {
    ses.on(SendEmailCommand).rejects(Object.assign(new Error('Maximum sending rate exceeded'), { name: 'TooManyRequestsException' }));
    const result = await handler(sqsEvent([busEnvelope('lead.qualified', qualified)]), context);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'message-0' }]);
    expect(dynamo.commandCalls(DeleteCommand)[0]?.args[0].input.Key).toEqual({ pk: 'LEAD#lead-1', sk: 'ALERT#starter-1#1' });
  });

  it('reports only the poison record of a batch as failed', async () => {
    const result = await handler(
      sqsEvent([busEnvelope('lead.qualified', qualified), 'not json', busEnvelope('lead.qualified', { ...qualified, qualification: 2 })]),
      context,
    );
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'message-1' }]);
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(2);
  });
});

import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListMessageMoveTasksCommand,
  QueueDoesNotExist,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
  type Message,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { main, type CliIo } from '../../cli/leadflow';
import { formatAge, redactPersonalData } from '../../cli/dead-letter-queues';
import { manifest } from '../../manifest/manifest';
import { isEventFunction } from '../../manifest/types';

const sqs = mockClient(SQSClient);
const AWS_API = 'https://abc123.execute-api.eu-west-1.amazonaws.com';
const consumers = manifest.functions.filter(isEventFunction).map((spec) => spec.name);

function io(env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (line: string) => out.push(line), err: (line: string) => err.push(line), env, cwd: '/nowhere', pollMs: 1 } satisfies CliIo };
}

const urlOf = (name: string) => `https://sqs.example/000000000000/${name}`;
const arnOf = (name: string) => `arn:aws:sqs:eu-west-1:000000000000:${name}`;

/** Queues by name with their visible messages; every other queue the CLI asks for exists and is empty. */
function queues(depths: Record<string, number> = {}) {
  sqs.on(GetQueueUrlCommand).callsFake((input: { QueueName: string }) => ({ QueueUrl: urlOf(input.QueueName) }));
  sqs.on(GetQueueAttributesCommand).callsFake((input: { QueueUrl: string }) => {
    const name = input.QueueUrl.split('/').pop() ?? '';
    return { Attributes: { ApproximateNumberOfMessages: String(depths[name] ?? 0), ApproximateNumberOfMessagesNotVisible: '0', QueueArn: arnOf(name) } };
  });
  sqs.on(ChangeMessageVisibilityBatchCommand).resolves({ Successful: [], Failed: [] });
}

const busEvent = (detailType: string, detail: unknown) =>
  JSON.stringify({ version: '0', id: `event-${detailType}`, 'detail-type': detailType, source: 'leadflow', time: '2026-11-30T05:00:00Z', detail });

const message = (id: string, body: string, sentMinutesAgo: number, receiveCount = 5): Message => ({
  MessageId: id,
  ReceiptHandle: `receipt-${id}`,
  Body: body,
  Attributes: { SentTimestamp: String(Date.now() - sentMinutesAgo * 60_000), ApproximateReceiveCount: String(receiveCount) },
});

beforeEach(() => {
  sqs.reset();
});

describe('leadflow dlq list', () => {
  it('shows every consumer DLQ of the local stack with its messages and the age of the oldest, giving back what it looked at', async () => {
    queues({ 'score-lead-dlq': 2 });
    sqs
      .on(ReceiveMessageCommand, { QueueUrl: urlOf('score-lead-dlq') })
      .resolvesOnce({ Messages: [message('a', busEvent('engagement.recorded', {}), 3), message('b', busEvent('engagement.recorded', {}), 125)] })
      .resolves({ Messages: [] });
    const run = io();
    expect(await main(['dlq', 'list'], run.io)).toBe(0);

    expect(run.out[0]).toMatch(/^DLQ\s+messages\s+oldest$/);
    expect(run.out).toContain(`${'score-lead'.padEnd(24)}${'2'.padStart(9)}${'2 h 5 min'.padStart(14)}`);
    expect(run.out).toContain(`${'alert-sales'.padEnd(24)}${'0'.padStart(9)}${'-'.padStart(14)}`);
    expect(run.out.slice(1, -1).map((line) => line.split(/\s+/)[0])).toEqual(consumers);
    expect(run.out.at(-1)).toBe('2 message(s) in 1 DLQ(s). Look: leadflow dlq show <name>; replay once the cause is fixed: leadflow dlq redrive <name|all>');
    // Locally the queues are named after the function alone.
    expect(sqs.commandCalls(GetQueueUrlCommand).map((call) => call.args[0].input.QueueName)).toContain('score-lead-dlq');
    const released = sqs.commandCalls(ChangeMessageVisibilityBatchCommand).flatMap((call) => call.args[0].input.Entries ?? []);
    expect(released).toEqual([
      { Id: '0', ReceiptHandle: 'receipt-a', VisibilityTimeout: 0 },
      { Id: '1', ReceiptHandle: 'receipt-b', VisibilityTimeout: 0 },
    ]);
  });

  it('in AWS also names the SES forwarding and schedules DLQs, found by the stack name in the API region', async () => {
    queues({});
    const run = io({ LEADFLOW_API_URL: AWS_API });
    expect(await main(['dlq', 'list', '--stack', 'Staging'], run.io)).toBe(0);
    expect(run.out).toContain(`${'ses-forwarding'.padEnd(24)}${'0'.padStart(9)}${'-'.padStart(14)}  (SES events the default bus could not forward to the leadflow bus)`);
    expect(run.out.some((line) => line.startsWith('schedules '))).toBe(true);
    expect(run.out.at(-1)).toBe('Every DLQ is empty.');
    const names = sqs.commandCalls(GetQueueUrlCommand).map((call) => call.args[0].input.QueueName);
    expect(names).toEqual(expect.arrayContaining(['Staging-score-lead-dlq', 'Staging-ses-forwarding-dlq', 'Staging-schedules-dlq']));
    expect(await sqs.call(0).thisValue.config.region()).toBe('eu-west-1');
  });

  it('exits 1 with a plain message when a DLQ is not there', async () => {
    queues({});
    sqs.on(GetQueueUrlCommand, { QueueName: 'Leadflow-alert-sales-dlq' }).rejects(new QueueDoesNotExist({ message: 'The specified queue does not exist.', $metadata: {} }));
    const run = io({ LEADFLOW_API_URL: AWS_API });
    expect(await main(['dlq', 'list'], run.io)).toBe(1);
    expect(run.err).toEqual(['Queue Leadflow-alert-sales-dlq not found in stack Leadflow in eu-west-1 (set LEADFLOW_STACK or --stack to the stack name, LEADFLOW_REGION to its region)']);
  });
});

describe('leadflow dlq show', () => {
  it('prints each message’s detail type, time, receive count and detail without personal data, and gives them back', async () => {
    queues({ 'send-campaign-dlq': 3 });
    const ses = JSON.stringify({ id: 'ses-1', 'detail-type': 'Email Bounced', source: 'aws.ses', time: '2026-11-30T04:00:00Z', detail: { eventType: 'Bounce', mail: { messageId: 'm-1', destination: ['jane@example.com'], commonHeaders: { subject: 'Hi Jane' } }, bounce: { bouncedRecipients: [{ emailAddress: 'jane@example.com' }] } } });
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({
        Messages: [
          message('a', busEvent('campaign.test-requested', { version: 1, correlationId: 'c-1', campaignId: 'camp-1', to: ['boss@example.com'], leadId: 'lead-1' }), 10, 6),
          message('b', ses, 20),
        ],
      })
      .resolvesOnce({ Messages: [{ ...message('c', 'not json, jane@example.com', 30), MessageAttributes: { ERROR_CODE: { DataType: 'String', StringValue: 'SQSError' }, ERROR_MESSAGE: { DataType: 'String', StringValue: 'Access denied' } } }] })
      .resolves({ Messages: [] });
    const run = io();
    expect(await main(['dlq', 'show', 'send-campaign'], run.io)).toBe(0);
    const shown = run.out.join('\n');

    expect(shown).toContain('campaign.test-requested  2026-11-30T05:00:00Z  receive count 6  event event-campaign.test-requested');
    expect(shown).toContain('  detail: {"version":1,"correlationId":"c-1","campaignId":"camp-1","to":["[redacted]"],"leadId":"lead-1"}');
    expect(shown).toContain('Email Bounced  2026-11-30T04:00:00Z  receive count 5  event ses-1');
    expect(shown).toContain('"messageId":"m-1"');
    expect(shown).toContain('(not a bus event: 26 bytes, not shown)  receive count 5  message c');
    expect(shown).toContain('  error: SQSError: Access denied');
    expect(shown).not.toMatch(/@example\.com|Hi Jane/);
    expect(sqs.commandCalls(ChangeMessageVisibilityBatchCommand).flatMap((call) => call.args[0].input.Entries ?? []).map((entry) => entry.ReceiptHandle)).toEqual(['receipt-a', 'receipt-b', 'receipt-c']);
  });

  it('looks at no more than --max messages', async () => {
    queues({ 'score-lead-dlq': 30 });
    sqs.on(ReceiveMessageCommand).callsFake((input: { MaxNumberOfMessages: number }) => ({
      Messages: Array.from({ length: input.MaxNumberOfMessages }, (_, index) => message(`m${index}`, busEvent('engagement.recorded', { eventId: `ev-${index}` }), 1)),
    }));
    const run = io();
    expect(await main(['dlq', 'show', 'score-lead', '--max', '3'], run.io)).toBe(0);
    expect(run.out.join('\n').match(/^engagement\.recorded/gm)).toHaveLength(3);
    expect(sqs.commandCalls(ReceiveMessageCommand)[0]?.args[0].input).toMatchObject({ MaxNumberOfMessages: 3, VisibilityTimeout: 30 });
  });

  it('refuses a --max that is not a whole number from 1 to 100, and a name that is no DLQ', async () => {
    queues({});
    const run = io();
    expect(await main(['dlq', 'show', 'score-lead', '--max', '0'], run.io)).toBe(1);
    expect(await main(['dlq', 'show', 'scoring'], run.io)).toBe(1);
    expect(run.err[0]).toBe('--max must be a whole number from 1 to 100, not 0');
    expect(run.err[1]).toMatch(/^No DLQ named scoring in the local stack's SQS at http:\/\/127\.0\.0\.1:4566; one of: plan-rescoring, rescore-leads, finish-erasures, score-lead, /);
  });
});

describe('leadflow dlq redrive in AWS', () => {
  it('starts an SQS message move task from the DLQ to the function’s queue and follows it with a progress bar', async () => {
    queues({ 'Leadflow-alert-sales-dlq': 3 });
    sqs.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: 'task-1' });
    sqs
      .on(ListMessageMoveTasksCommand)
      // Yesterday's finished task, listed until SQS lists the new one.
      .resolvesOnce({ Results: [{ Status: 'COMPLETED', StartedTimestamp: Date.now() - 86_400_000, ApproximateNumberOfMessagesMoved: 7, ApproximateNumberOfMessagesToMove: 7 }] })
      .resolvesOnce({ Results: [{ Status: 'RUNNING', StartedTimestamp: Date.now(), ApproximateNumberOfMessagesMoved: 1, ApproximateNumberOfMessagesToMove: 3 }] })
      .resolves({ Results: [{ Status: 'COMPLETED', ApproximateNumberOfMessagesMoved: 3, ApproximateNumberOfMessagesToMove: 3 }] });
    const run = io({ LEADFLOW_API_URL: AWS_API });
    expect(await main(['dlq', 'redrive', 'alert-sales'], run.io)).toBe(0);

    expect(sqs.commandCalls(StartMessageMoveTaskCommand).map((call) => call.args[0].input)).toEqual([
      { SourceArn: arnOf('Leadflow-alert-sales-dlq'), DestinationArn: arnOf('Leadflow-alert-sales') },
    ]);
    expect(run.out).toEqual([
      'alert-sales: moving 3 message(s) back to its queue',
      '[------------------------------]      0 / 3 moved',
      '[##########--------------------]      1 / 3 moved',
      '[##############################]      3 / 3 moved',
      'alert-sales: 3 message(s) back in its queue',
    ]);
    expect(sqs.commandCalls(ReceiveMessageCommand)).toHaveLength(0);
  });

  it('moves every consumer DLQ that holds messages with `all`, and skips the empty ones', async () => {
    queues({ 'Leadflow-score-lead-dlq': 1, 'Leadflow-deliver-webhooks-dlq': 2 });
    sqs.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: 'task' });
    sqs.on(ListMessageMoveTasksCommand).callsFake((input: { SourceArn: string }) => {
      const moved = input.SourceArn.includes('score-lead') ? 1 : 2;
      return { Results: [{ Status: 'COMPLETED', ApproximateNumberOfMessagesMoved: moved, ApproximateNumberOfMessagesToMove: moved }] };
    });
    const run = io({ LEADFLOW_API_URL: AWS_API });
    expect(await main(['dlq', 'redrive', 'all'], run.io)).toBe(0);
    expect(sqs.commandCalls(StartMessageMoveTaskCommand).map((call) => call.args[0].input.SourceArn).sort()).toEqual([arnOf('Leadflow-deliver-webhooks-dlq'), arnOf('Leadflow-score-lead-dlq')]);
    expect(run.out).toContain('score-lead: 1 message(s) back in its queue');
    expect(run.out).toContain('deliver-webhooks: 2 message(s) back in its queue');
    expect(run.out).toContain('alert-sales: nothing to redrive');
    // The stack-level DLQs have no queue of ours upstream: `all` leaves them.
    expect(sqs.commandCalls(GetQueueUrlCommand).map((call) => call.args[0].input.QueueName)).not.toContain('Leadflow-schedules-dlq');
  });

  it('exits 1 saying why when the move task fails', async () => {
    queues({ 'Leadflow-score-lead-dlq': 4 });
    sqs.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: 'task' });
    sqs.on(ListMessageMoveTasksCommand).resolves({ Results: [{ Status: 'FAILED', FailureReason: 'AccessDenied', ApproximateNumberOfMessagesMoved: 1 }] });
    const run = io({ LEADFLOW_API_URL: AWS_API });
    expect(await main(['dlq', 'redrive', 'score-lead'], run.io)).toBe(1);
    expect(run.err).toEqual(['score-lead: the redrive failed: AccessDenied after moving 1 message(s)']);
  });

  it('exits 1 with a plain message when the function’s queue is not there', async () => {
    queues({ 'Leadflow-score-lead-dlq': 1 });
    sqs.on(GetQueueUrlCommand, { QueueName: 'Leadflow-score-lead' }).rejects(new QueueDoesNotExist({ message: 'The specified queue does not exist.', $metadata: {} }));
    const run = io({ LEADFLOW_API_URL: AWS_API });
    expect(await main(['dlq', 'redrive', 'score-lead'], run.io)).toBe(1);
    expect(run.err[0]).toMatch(/^Queue Leadflow-score-lead not found in stack Leadflow in eu-west-1/);
    expect(sqs.commandCalls(StartMessageMoveTaskCommand)).toHaveLength(0);
  });

  it('refuses the DLQs that have no queue to go back to, naming what they hold', async () => {
    queues({});
    const run = io({ LEADFLOW_API_URL: AWS_API });
    expect(await main(['dlq', 'redrive', 'schedules'], run.io)).toBe(1);
    expect(run.err[0]).toMatch(/^schedules: its DLQ holds campaign\.send-due and handoff\.follow-up-due events Scheduler could not put on the bus; there is no queue to move them back to/);
  });
});

describe('leadflow dlq redrive on the local stack', () => {
  it('moves the messages itself, sending each to the function’s queue before deleting it from the DLQ', async () => {
    queues({ 'score-lead-dlq': 2 });
    const bodies = [busEvent('engagement.recorded', { eventId: 'ev-1' }), busEvent('engagement.recorded', { eventId: 'ev-2' })];
    sqs
      .on(ReceiveMessageCommand, { QueueUrl: urlOf('score-lead-dlq') })
      .resolvesOnce({ Messages: [message('a', bodies[0] ?? '', 1), message('b', bodies[1] ?? '', 1)] })
      .resolves({ Messages: [] });
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [{ Id: '0', MessageId: 'n0', MD5OfMessageBody: '' }, { Id: '1', MessageId: 'n1', MD5OfMessageBody: '' }], Failed: [] });
    sqs.on(DeleteMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    const run = io();
    expect(await main(['dlq', 'redrive', 'score-lead'], run.io)).toBe(0);

    expect(sqs.commandCalls(SendMessageBatchCommand).map((call) => call.args[0].input)).toEqual([
      { QueueUrl: urlOf('score-lead'), Entries: [{ Id: '0', MessageBody: bodies[0] }, { Id: '1', MessageBody: bodies[1] }] },
    ]);
    expect(sqs.commandCalls(DeleteMessageBatchCommand).map((call) => call.args[0].input)).toEqual([
      { QueueUrl: urlOf('score-lead-dlq'), Entries: [{ Id: '0', ReceiptHandle: 'receipt-a' }, { Id: '1', ReceiptHandle: 'receipt-b' }] },
    ]);
    expect(run.out).toEqual(['score-lead: moving 2 message(s) back to its queue', '[##############################]      2 / 2 moved', 'score-lead: 2 message(s) back in its queue']);
    expect(sqs.commandCalls(StartMessageMoveTaskCommand)).toHaveLength(0);
  });

  it('leaves in the DLQ what the queue refused, and exits 1 saying so', async () => {
    queues({ 'score-lead-dlq': 2 });
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [message('a', '{}', 1), message('b', '{}', 1)] })
      .resolves({ Messages: [] });
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [{ Id: '0', MessageId: 'n0', MD5OfMessageBody: '' }], Failed: [{ Id: '1', Code: 'InternalError', SenderFault: false, Message: 'try later' }] });
    sqs.on(DeleteMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    const run = io();
    expect(await main(['dlq', 'redrive', 'score-lead'], run.io)).toBe(1);
    expect(sqs.commandCalls(DeleteMessageBatchCommand)[0]?.args[0].input.Entries).toEqual([{ Id: '0', ReceiptHandle: 'receipt-a' }]);
    expect(run.err).toEqual(['score-lead: 1 message(s) could not be put back (try later); they stay in the DLQ: run the redrive again']);
  });

  it('says plainly when the local stack is not running', async () => {
    sqs.on(GetQueueUrlCommand).rejects(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4566'), { code: 'ECONNREFUSED' }));
    const run = io();
    expect(await main(['dlq', 'redrive', 'all'], run.io)).toBe(1);
    expect(run.err).toEqual(["Cannot reach the local stack's SQS at http://127.0.0.1:4566: is `npm start` running? (set AWS_ENDPOINT_URL_SQS or LEADFLOW_SQS_PORT if its SQS listens elsewhere)"]);
  });
});

describe('leadflow dlq arguments', () => {
  it('refuses what it cannot do in plain words, exit code 1, before touching any queue', async () => {
    queues({});
    const cases: [string[], NodeJS.ProcessEnv, string | RegExp][] = [
      [['dlq', 'purge'], {}, 'unknown command dlq purge: list, show <function> or redrive <function|all>'],
      [['dlq', 'redrive'], {}, /^dlq redrive needs a function name \(one of: plan-rescoring, /],
      [['dlq', 'show'], {}, /^dlq show needs a function name/],
      [['dlq', 'list'], { LEADFLOW_API_URL: 'https://api.example.com' }, 'Cannot tell the AWS region of https://api.example.com; set LEADFLOW_REGION'],
    ];
    for (const [argv, env, message] of cases) {
      const run = io(env);
      expect(await main(argv, run.io)).toBe(1);
      expect(run.err.join('\n')).toMatch(message);
    }
    expect(sqs.calls()).toHaveLength(0);
  });

  it('prints the usage, with the dlq commands, for `dlq` alone', async () => {
    const run = io();
    expect(await main(['dlq'], run.io)).toBe(1);
    expect(run.out.join('\n')).toContain('Usage: leadflow dlq <command> [options]');
    expect(run.out.join('\n')).toContain('redrive <function|all>');
  });
});

describe('the DLQ helpers', () => {
  it('redacts addresses, names, headers, IP addresses and user agents wherever they are, and keeps ids', () => {
    expect(
      redactPersonalData({
        leadId: 'lead-1',
        eventId: 'ev_1',
        qualification: 2,
        note: 'mail jane@example.com',
        mail: { destination: ['a@b.co'], commonHeaders: { subject: 'Hi' }, tags: { campaign: ['camp-1'] } },
        open: { ipAddress: '203.0.113.9', userAgent: 'Mozilla' },
        peer: '198.51.100.7',
        lead: { firstName: 'Jane', phone: '+62 21 555' },
        stageChange: { from: 'lead', to: 'mql', actor: 'rep-ana' },
        test: { to: ['boss@example.com'] },
      }),
    ).toEqual({
      leadId: 'lead-1',
      eventId: 'ev_1',
      qualification: 2,
      note: '[redacted]',
      mail: { destination: '[redacted]', commonHeaders: '[redacted]', tags: { campaign: ['camp-1'] } },
      open: { ipAddress: '[redacted]', userAgent: '[redacted]' },
      peer: '[redacted]',
      lead: { firstName: '[redacted]', phone: '[redacted]' },
      stageChange: { from: 'lead', to: 'mql', actor: '[redacted]' },
      test: { to: ['[redacted]'] },
    });
  });

  it('says ages in the largest units that fit', () => {
    expect([formatAge(12_000), formatAge(12 * 60_000), formatAge(125 * 60_000), formatAge(50 * 3_600_000)]).toEqual(['12 s', '12 min', '2 h 5 min', '2 d 2 h']);
  });
});

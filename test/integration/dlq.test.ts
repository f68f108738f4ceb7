import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { onRunDynamoDb } from '../run-dynamodb';
import { createLeadWrites, putEvent } from '../../src/adapters/lead-items';
import { scopedEventId } from '../../src/domain/idempotency';
import { eventually, now, queueDepth, runCli, stackClient } from './helpers';

/**
 * `leadflow dlq` on the local stack, as an operator uses it: a message that failed every delivery
 * sits in score-lead's DLQ, `list` shows it, `show` looks at it without taking it, and once the cause
 * is gone `redrive` puts it back, where it is processed once.
 */
let stack: LocalStack;
let sqs: SQSClient;
let cwd: string;

beforeAll(async () => {
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  // Failed deliveries come back after 1 s, so a message reaches the DLQ within seconds.
  stack = await startLocalStack(await onRunDynamoDb({ visibilityTimeoutSeconds: 1, log: () => {}, perClientLimit: { ratePerSecond: 1_000, burst: 1_000 } }));
  sqs = new SQSClient({ endpoint: stack.endpoints.sqs, useQueueUrlAsEndpoint: false });
  cwd = await mkdtemp(join(tmpdir(), 'leadflow-dlq-'));
});

afterAll(async () => {
  sqs?.destroy();
  await stack?.stop();
  if (cwd) await rm(cwd, { recursive: true, force: true });
});

const { getLead } = stackClient(() => stack);

async function depthOf(queueUrl: string) {
  const { visible, inFlight } = await queueDepth(sqs, queueUrl);
  return { visible, inFlight };
}
const messagesIn = async (queueUrl: string) => {
  const { visible, inFlight } = await depthOf(queueUrl);
  return visible + inFlight;
};

const dlqRow = (listing: string, name: string) => listing.split('\n').find((line) => line.startsWith(`${name} `));

describe('leadflow dlq on the local stack', () => {
  it('lists, shows and redrives a failed message, which is then processed once', async () => {
    const queue = stack.queues['score-lead'];
    if (!queue) throw new Error('score-lead queue missing');
    // A lead the table does not hold (yet): score-lead fails its engagement on every delivery.
    const email = `dlq-${randomUUID()}@example.com`;
    const leadId = randomUUID();
    const eventId = scopedEventId({ email }, `evt-${randomUUID()}`);
    const envelope = { version: '0', id: randomUUID(), 'detail-type': 'engagement.recorded', source: 'leadflow', account: '0', time: now(), region: 'us-east-1', resources: [], detail: { version: 2, correlationId: 'dlq-test', eventIds: [eventId], leadId } };
    await sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: JSON.stringify(envelope) }));
    await eventually(async () => ((await messagesIn(queue.dlqUrl)) === 1 ? true : undefined), 60_000);

    const listed = await runCli(stack, cwd, 'dlq', 'list');
    expect(listed.err).toBe('');
    expect(listed.code).toBe(0);
    expect(dlqRow(listed.out, 'score-lead')).toMatch(/^score-lead\s+1\s+\d+ (s|min)$/);
    expect(dlqRow(listed.out, 'alert-sales')).toMatch(/^alert-sales\s+0\s+-$/);

    const shown = await runCli(stack, cwd, 'dlq', 'show', 'score-lead');
    expect(shown.code).toBe(0);
    const heading = new RegExp(`^engagement\\.recorded  ${envelope.time}  receive count (\\d+)  event ${envelope.id}$`, 'm').exec(shown.out);
    expect(Number(heading?.[1])).toBeGreaterThanOrEqual(5);
    expect(shown.out).toContain(`"eventIds":["${eventId}"]`);
    expect(shown.out).not.toContain(email);
    // Looked at, not taken: it is still there and can be received at once.
    expect(await depthOf(queue.dlqUrl)).toEqual({ visible: 1, inFlight: 0 });

    // The lead and its event arrive (as a restore would bring them back), written as the pipeline writes them.
    const at = now();
    const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: stack.endpoints.dynamodb }));
    const lead = { id: leadId, email, firstName: 'Dee', createdAt: at, updatedAt: at, firstTouch: { at }, lastTouch: { at }, subscriptions: {}, stage: 'lead' as const, stageChangedAt: at, version: 1 };
    const event = { id: eventId, type: 'webinar_registration', occurredAt: at, receivedAt: at, recordedAt: at, properties: { webinarId: 'scoring-101' } };
    await documents.send(new TransactWriteCommand({ TransactItems: [...createLeadWrites(stack.settings.tableName, lead), putEvent(stack.settings.tableName, event, { kind: 'lead', id: leadId })] }));

    const redriven = await runCli(stack, cwd, 'dlq', 'redrive', 'score-lead');
    expect(redriven.err).toBe('');
    expect(redriven.code).toBe(0);
    expect(redriven.out).toContain('[##############################]      1 / 1 moved');
    expect(redriven.out).toContain('score-lead: 1 message(s) back in its queue');
    expect(dlqRow((await runCli(stack, cwd, 'dlq', 'list')).out, 'score-lead')).toMatch(/^score-lead\s+0\s+-$/);

    // Consumed from its queue without failing (the DLQ stays empty): the event is in the score, once,
    // and the same message delivered again changes nothing.
    const scored = await eventually(async () => {
      const current = await getLead(leadId);
      return current.score?.breakdown['webinar-registration'] ? current : undefined;
    });
    expect(scored.score?.eventCount).toBe(1);
    await sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: JSON.stringify(envelope) }));
    await eventually(async () => ((await messagesIn(queue.url)) === 0 ? true : undefined), 30_000);
    expect(await messagesIn(queue.dlqUrl)).toBe(0);
    expect((await getLead(leadId)).score?.eventCount).toBe(1);
  });

  it('says plainly which function has no DLQ, and exits 1', async () => {
    const result = await runCli(stack, cwd, 'dlq', 'redrive', 'score-leads');
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/^No DLQ named score-leads in the local stack's SQS at http:\/\/127\.0\.0\.1:\d+; one of: .*score-lead/);
  });

  it('says when the local stack cannot be reached', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const { main } = await import('../../cli/leadflow');
    const code = await main(['dlq', 'list'], { out: (line) => out.push(line), err: (line) => err.push(line), env: { LEADFLOW_API_URL: stack.apiUrl, AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:9' }, cwd });
    expect(code).toBe(1);
    expect(err.join('\n')).toContain('Cannot reach the local stack\'s SQS at http://127.0.0.1:9: is `npm start` running?');
  });
});

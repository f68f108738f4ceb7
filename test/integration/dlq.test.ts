import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { scopedEventId } from '../../src/domain/idempotency';
import { eventually, now, runCli, stackClient } from './helpers';

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
  stack = await startLocalStack({ visibilityTimeoutSeconds: 1, log: () => {}, perClientLimit: { ratePerSecond: 1_000, burst: 1_000 } });
  sqs = new SQSClient({ endpoint: stack.endpoints.sqs, useQueueUrlAsEndpoint: false });
  cwd = await mkdtemp(join(tmpdir(), 'leadflow-dlq-'));
});

afterAll(async () => {
  sqs?.destroy();
  await stack?.stop();
});

const { post, getLead } = stackClient(() => stack);

async function depthOf(queueUrl: string) {
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
  return { visible: Number(Attributes?.ApproximateNumberOfMessages), inFlight: Number(Attributes?.ApproximateNumberOfMessagesNotVisible) };
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
    const email = `dlq-${randomUUID()}@example.com`;
    const submitted = await post('/v1/forms/contact/submissions', { email, firstName: 'Dee', company: 'Acme' });
    expect(submitted.status).toBe(202);
    const { leadId } = (await submitted.json()) as { leadId: string };

    // The engagement of an event the table does not hold yet: score-lead fails it on every delivery.
    const clientEventId = `evt-${randomUUID()}`;
    const eventId = scopedEventId({ email }, clientEventId);
    const envelope = { version: '0', id: randomUUID(), 'detail-type': 'engagement.recorded', source: 'leadflow', account: '0', time: now(), region: 'us-east-1', resources: [], detail: { version: 1, correlationId: 'dlq-test', eventId, leadId } };
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
    expect(shown.out).toContain(`"eventId":"${eventId}"`);
    expect(shown.out).not.toContain(email);
    // Looked at, not taken: it is still there and can be received at once.
    expect(await depthOf(queue.dlqUrl)).toEqual({ visible: 1, inFlight: 0 });

    // The event arrives and is scored; the engagement waiting in the DLQ now names an event already scored.
    const events = [{ id: clientEventId, type: 'webinar_registration', occurredAt: now(), email, properties: { webinarId: 'scoring-101' } }];
    expect((await post('/v1/events', { events })).status).toBe(202);
    const scored = await eventually(async () => {
      const lead = await getLead(leadId);
      return lead.score?.breakdown['webinar-registration'] ? lead : undefined;
    });

    const redriven = await runCli(stack, cwd, 'dlq', 'redrive', 'score-lead');
    expect(redriven.err).toBe('');
    expect(redriven.code).toBe(0);
    expect(redriven.out).toContain('[##############################]      1 / 1 moved');
    expect(redriven.out).toContain('score-lead: 1 message(s) back in its queue');
    expect(dlqRow((await runCli(stack, cwd, 'dlq', 'list')).out, 'score-lead')).toMatch(/^score-lead\s+0\s+-$/);

    // Consumed from its queue without failing (the DLQ stays empty), and the score is as it was.
    await eventually(async () => ((await messagesIn(queue.url)) === 0 ? true : undefined), 30_000);
    expect(await messagesIn(queue.dlqUrl)).toBe(0);
    const after = await getLead(leadId);
    expect(after.score?.breakdown['webinar-registration']).toEqual(scored.score?.breakdown['webinar-registration']);
    expect(after.score?.eventCount).toBe(scored.score?.eventCount);
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

import { randomUUID } from 'node:crypto';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { expect } from 'vitest';
import { main } from '../../cli/leadflow';
import type { LocalStack } from '../../local/stack';
import { toStoredEvents } from '../../src/adapters/lead-items';
import { watermarkOf } from '../../src/adapters/score-items';
import { isApplied } from '../../src/domain/event-log';

export interface LeadView {
  emailSuppression?: { reason: string; at: string };
  subscriptions?: Record<string, string>;
  score?: {
    total: number;
    qualified: boolean;
    qualifications: number;
    eventCount: number;
    rulesetVersion: string;
    breakdown: Record<string, { times: number; points: number }>;
  };
}
export interface StoredMail {
  messageId: string;
  subject: string;
  destination: { to: string[] };
  body: { text?: string; html?: string };
  headers?: { name: string; value: string }[];
}

/** HTTP helpers bound to a running local stack (looked up lazily: the stack starts in beforeAll). */
export function stackClient(stack: () => LocalStack) {
  const admin = (method: string, path: string, body?: unknown) =>
    fetch(`${stack().apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${stack().devToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${stack().apiUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return {
    post,
    admin,
    /**
     * A lead that qualifies under the starter ruleset: a decision maker in Indonesia (a form), who views
     * the demo page and registers for a webinar. Its id, once both requests are accepted.
     */
    qualifyLead: async (firstName = 'Jane'): Promise<string> => {
      const email = `${firstName.toLowerCase()}-${randomUUID()}@example.com`;
      const submitted = await post('/v1/forms/contact/submissions', { email, firstName, company: 'Acme', role: 'VP Marketing', industry: 'SaaS', teamSize: 120, budget: 25_000, country: 'ID' });
      expect(submitted.status).toBe(202);
      const { leadId } = (await submitted.json()) as { leadId: string };
      const events = [
        { id: `evt-${randomUUID()}`, type: 'page_view', occurredAt: now(), email, properties: { url: 'https://example.com/demo', secondsOnPage: 180 } },
        { id: `evt-${randomUUID()}`, type: 'webinar_registration', occurredAt: now(), email, properties: { webinarId: 'scoring-101' } },
      ];
      expect((await post('/v1/events', { events })).status).toBe(202);
      return leadId;
    },
    getLead: async (leadId: string): Promise<LeadView> => {
      const response = await admin('GET', `/v1/admin/leads/${leadId}`);
      expect(response.status).toBe(200);
      return (await response.json()) as LeadView;
    },
    mails: async (): Promise<StoredMail[]> => ((await (await fetch(`${stack().sesUrl}/store`)).json()) as { emails: StoredMail[] }).emails,
  };
}

/** Polls until `check` returns a value, or fails after the deadline with the last error. */
export async function eventually<T>(check: () => Promise<T | undefined>, deadlineMs = 20_000): Promise<T> {
  const until = Date.now() + deadlineMs;
  let lastError: unknown;
  while (Date.now() < until) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`condition not met in ${deadlineMs} ms${lastError ? `: ${String(lastError)}` : ''}`);
}

/** A queue's messages as SQS counts them: waiting, in flight (received, not yet deleted) and delayed. */
export async function queueDepth(sqs: SQSClient, queueUrl: string): Promise<{ visible: number; inFlight: number; delayed: number }> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'] }),
  );
  return {
    visible: Number(Attributes?.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0),
    delayed: Number(Attributes?.ApproximateNumberOfMessagesDelayed ?? 0),
  };
}

/**
 * Waits until the stack has nothing left to do: no message waiting, delayed or in flight on any of its
 * queues, seen on two looks in a row (a consumer finishing one message may just have queued the next).
 * Everything put on the bus before the call has then been handled, however slow the machine is: tests
 * wait for this before they count what must not have happened twice.
 */
export async function settled(stack: LocalStack, deadlineMs = 60_000): Promise<void> {
  const sqs = new SQSClient({ endpoint: stack.endpoints.sqs, useQueueUrlAsEndpoint: false });
  const pending = async (queueUrl: string) => {
    const { visible, inFlight, delayed } = await queueDepth(sqs, queueUrl);
    return visible + inFlight + delayed;
  };
  let quietLooks = 0;
  let busy: string[] = [];
  try {
    await eventually(async () => {
      const counts = await Promise.all(Object.entries(stack.queues).map(async ([name, queue]) => [name, await pending(queue.url)] as const));
      busy = counts.filter(([, count]) => count > 0).map(([name, count]) => `${name}: ${count}`);
      quietLooks = busy.length === 0 ? quietLooks + 1 : 0;
      return quietLooks >= 2 ? true : undefined;
    }, deadlineMs);
  } catch (error) {
    // Name the queues still holding messages: the consumer that never finishes is the cause to look at.
    throw new Error(`${String(error)}; messages still on ${busy.join(', ') || 'no queue at the last look'}`);
  } finally {
    sqs.destroy();
  }
}

export const now = () => new Date().toISOString();

/** Runs the `leadflow` CLI against a local stack, as a marketer or operator would; progress polls are quick. */
export async function runCli(stack: LocalStack, cwd: string, ...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const env = { LEADFLOW_API_URL: stack.apiUrl, LEADFLOW_DEV_TOKEN: stack.devToken, AWS_ENDPOINT_URL_SQS: stack.endpoints.sqs };
  const code = await main(argv, { out: (line) => out.push(line), err: (line) => err.push(line), env, cwd, pollMs: 200 });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/**
 * The ids of `eventIds` (as stored: scoped to their address) that the lead's score does not hold yet:
 * read from the lead's partition — its events and its score's watermark — as the scorer reads them.
 */
export async function eventsNotInScore(documents: DynamoDBDocumentClient, tableName: string, leadId: string, eventIds: readonly string[]): Promise<string[]> {
  const { Items = [] } = await documents.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'pk = :lead AND sk BETWEEN :events AND :score',
      ExpressionAttributeValues: { ':lead': `LEAD#${leadId}`, ':events': 'EVENT#', ':score': 'SCORE' },
      ConsistentRead: true,
    }),
  );
  const watermark = watermarkOf(Items.find((item) => item.sk === 'SCORE'));
  const recorded = Items.filter((item) => String(item.sk).startsWith('EVENT#')).flatMap((item) => toStoredEvents(item));
  return eventIds.filter((eventId) => {
    const event = recorded.find((candidate) => candidate.id === eventId);
    return !event || !isApplied(event, watermark);
  });
}

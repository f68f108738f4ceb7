import { createHmac } from 'node:crypto';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ChangeMessageVisibilityCommand, GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { Webhook } from 'standardwebhooks';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PinnedPost } from '../../src/domain/handoff/webhooks';
import type { KeyRing } from '../../src/domain/consent/signed-token';
import { webhookSecret } from '../../src/domain/handoff/webhooks';
import { busEnvelope, context, setHandlerEnvironment, sqsEvent } from './fixtures';
import { TableFake } from './table-fake';

setHandlerEnvironment();
const dynamo = mockClient(DynamoDBDocumentClient);
const sqs = mockClient(SQSClient);
const secrets = mockClient(SecretsManagerClient);
const ring: KeyRing = { current: 'k2', keys: { k1: 'an-older-key-that-still-verifies-0001', k2: 'the-current-signing-key-of-32-bytes!!' } };
let handler: ReturnType<(typeof import('../../functions/deliver-webhooks/handler'))['deliverWebhooksOver']>;
let table: TableFake;

interface Posted {
  url: string;
  /** Where the connection may go: the addresses the host name resolved to when it was checked. */
  addresses: readonly string[];
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}
let posted: Posted[];
let answer: (request: PinnedPost) => Promise<number>;
/** What each host name resolves to now; a name not here does not resolve. */
let dns: Record<string, string[]>;
let lookups: string[];

beforeAll(async () => {
  const { deliverWebhooksOver } = await import('../../functions/deliver-webhooks/handler');
  // The network of the receivers' world: a resolver answering from `dns`, a connector recording what it posts where.
  handler = deliverWebhooksOver({
    resolver: {
      resolve: async (hostname) => {
        lookups.push(hostname);
        const addresses = dns[hostname];
        if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
        return addresses;
      },
    },
    connector: {
      post: async (request) => {
        posted.push({ url: request.url.href, addresses: request.addresses, headers: Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name.toLowerCase(), value])), body: request.body, timeoutMs: request.timeoutMs });
        return answer(request);
      },
    },
  });
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
const endpoint = (id: string, url: string, eventTypes: string[], secretRef = { kid: 'k1', nonce: `nonce-${id}` }) => ({
  pk: `WEBHOOK#${id}`,
  sk: 'ENDPOINT',
  gsi1pk: 'WEBHOOKS',
  gsi1sk: `2026-11-20T00:00:00Z#${id}`,
  id,
  url,
  eventTypes,
  secretRef,
  createdAt: '2026-11-20T00:00:00Z',
});

/** A bus event as EventBridge puts it on the queue; each producer duplicate gets a new bus id. */
const delivery = (busId: string, detailType = 'lead.qualified', detail: unknown = qualified) =>
  sqsEvent([JSON.stringify({ ...JSON.parse(busEnvelope(detailType, detail)), id: busId, time: '2026-11-22T10:00:01Z' })]);

beforeEach(() => {
  dynamo.reset();
  sqs.reset();
  sqs.on(GetQueueUrlCommand).resolves({ QueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/queue' });
  sqs.on(ChangeMessageVisibilityCommand).resolves({});
  secrets.reset();
  secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ current: ring.current, ...ring.keys }) });
  table = new TableFake();
  table.attach(dynamo);
  table.put(endpoint('crm', 'https://crm.example.com/hooks/leadflow', ['lead.qualified', 'lead.assigned']));
  posted = [];
  lookups = [];
  answer = async () => 200;
  dns = { 'crm.example.com': ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'], 'chat.example.com': ['203.0.114.7'] };
});

describe('deliver-webhooks', () => {
  it('POSTs the event as JSON, signed the Standard Webhooks way: HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<body>" under the endpoint secret', async () => {
    const before = Math.floor(Date.now() / 1000);
    const result = await handler(delivery('bus-1'), context);
    expect(result.batchItemFailures).toEqual([]);
    expect(posted).toHaveLength(1);
    const [request] = posted as [Posted];
    expect(request.url).toBe('https://crm.example.com/hooks/leadflow');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['leadflow-event-type']).toBe('lead.qualified');
    const timestamp = Number(request.headers['webhook-timestamp']);
    expect(timestamp).toBeGreaterThanOrEqual(before);
    // The secret the endpoint was shown at creation: derived from key k1 (no longer current, still in the ring).
    const secret = webhookSecret(ring, { kid: 'k1', nonce: 'nonce-crm' }, 'crm');
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
    const expected = createHmac('sha256', key).update(`${request.headers['webhook-id']}.${timestamp}.${request.body}`).digest('base64');
    expect(request.headers['webhook-signature']).toBe(`v1,${expected}`);
    expect(new Webhook(secret).verify(request.body, request.headers)).toEqual(JSON.parse(request.body));
    const body = JSON.parse(request.body) as { id: string; type: string; occurredAt: string; data: typeof qualified };
    expect(body).toEqual({ id: request.headers['webhook-id'], type: 'lead.qualified', occurredAt: qualified.qualifiedAt, data: qualified });
    expect(body.id).toMatch(/^evt_[0-9a-f]{32}$/);
  });

  it('signs with the old secret too while a rotation overlaps, the new one first, and with the new one alone after', async () => {
    const current = { kid: 'k2', nonce: 'nonce-new' };
    const previous = { kid: 'k1', nonce: 'nonce-crm' };
    const signatures = (request: Posted) => request.headers['webhook-signature']?.split(' ');
    const verifies = (ref: { kid: string; nonce: string }, request: Posted) => {
      try {
        new Webhook(webhookSecret(ring, ref, 'crm')).verify(request.body, request.headers);
        return true;
      } catch {
        return false;
      }
    };
    table.put({ ...endpoint('crm', 'https://crm.example.com/hooks/leadflow', ['lead.qualified'], current), previousSecretRef: { ...previous, until: new Date(Date.now() + 3_600_000).toISOString() } });
    await handler(delivery('bus-1'), context);
    const [during] = posted as [Posted];
    expect(signatures(during)).toHaveLength(2);
    expect([verifies(current, during), verifies(previous, during)]).toEqual([true, true]);
    expect(verifies(current, { ...during, headers: { ...during.headers, 'webhook-signature': signatures(during)?.[0] ?? '' } })).toBe(true);

    table.put({ ...endpoint('crm', 'https://crm.example.com/hooks/leadflow', ['lead.qualified'], current), previousSecretRef: { ...previous, until: new Date(Date.now() - 1_000).toISOString() } });
    await handler(delivery('bus-2', 'lead.qualified', { ...qualified, qualification: 2 }), context);
    const after = posted[1] as Posted;
    expect(signatures(after)).toHaveLength(1);
    expect([verifies(current, after), verifies(previous, after)]).toEqual([true, false]);
  });

  it('posts nothing for an endpoint whose signing key left the ring, and retries the record until the key is back', async () => {
    table.put(endpoint('crm', 'https://crm.example.com/hooks/leadflow', ['lead.qualified'], { kid: 'k0', nonce: 'nonce-crm' }));
    expect((await handler(delivery('bus-1'), context)).batchItemFailures).toEqual([{ itemIdentifier: 'message-0' }]);
    expect(posted).toEqual([]);
  });

  describe('a key rotation reaching a warm function', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it('signs for an endpoint created under a key added to the ring once the secrets time-to-live (300 s) has passed', async () => {
      vi.useFakeTimers({ toFake: ['Date'] });
      // Warm: the ring without k3 is read and kept.
      expect((await handler(delivery('bus-1'), context)).batchItemFailures).toEqual([]);
      const rotated: KeyRing = { current: 'k3', keys: { ...ring.keys, k3: 'a-key-the-rotation-added-of-32-bytes' } };
      secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ current: rotated.current, ...rotated.keys }) });
      // manage-webhooks, already reading the new ring, gave this endpoint a secret under k3.
      const underNewKey = { kid: 'k3', nonce: 'nonce-new' };
      table.put(endpoint('chat', 'https://chat.example.com/in', ['lead.qualified'], underNewKey));
      const second = delivery('bus-2', 'lead.qualified', { ...qualified, qualification: 2 });
      expect((await handler(second, context)).batchItemFailures).toEqual([{ itemIdentifier: 'message-0' }]);
      vi.setSystemTime(Date.now() + 301_000);
      expect((await handler(second, context)).batchItemFailures).toEqual([]);
      const toChat = posted.filter((request) => request.url === 'https://chat.example.com/in');
      expect(toChat).toHaveLength(1);
      const [request] = toChat as [Posted];
      expect(new Webhook(webhookSecret(rotated, underNewKey, 'chat')).verify(request.body, request.headers)).toMatchObject({ data: { qualification: 2 } });
    });
  });

  it('sends a contact change with the lead\'s contact fields as they are now, once per submission; none for an erased lead', async () => {
    table.put(endpoint('sync', 'https://crm.example.com/hooks/contacts', ['lead.contact-changed']));
    table.put({ pk: 'LEAD#lead-1', sk: 'PROFILE', id: 'lead-1', email: 'ana@example.com', firstName: 'Ana', company: 'Acme', phone: '+62 21 555 0100', attributes: { plan: 'pro' }, subscriptions: {}, version: 4 });
    const changed = { version: 1, correlationId: 'c-1', leadId: 'lead-1', changeId: 'sub_1', fields: ['firstName', 'phone'], at: '2026-11-25T01:00:00.000Z', source: 'form' };
    expect((await handler(delivery('bus-1', 'lead.contact-changed', changed), context)).batchItemFailures).toEqual([]);
    expect(posted.map((request) => request.url)).toEqual(['https://crm.example.com/hooks/contacts']);
    const body = JSON.parse(posted[0]?.body ?? '{}') as { type: string; occurredAt: string; data: Record<string, unknown> };
    expect(body).toMatchObject({ type: 'lead.contact-changed', occurredAt: changed.at, data: { ...changed, contact: { email: 'ana@example.com', firstName: 'Ana', company: 'Acme', phone: '+62 21 555 0100', attributes: { plan: 'pro' } } } });
    // The same submission published again (a replayed form post) is the same event: not posted again.
    await handler(delivery('bus-2', 'lead.contact-changed', changed), context);
    expect(posted).toHaveLength(1);
    await handler(delivery('bus-3', 'lead.contact-changed', { ...changed, leadId: 'lead-erased', changeId: 'sub_2' }), context);
    expect(posted).toHaveLength(1);
  });

  it('delivers only to endpoints that asked for the event type', async () => {
    table.put(endpoint('chat', 'https://chat.example.com/in', ['lead.assigned']));
    await handler(delivery('bus-1'), context);
    expect(posted.map((request) => request.url)).toEqual(['https://crm.example.com/hooks/leadflow']);
    const assigned = { version: 1, correlationId: 'c-1', leadId: 'lead-1', repId: 'ana', teamId: 'apac', assignedAt: '2026-11-22T10:00:02Z', qualification: 1, rulesetVersion: 'starter-1' };
    await handler(delivery('bus-2', 'lead.assigned', assigned), context);
    expect(posted.slice(1).map((request) => request.url).sort()).toEqual(['https://chat.example.com/in', 'https://crm.example.com/hooks/leadflow']);
  });

  it('does not post again for a redelivered event or a producer duplicate with a new bus id', async () => {
    await handler(delivery('bus-1'), context);
    const redelivered = await handler(delivery('bus-1'), context);
    const duplicate = await handler(delivery('bus-other'), context);
    expect([...redelivered.batchItemFailures, ...duplicate.batchItemFailures]).toEqual([]);
    expect(posted).toHaveLength(1);
  });

  it('posts once under two concurrent deliveries of the same event; the other is retried and then does nothing', async () => {
    // The receiver takes a moment, so the second delivery finds the first one's claim.
    answer = () => new Promise((resolve) => setTimeout(() => resolve(200), 50));
    // One batch of two: the batch processor handles its records concurrently, as two consumers would.
    const twice = sqsEvent([delivery('bus-1').Records[0]?.body ?? '', delivery('bus-2').Records[0]?.body ?? '']);
    expect((await handler(twice, context)).batchItemFailures).toHaveLength(1);
    expect((await handler(delivery('bus-2'), context)).batchItemFailures).toEqual([]);
    expect(posted).toHaveLength(1);
    // Waiting for another invocation is not the endpoint's fault: no growing backoff, but a wait until
    // the other's claim could be stale, so a claim a crash left behind is taken over, not dead-lettered.
    expect(sqs.commandCalls(ChangeMessageVisibilityCommand).map((call) => call.args[0].input.VisibilityTimeout)).toEqual([12]);
  });

  it('retries on a 500 and delivers on the next receive with the same event id', async () => {
    answer = async () => 500;
    const failed = await handler(delivery('bus-1'), context);
    expect(failed.batchItemFailures).toEqual([{ itemIdentifier: 'message-0' }]);
    answer = async () => 204;
    const retried = await handler(delivery('bus-1'), context);
    expect(retried.batchItemFailures).toEqual([]);
    expect(posted).toHaveLength(2);
    expect(posted[1]?.headers['webhook-id']).toBe(posted[0]?.headers['webhook-id']);
    await handler(delivery('bus-1'), context);
    expect(posted).toHaveLength(2);
  });

  it('backs off exponentially: the failed message is hidden 30 s after its first receive, 2 min after its third', async () => {
    answer = async () => 500;
    const third = delivery('bus-1');
    const [record] = third.Records;
    if (record) record.attributes.ApproximateReceiveCount = '3';
    await handler(delivery('bus-1'), context);
    await handler(third, context);
    const delays = sqs.commandCalls(ChangeMessageVisibilityCommand).map((call) => call.args[0].input);
    expect(delays).toEqual([
      { QueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/queue', ReceiptHandle: 'receipt-0', VisibilityTimeout: 30 },
      { QueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/queue', ReceiptHandle: 'receipt-0', VisibilityTimeout: 120 },
    ]);
  });

  it('still fails the record for a retry when the backoff cannot be set', async () => {
    answer = async () => 500;
    sqs.on(ChangeMessageVisibilityCommand).rejects(new Error('AccessDenied'));
    expect((await handler(delivery('bus-1'), context)).batchItemFailures).toEqual([{ itemIdentifier: 'message-0' }]);
  });

  it('treats a redirect as a failure rather than following it', async () => {
    answer = async () => 302;
    expect((await handler(delivery('bus-1'), context)).batchItemFailures).toHaveLength(1);
    expect(posted).toHaveLength(1);
  });

  it('gives the endpoint 5 s to answer, and retries a delivery that timed out', async () => {
    answer = async (request) => {
      throw Object.assign(new Error(`The operation was aborted due to timeout after ${request.timeoutMs} ms`), { name: 'TimeoutError' });
    };
    expect((await handler(delivery('bus-1'), context)).batchItemFailures).toEqual([{ itemIdentifier: 'message-0' }]);
    answer = async () => 200;
    expect((await handler(delivery('bus-1'), context)).batchItemFailures).toEqual([]);
    expect(posted.map((request) => request.timeoutMs)).toEqual([5_000, 5_000]);
  });

  describe('targets leadflow must not reach', () => {
    it('posts to the addresses the host name resolved to when checked, looking it up once', async () => {
      await handler(delivery('bus-1'), context);
      expect(lookups).toEqual(['crm.example.com']);
      expect(posted.map(({ url, addresses }) => ({ url, addresses }))).toEqual([{ url: 'https://crm.example.com/hooks/leadflow', addresses: ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'] }]);
    });

    it('does not post to a name that now resolves to the instance metadata address, and does not retry it', async () => {
      dns['crm.example.com'] = ['169.254.169.254'];
      expect((await handler(delivery('bus-1'), context)).batchItemFailures).toEqual([]);
      expect(posted).toEqual([]);
      expect(sqs.commandCalls(ChangeMessageVisibilityCommand)).toHaveLength(0);
      const [record] = [...table.items.values()].filter((item) => item.entity === 'webhook-delivery');
      expect(record).toMatchObject({ status: 'refused', problem: expect.stringContaining('169.254.169.254') });
      // Settled: a redelivery of the event neither looks the name up again nor posts, even if the name changed back.
      dns['crm.example.com'] = ['93.184.216.34'];
      lookups = [];
      expect((await handler(delivery('bus-2'), context)).batchItemFailures).toEqual([]);
      expect(lookups).toEqual([]);
      expect(posted).toEqual([]);
    });

    it('refuses a name when any one of its addresses is private, IPv4-mapped included', async () => {
      for (const [busId, addresses] of [['bus-1', ['93.184.216.34', '10.0.0.1']], ['bus-2', ['::ffff:a9fe:a9fe']], ['bus-3', ['2606:2800:220:1::1', 'fd00:ec2::254']]] as const) {
        dns['crm.example.com'] = [...addresses];
        expect((await handler(delivery(busId, 'lead.qualified', { ...qualified, qualification: Number(busId.slice(-1)) }), context)).batchItemFailures).toEqual([]);
      }
      expect(posted).toEqual([]);
    });

    it('refuses an endpoint registered under local-mode rules (http on 127.0.0.1) without looking anything up', async () => {
      table.put(endpoint('crm', 'http://127.0.0.1:8080/in', ['lead.qualified']));
      expect((await handler(delivery('bus-1'), context)).batchItemFailures).toEqual([]);
      expect(lookups).toEqual([]);
      expect(posted).toEqual([]);
    });

    it('retries a host name that does not resolve now', async () => {
      delete dns['crm.example.com'];
      expect((await handler(delivery('bus-1'), context)).batchItemFailures).toEqual([{ itemIdentifier: 'message-0' }]);
      dns['crm.example.com'] = ['93.184.216.34'];
      expect((await handler(delivery('bus-1'), context)).batchItemFailures).toEqual([]);
      expect(posted).toHaveLength(1);
    });
  });

  it('retries only the endpoint that failed', async () => {
    table.put(endpoint('chat', 'https://chat.example.com/in', ['lead.qualified']));
    answer = async (request) => (request.url.hostname === 'chat.example.com' ? 503 : 200);
    expect((await handler(delivery('bus-1'), context)).batchItemFailures).toHaveLength(1);
    answer = async () => 200;
    expect((await handler(delivery('bus-1'), context)).batchItemFailures).toEqual([]);
    const hosts = posted.map((request) => new URL(request.url).hostname);
    expect(hosts.filter((host) => host === 'crm.example.com')).toHaveLength(1);
    expect(hosts.filter((host) => host === 'chat.example.com')).toHaveLength(2);
  });
});

import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { GetQueueAttributesCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { scopedEventId } from '../../src/domain/idempotency';
import type { LocalStack } from '../../local/stack';
import { eventsNotInScore, eventually, now, settled, stackClient } from './helpers';
import { sharedStack } from './shared-stack';

/**
 * The first slice end to end on the local stand-ins, over HTTP: form -> lead -> events -> score ->
 * MQL -> one email in the local SES store.
 */
let stack: LocalStack;

beforeAll(async () => {
  stack = await sharedStack();
});

const { admin, post, getLead, mails } = stackClient(() => stack);



describe('form to MQL alert on the local stack', () => {
  it('scores a lead from its form and events and emails sales exactly once when it qualifies', async () => {
    const email = `jane-${randomUUID()}@example.com`;
    // A company of its own: other files on the shared stack qualify Janes of Acme too.
    const company = `Acme ${randomUUID().slice(0, 8)}`;
    const submitted = await post('/v1/forms/contact/submissions', {
      email, firstName: 'Jane', company, role: 'VP Marketing', industry: 'SaaS', teamSize: 120, budget: 25_000, country: 'ID', consent: ['newsletter'],
    });
    expect(submitted.status).toBe(202);
    const { leadId } = (await submitted.json()) as { leadId: string };

    const events = [
      { id: `evt-${randomUUID()}`, type: 'page_view', occurredAt: now(), email, properties: { url: 'https://example.com/demo', secondsOnPage: 180 } },
      { id: `evt-${randomUUID()}`, type: 'webinar_registration', occurredAt: now(), email, properties: { webinarId: 'scoring-101' } },
    ];
    expect((await post('/v1/events', { events })).status).toBe(202);
    // The same events again, as a retrying client would send them: accepted as duplicates, scored once.
    const again = await post('/v1/events', { events });
    expect(await again.json()).toMatchObject({ accepted: 0, duplicates: 2 });

    const lead = await eventually(async () => {
      const current = await getLead(leadId);
      return current.score?.qualified ? current : undefined;
    });
    expect(lead.score?.breakdown['webinar-registration']?.times).toBe(1);
    expect(lead.score?.breakdown['demo-page']?.times).toBe(1);
    // The request's events reached the scorer in one message and went into the score in one write (a
    // second after the submission's own, at most), the duplicates in none; the events were never rewritten.
    const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: stack.endpoints.dynamodb }));
    expect(await eventsNotInScore(documents, stack.settings.tableName, leadId, events.map((event) => scopedEventId({ email }, event.id)))).toEqual([]);
    const { Item: score } = await documents.send(new GetCommand({ TableName: stack.settings.tableName, Key: { pk: `LEAD#${leadId}`, sk: 'SCORE' } }));
    expect(score?.version).toBeLessThanOrEqual(2);

    const alertsToJane = async () => (await mails()).filter((mail) => mail.subject.startsWith(`MQL: Jane (${company})`));
    const alerts = await eventually(async () => {
      const found = await alertsToJane();
      return found.length ? found : undefined;
    });
    // Everything a duplicate alert could come from has been handled before counting.
    await settled(stack);
    expect(await alertsToJane()).toHaveLength(alerts.length);
    expect(alerts).toHaveLength(1);
  });

  it('makes one lead of two concurrent submissions of one email', async () => {
    const email = `twin-${randomUUID()}@example.com`;
    const responses = await Promise.all(
      Array.from({ length: 5 }, (_, index) => post('/v1/forms/contact/submissions', { email, firstName: `Twin ${index}` })),
    );
    const leadIds = await Promise.all(responses.map(async (response) => ((await response.json()) as { leadId: string }).leadId));
    expect(responses.map((response) => response.status)).toEqual([202, 202, 202, 202, 202]);
    expect(new Set(leadIds).size).toBe(1);
  });

  it('credits an anonymous visitor’s earlier events to the lead when they identify', async () => {
    const anonymousId = `visitor-${randomUUID().slice(0, 8)}`;
    const browsing = { events: [{ id: `evt-${randomUUID()}`, type: 'page_view', occurredAt: now(), anonymousId, properties: { url: 'https://example.com/pricing' } }] };
    expect((await post('/v1/events', browsing)).status).toBe(202);
    const submitted = await post('/v1/forms/contact/submissions', { email: `anon-${randomUUID()}@example.com`, anonymousId });
    const { leadId } = (await submitted.json()) as { leadId: string };
    const lead = await eventually(async () => {
      const current = await getLead(leadId);
      return current.score?.breakdown['pricing-page'] ? current : undefined;
    });
    expect(lead.score?.breakdown['pricing-page']?.times).toBe(1);
  });

  it('lists a lead sorted by score by the role a CRM update gave it, a moment after the update answers', { timeout: 90_000 }, async () => {
    const company = `Refile ${randomUUID().slice(0, 8)}`;
    const submit = async (role: string) => {
      const submitted = await post('/v1/forms/contact/submissions', { email: `${role.toLowerCase()}-${randomUUID()}@example.com`, company, role, industry: 'SaaS', teamSize: 120 });
      expect(submitted.status).toBe(202);
      return ((await submitted.json()) as { leadId: string }).leadId;
    };
    const manager = await submit('Manager');
    const intern = await submit('Intern');
    const sorted = async () => {
      const response = await admin('GET', `/v1/admin/leads?sort=score&q=${encodeURIComponent(company)}`);
      expect(response.status).toBe(200);
      return ((await response.json()) as { items: { id: string }[] }).items.map((item) => item.id);
    };
    // Both scored from their forms: the manager's fit above the intern's, by more than a band.
    expect(await eventually(async () => ((await sorted()).length === 2 ? sorted() : undefined))).toEqual([manager, intern]);

    const promoted = await admin('POST', '/v1/admin/crm/updates', { updates: [{ updateId: `promote-${randomUUID()}`, occurredAt: now(), leadId: intern, contact: { role: 'VP Marketing' } }] });
    expect(promoted.status).toBe(200);

    // No score write follows a contact change: only the band refile-score-bands files puts the new VP first.
    expect(await eventually(async () => ((await sorted())[0] === intern ? sorted() : undefined))).toEqual([intern, manager]);
  });

  it('refuses bad input with a 400 naming the field', async () => {
    const response = await post('/v1/forms/contact/submissions', { email: 'not-an-email' });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ issues: [{ field: 'email' }] });
  });

  it('moves a poison message to the DLQ without holding up the rest of its batch', async () => {
    const sqs = new SQSClient({ endpoint: stack.endpoints.sqs, useQueueUrlAsEndpoint: false });
    const queue = stack.queues['score-lead'];
    if (!queue) throw new Error('score-lead queue missing');
    const dlqDepth = async () => {
      const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queue.dlqUrl, AttributeNames: ['ApproximateNumberOfMessages'] }));
      return Number(Attributes?.ApproximateNumberOfMessages);
    };
    // The stack is shared with other files: count from what the DLQ held before.
    const depthBefore = await dlqDepth();
    const email = `batch-${randomUUID()}@example.com`;
    const submitted = await post('/v1/forms/contact/submissions', { email });
    const { leadId } = (await submitted.json()) as { leadId: string };
    const eventIds = Array.from({ length: 3 }, () => `evt-${randomUUID()}`);
    await post('/v1/events', { events: eventIds.map((id) => ({ id, type: 'content_download', occurredAt: now(), email, properties: { contentId: 'guide' } })) });

    // Redeliver the same three (already scored) plus one poison message in one batch: as one message
    // naming all three, and as one message each in the first version's shape, still queued during an upgrade.
    const envelope = (detail: Record<string, unknown>) =>
      JSON.stringify({ version: '0', id: randomUUID(), 'detail-type': 'engagement.recorded', source: 'leadflow', account: '0', time: now(), region: 'us-east-1', resources: [], detail });
    const storedIds = eventIds.map((eventId) => scopedEventId({ email }, eventId));
    await sqs.send(new SendMessageBatchCommand({
      QueueUrl: queue.url,
      Entries: [
        { Id: 'together', MessageBody: envelope({ version: 2, correlationId: 'test', eventIds: storedIds, leadId }) },
        ...storedIds.map((eventId, index) => ({ Id: `first-version${index}`, MessageBody: envelope({ version: 1, correlationId: 'test', eventId, leadId }) })),
        { Id: 'poison', MessageBody: '{"detail-type":"engagement.recorded","detail":{"eventId":42}}' },
      ],
    }));

    await eventually(async () => ((await dlqDepth()) === depthBefore + 1 ? true : undefined), 30_000);
    const lead = await getLead(leadId);
    expect(lead.score?.breakdown['content-download']?.times).toBe(3);
  });

  it('serves the OpenAPI document generated from the schemas, linked from the root the banner prints', async () => {
    const root = await fetch(stack.apiUrl);
    expect(root.status).toBe(200);
    const index = (await root.json()) as { name: string; openapi: string };
    expect(index).toEqual({ name: 'leadflow', openapi: '/v1/openapi.json' });
    const response = await fetch(new URL(index.openapi, stack.apiUrl));
    const document = (await response.json()) as { paths: Record<string, unknown> };
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/', '/v1/forms/{formId}/submissions', '/v1/events', '/v1/admin/leads/{leadId}']));
  });
});

describe('the local HTTP API behaves as API Gateway does', () => {
  it('refuses admin routes without the token (403) and answers unknown routes with 404', async () => {
    expect((await fetch(`${stack.apiUrl}/v1/admin/leads/${randomUUID()}`)).status).toBe(403);
    expect((await fetch(`${stack.apiUrl}/v1/admin/leads/${randomUUID()}`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(403);
    expect((await fetch(`${stack.apiUrl}/v1/nowhere`)).status).toBe(404);
  });

  it('stores a form sent in windows-1252 as the names it spells, raw bytes or percent-escaped', async () => {
    const posted = async (body: Buffer) => {
      const response = await fetch(`${stack.apiUrl}/v1/forms/contact/submissions`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=windows-1252' },
        body,
      });
      expect(response.status).toBe(202);
      const { leadId } = (await response.json()) as { leadId: string };
      const lead: unknown = await (await fetch(`${stack.apiUrl}/v1/admin/leads/${leadId}`, { headers: { authorization: `Bearer ${stack.devToken}` } })).json();
      return lead;
    };
    // ë, Å and ö are one byte each in windows-1252 (0xEB, 0xC5, 0xF6), and not UTF-8.
    expect(await posted(Buffer.from(`email=zoe-${randomUUID()}%40example.se&firstName=Zo\xeb&lastName=\xc5ngstr\xf6m`, 'latin1'))).toMatchObject({ firstName: 'Zoë', lastName: 'Ångström' });
    expect(await posted(Buffer.from(`email=zoe-${randomUUID()}%40example.se&firstName=Zo%EB&lastName=%C5ngstr%F6m`))).toMatchObject({ firstName: 'Zoë', lastName: 'Ångström' });
  });

  it('answers CORS preflight for public routes', async () => {
    const response = await fetch(`${stack.apiUrl}/v1/events`, {
      method: 'OPTIONS',
      headers: { origin: 'https://www.example.com', 'access-control-request-method': 'POST' },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-headers')).toContain('idempotency-key');
  });

  it('throttles a route past its burst with 429', async () => {
    // The route admits its burst (100) and then 50 a second. Each wave is three times the burst of
    // requests the function refuses at once (a body that is not JSON: a small 400), so that they reach
    // the API faster than the refill even on a busy machine; a machine too busy for even that gets
    // another wave, until the deadline. The route's 429 carries no Retry-After: the per-client limit's
    // does (the shared stack raises that one to 1,000 a second, so further waves may meet it too).
    const wave = () =>
      Promise.all(
        Array.from({ length: 300 }, () =>
          fetch(`${stack.apiUrl}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' }).then((response) => ({
            status: response.status,
            byRoute: response.status === 429 && !response.headers.has('retry-after'),
          })),
        ),
      );
    const first = await wave();
    expect(first.filter((answer) => answer.status === 400).length).toBeGreaterThanOrEqual(100);
    expect(first.every((answer) => answer.status === 400 || answer.status === 429)).toBe(true);
    let throttled = first.some((answer) => answer.byRoute);
    for (const until = Date.now() + 30_000; !throttled && Date.now() < until; ) throttled = (await wave()).some((answer) => answer.byRoute);
    expect(throttled).toBe(true);
  });
});

import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { context, httpEvent, setHandlerEnvironment } from './fixtures';
import { answerLeadReadsFromGets } from './lead-reads';

setHandlerEnvironment();
process.env.MAX_BODY_BYTES = String(256 * 1024);
const dynamo = mockClient(DynamoDBDocumentClient);
const eventBridge = mockClient(EventBridgeClient);
let templatesHandler: (typeof import('../../functions/manage-templates/handler'))['handler'];
let campaignsHandler: (typeof import('../../functions/manage-campaigns/handler'))['handler'];

beforeAll(async () => {
  ({ handler: templatesHandler } = await import('../../functions/manage-templates/handler'));
  ({ handler: campaignsHandler } = await import('../../functions/manage-campaigns/handler'));
});

type Item = Record<string, unknown>;
type Values = Record<string, unknown>;
let table: Map<string, Item>;
const keyOf = (key: { pk?: unknown; sk?: unknown }) => `${String(key.pk)}|${String(key.sk)}`;

/** Just enough of DynamoDB's conditions and SET updates for the template and campaign stores. */
function conditionHolds(existing: Item | undefined, condition: string | undefined, values: Values = {}): boolean {
  if (!condition) return true;
  if (condition === 'attribute_not_exists(pk)') return existing === undefined;
  const equals = /^(\w+) = (:\w+)$/.exec(condition);
  if (equals) return existing !== undefined && existing[equals[1] ?? ''] === values[equals[2] ?? ''];
  throw new Error(`fake table: unsupported condition ${condition}`);
}
function applySet(existing: Item, expression: string, names: Record<string, string> = {}, values: Values = {}): Item {
  const updated = { ...existing };
  for (const assignment of expression.replace(/^SET /, '').split(', ')) {
    const [name = '', value = ''] = assignment.split(' = ');
    updated[names[name] ?? name] = values[value];
  }
  return updated;
}
const cancelled = (reasons: boolean[]) =>
  new TransactionCanceledException({ message: 'Transaction cancelled', $metadata: {}, CancellationReasons: reasons.map((failed) => ({ Code: failed ? 'ConditionalCheckFailed' : 'None' })) });

/** Head reads wait here while a test lines up concurrent requests. */
let headReadGate: Promise<void> | undefined;

beforeEach(() => {
  dynamo.reset();
  eventBridge.reset();
  eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'event-1' }] });
  headReadGate = undefined;
  table = new Map([['LEAD#7d3c8f0e-1b2a-4c5d-8e9f-0a1b2c3d4e5f|PROFILE', { pk: 'LEAD#7d3c8f0e-1b2a-4c5d-8e9f-0a1b2c3d4e5f', sk: 'PROFILE', id: '7d3c8f0e-1b2a-4c5d-8e9f-0a1b2c3d4e5f', email: 'ana@example.com', firstName: '<b>Ana</b> & co', company: 'Acme', subscriptions: {}, version: 1 }]]);
  dynamo.on(GetCommand).callsFake(async (input: { Key: { pk: string; sk: string } }) => {
    if (input.Key.sk === 'TEMPLATE' && headReadGate) await headReadGate;
    return { Item: table.get(keyOf(input.Key)) };
  });
  dynamo.on(PutCommand).callsFake((input: { Item: Item; ConditionExpression?: string }) => {
    if (!conditionHolds(table.get(keyOf(input.Item)), input.ConditionExpression)) throw Object.assign(new Error('exists'), { name: 'ConditionalCheckFailedException' });
    table.set(keyOf(input.Item), input.Item);
    return {};
  });
  dynamo.on(UpdateCommand).callsFake((input: { Key: Item; UpdateExpression: string; ConditionExpression?: string; ExpressionAttributeNames?: Record<string, string>; ExpressionAttributeValues?: Values }) => {
    const existing = table.get(keyOf(input.Key));
    if (!conditionHolds(existing, input.ConditionExpression, input.ExpressionAttributeValues)) throw Object.assign(new Error('changed'), { name: 'ConditionalCheckFailedException' });
    table.set(keyOf(input.Key), applySet(existing ?? { ...input.Key }, input.UpdateExpression, input.ExpressionAttributeNames, input.ExpressionAttributeValues));
    return {};
  });
  dynamo.on(TransactWriteCommand).callsFake((input: { TransactItems: { Put?: { Item: Item; ConditionExpression?: string }; Update?: { Key: Item; UpdateExpression: string; ConditionExpression?: string; ExpressionAttributeNames?: Record<string, string>; ExpressionAttributeValues?: Values } }[] }) => {
    const failed = input.TransactItems.map((item) =>
      item.Put ? !conditionHolds(table.get(keyOf(item.Put.Item)), item.Put.ConditionExpression) : !conditionHolds(table.get(keyOf(item.Update?.Key ?? {})), item.Update?.ConditionExpression, item.Update?.ExpressionAttributeValues),
    );
    if (failed.some(Boolean)) throw cancelled(failed);
    for (const item of input.TransactItems) {
      if (item.Put) table.set(keyOf(item.Put.Item), item.Put.Item);
      if (item.Update) table.set(keyOf(item.Update.Key), applySet(table.get(keyOf(item.Update.Key)) ?? {}, item.Update.UpdateExpression, item.Update.ExpressionAttributeNames, item.Update.ExpressionAttributeValues));
    }
    return {};
  });
  dynamo.on(BatchGetCommand).callsFake((input: { RequestItems: Record<string, { Keys: Item[] }> }) => ({
    Responses: Object.fromEntries(Object.entries(input.RequestItems).map(([name, request]) => [name, request.Keys.flatMap((key) => table.get(keyOf(key)) ?? [])])),
  }));
  dynamo.on(QueryCommand).callsFake((input: { IndexName?: string; ScanIndexForward?: boolean; ExpressionAttributeValues: Values }) => {
    const items = [...table.values()];
    if (input.IndexName === 'gsi1') {
      const listed = items.filter((item) => item.gsi1pk === input.ExpressionAttributeValues[':partition']).sort((a, b) => String(a.gsi1sk).localeCompare(String(b.gsi1sk)));
      return { Items: input.ScanIndexForward === false ? listed.reverse() : listed };
    }
    const prefix = String(input.ExpressionAttributeValues[':versions']);
    return { Items: items.filter((item) => item.pk === input.ExpressionAttributeValues[':pk'] && String(item.sk).startsWith(prefix)).sort((a, b) => String(a.sk).localeCompare(String(b.sk))) };
  });
  answerLeadReadsFromGets(dynamo);
});

type Response = { status: number; body: Record<string, unknown> & { issues?: { field: string; message: string }[] } };
async function call(handler: typeof templatesHandler, method: string, route: string, path: string, pathParameters: Record<string, string>, body?: unknown): Promise<Response> {
  const result = (await handler(
    httpEvent({ method, route, path, pathParameters, ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }) }),
    context,
  )) as APIGatewayProxyStructuredResultV2;
  return { status: result.statusCode ?? 0, body: JSON.parse(result.body ?? '{}') };
}
const templates = {
  create: (body: unknown) => call(templatesHandler, 'POST', '/v1/admin/templates', '/v1/admin/templates', {}, body),
  list: () => call(templatesHandler, 'GET', '/v1/admin/templates', '/v1/admin/templates', {}),
  get: (templateId: string) => call(templatesHandler, 'GET', '/v1/admin/templates/{templateId}', `/v1/admin/templates/${templateId}`, { templateId }),
  put: (templateId: string, body: unknown) => call(templatesHandler, 'PUT', '/v1/admin/templates/{templateId}', `/v1/admin/templates/${templateId}`, { templateId }, body),
  version: (templateId: string, version: string) =>
    call(templatesHandler, 'GET', '/v1/admin/templates/{templateId}/versions/{version}', `/v1/admin/templates/${templateId}/versions/${version}`, { templateId, version }),
  preview: (templateId: string, body: unknown) => call(templatesHandler, 'POST', '/v1/admin/templates/{templateId}/preview', `/v1/admin/templates/${templateId}/preview`, { templateId }, body),
  test: (templateId: string, body: unknown) => call(templatesHandler, 'POST', '/v1/admin/templates/{templateId}/test', `/v1/admin/templates/${templateId}/test`, { templateId }, body),
};
/** The details of the events put on the bus, with their detail types. */
const published = () =>
  eventBridge.commandCalls(PutEventsCommand).flatMap((call) => (call.args[0].input.Entries ?? []).map((entry) => ({ detailType: entry.DetailType, detail: JSON.parse(entry.Detail ?? '{}') as Record<string, unknown> })));
const welcome = { name: 'Welcome', subject: 'Welcome, {{ lead.firstName | "friend" }}', html: '<p>Hello {{ lead.firstName | "there" }} from {{ lead.company | "your team" }}</p>' };
const LEAD_ID = '7d3c8f0e-1b2a-4c5d-8e9f-0a1b2c3d4e5f';
const MISSING_ID = '0b0c0f5e-8e1c-4a4e-9e5b-1d2c3b4a5f6e';
const created = async (body: unknown = welcome) => {
  const response = await templates.create(body);
  expect(response.status).toBe(201);
  return String(response.body.templateId);
};

describe('manage-templates', () => {
  it('numbers versions, keeps every version as it was, and lists templates most recently changed first', async () => {
    const first = await templates.create(welcome);
    expect(first).toMatchObject({ status: 201, body: { name: 'Welcome', version: 1, latestVersion: 1, subject: welcome.subject, html: welcome.html } });
    const templateId = String(first.body.templateId);
    expect(templateId).toMatch(/^[0-9a-f-]{36}$/);

    const second = await templates.put(templateId, { ...welcome, html: '<p>Hi {{ lead.firstName | "there" }}</p>', text: 'Hi {{ lead.firstName | "there" }}' });
    expect(second).toMatchObject({ status: 200, body: { templateId, version: 2, created: true } });
    const third = await templates.put(templateId, { ...welcome, name: 'Welcome v3', subject: 'Hello' });
    expect(third.body).toMatchObject({ version: 3, created: true, name: 'Welcome v3' });

    const detail = await templates.get(templateId);
    expect(detail).toMatchObject({ status: 200, body: { templateId, name: 'Welcome v3', latestVersion: 3, version: 3, subject: 'Hello', html: welcome.html } });
    expect((detail.body.versions as { version: number; createdAt: string }[]).map((version) => version.version)).toEqual([1, 2, 3]);
    expect((await templates.version(templateId, '1')).body).toMatchObject({ version: 1, subject: welcome.subject, html: welcome.html });
    expect((await templates.version(templateId, '2')).body).toMatchObject({ version: 2, text: 'Hi {{ lead.firstName | "there" }}' });

    await new Promise((resolve) => setTimeout(resolve, 5));
    const other = await created({ ...welcome, name: 'Newsletter' });
    const listing = (await templates.list()).body.items as { templateId: string; name: string; latestVersion: number }[];
    expect(listing.map((template) => [template.name, template.latestVersion])).toEqual([['Newsletter', 1], ['Welcome v3', 3]]);
    expect(listing[0]?.templateId).toBe(other);
  });

  it('makes no new version for content identical to the latest, and says so', async () => {
    const templateId = await created();
    const writesBefore = dynamo.commandCalls(TransactWriteCommand).length;
    const same = await templates.put(templateId, { ...welcome, subject: `  ${welcome.subject} ` });
    expect(same).toMatchObject({ status: 200, body: { version: 1, created: false } });
    expect(String(same.body.message)).toMatch(/same as version 1: no new version/);
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(writesBefore);
    expect((await templates.get(templateId)).body.versions).toHaveLength(1);
  });

  it('lets only one of two concurrent edits become version 2; the other gets 409 and writes nothing', async () => {
    const templateId = await created();
    const headReads = () => dynamo.commandCalls(GetCommand).filter((call) => call.args[0].input.Key?.sk === 'TEMPLATE').length;
    const readsBefore = headReads();
    let release: () => void = () => {};
    headReadGate = new Promise((resolve) => (release = resolve));
    const edits = [templates.put(templateId, { ...welcome, subject: 'Edit A' }), templates.put(templateId, { ...welcome, subject: 'Edit B' })];
    // Both edits have read the head (version 1) before either writes.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(headReads() - readsBefore).toBe(2);
    release();
    const responses = await Promise.all(edits);
    headReadGate = undefined;
    expect(responses.map((response) => response.status).sort()).toEqual([200, 409]);
    expect(String(responses.find((response) => response.status === 409)?.body.message)).toMatch(/new version while this one was saved/);
    const detail = await templates.get(templateId);
    expect(detail.body).toMatchObject({ latestVersion: 2, subject: responses.find((response) => response.status === 200) === responses[0] ? 'Edit A' : 'Edit B' });
    expect(detail.body.versions).toHaveLength(2);
  });

  it('previews for a lead with its HTML-ish name escaped, or with the fallbacks, ending with the subscriber footer', async () => {
    const templateId = await created();
    const forLead = await templates.preview(templateId, { leadId: LEAD_ID });
    expect(forLead.status).toBe(200);
    const rendered = forLead.body.rendered as { subject: string; html: string; text: string };
    expect(rendered.html).toContain('<p>Hello &lt;b&gt;Ana&lt;/b&gt; &amp; co from Acme</p>');
    expect(rendered.html).not.toContain('<b>Ana');
    expect(rendered.subject).toBe('Welcome, <b>Ana</b> & co');
    expect(rendered.html).toContain('href="https://preview.invalid/link-added-at-send-time"');
    expect(rendered.text).toMatch(/Unsubscribe: https:\/\/preview\.invalid\//);

    await templates.put(templateId, { ...welcome, subject: 'Version 2' });
    const withFallbacks = await templates.preview(templateId, { version: 1, subscription: 'events' });
    expect(withFallbacks.body).toMatchObject({ version: 1, rendered: { subject: 'Welcome, friend' } });
    expect((withFallbacks.body.rendered as { html: string }).html).toContain('Hello there from your team');
    expect((withFallbacks.body.rendered as { text: string }).text).toMatch(/subscribed to .*Events/i);
    expect((await templates.preview(templateId, {})).body).toMatchObject({ version: 2, rendered: { subject: 'Version 2' } });
  });

  it('previews unsaved edits for a lead, checked as a save is, without storing a version', async () => {
    const templateId = await created();
    const draft = await templates.preview(templateId, { leadId: LEAD_ID, draft: { subject: 'Draft for {{ lead.company }}', html: '<p>New copy for {{ lead.company | "you" }}</p>' } });
    expect(draft.status).toBe(200);
    expect(draft.body).toMatchObject({ templateId, draft: true, leadId: LEAD_ID, rendered: { subject: 'Draft for Acme' } });
    expect(draft.body).not.toHaveProperty('version');
    expect((draft.body.rendered as { html: string }).html).toContain('<p>New copy for Acme</p>');
    expect((await templates.get(templateId)).body.versions).toHaveLength(1);

    const unknownField = await templates.preview(templateId, { draft: { subject: 'Hi', html: '<p>{{ lead.frist_name }}</p>' } });
    expect(unknownField.status).toBe(400);
    expect(unknownField.body.issues?.[0]?.field).toBe('draft.html');
    const both = await templates.preview(templateId, { version: 1, draft: { subject: 'Hi', html: '<p>Hi</p>' } });
    expect(both.status).toBe(400);
    expect(both.body.issues?.[0]?.field).toBe('version');
    expect((await templates.preview(MISSING_ID, { draft: { subject: 'Hi', html: '<p>Hi</p>' } })).status).toBe(404);
  });

  it('queues a test send of the latest version (or the one named) to up to 5 addresses for send-campaign; refuses bad input with 400 and unknown ids with 404, queueing nothing', async () => {
    const templateId = await created();
    await templates.put(templateId, { ...welcome, subject: 'Version 2' });
    const queued = await templates.test(templateId, { to: ['Me@Example.com'], leadId: LEAD_ID, subscription: 'events' });
    expect(queued).toEqual({ status: 202, body: { templateId, version: 2, to: ['me@example.com'] } });
    expect(published()).toEqual([
      { detailType: 'template.test-requested', detail: expect.objectContaining({ templateId, templateVersion: 2, subscription: 'events', to: ['me@example.com'], leadId: LEAD_ID }) },
    ]);
    expect((await templates.test(templateId, { to: ['me@example.com'], version: 1 })).body).toMatchObject({ version: 1 });
    expect(published()[1]?.detail).toMatchObject({ templateVersion: 1, subscription: 'newsletter' });

    eventBridge.resetHistory();
    const six = await templates.test(templateId, { to: ['a@example.com', 'b@example.com', 'c@example.com', 'd@example.com', 'e@example.com', 'f@example.com'] });
    expect(six.status).toBe(400);
    expect(six.body.issues).toEqual([{ field: 'to', message: 'must name at most 5 addresses' }]);
    expect((await templates.test(templateId, { to: ['not an address'] })).body.issues?.[0]?.field).toBe('to[0]');
    expect((await templates.test(templateId, {})).body.issues?.[0]?.field).toBe('to');
    expect((await templates.test(templateId, { to: ['me@example.com'], subscription: 'gossip' })).body.issues?.[0]?.field).toBe('subscription');
    expect((await templates.test(MISSING_ID, { to: ['me@example.com'] })).status).toBe(404);
    expect((await templates.test(templateId, { to: ['me@example.com'], version: 9 })).status).toBe(404);
    expect((await templates.test(templateId, { to: ['me@example.com'], leadId: MISSING_ID })).status).toBe(404);
    expect(published()).toEqual([]);
  });

  it('refuses a template naming an unknown field with 400 naming the part, and stores nothing', async () => {
    const response = await templates.create({ ...welcome, subject: 'Hi {{ lead.frist_name }}', html: '<p>{{ lead.company | \'us\' }}</p>' });
    expect(response.status).toBe(400);
    expect(response.body.issues?.map((issue) => issue.field)).toEqual(['subject', 'html']);
    expect(response.body.issues?.[0]?.message).toMatch(/^unknown field lead\.frist_name in subject; known: lead\.firstName, /);
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(0);

    const templateId = await created();
    const edit = await templates.put(templateId, { ...welcome, text: 'Hi {{ lead.firstName' });
    expect(edit.status).toBe(400);
    expect(edit.body.issues).toEqual([{ field: 'text', message: 'unclosed {{ in text at character 4' }]);
    expect((await templates.get(templateId)).body.versions).toHaveLength(1);
    expect((await templates.create({ subject: 's', html: 'h' })).body.issues).toEqual([expect.objectContaining({ field: 'name' })]);
  });

  it('refuses a placeholder where lead data could add attributes, markup or a link target, with 400 naming html and why', async () => {
    const response = await templates.create({ ...welcome, html: '<p>Hi</p><a href="{{ lead.company }}">Your page</a>' });
    expect(response.status).toBe(400);
    expect(response.body.issues).toEqual([{ field: 'html', message: expect.stringMatching(/^\{\{ lead\.company \}\} in html is in the href of <a> before a fixed scheme and host, .*href="https:\/\/example\.com\/\?ref=\{\{ lead\.company \}\}"/) }]);
    const handler = await templates.create({ ...welcome, html: '<p onclick="hi(\'{{ lead.firstName }}\')">Hi</p>' });
    expect(handler.body.issues).toEqual([{ field: 'html', message: expect.stringContaining('an event handler') }]);
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(0);
    expect((await templates.create({ ...welcome, html: '<a href="https://example.com/?ref={{ lead.company }}" title="{{ lead.firstName }}">Hi</a>' })).status).toBe(201);
  });

  it('answers 404 for an unknown template, version or lead', async () => {
    const templateId = await created();
    expect((await templates.get(MISSING_ID)).status).toBe(404);
    expect((await templates.put(MISSING_ID, welcome)).status).toBe(404);
    expect((await templates.preview(MISSING_ID, {})).status).toBe(404);
    expect((await templates.version(templateId, '2')).status).toBe(404);
    expect((await templates.preview(templateId, { version: 7 })).status).toBe(404);
    const noLead = await templates.preview(templateId, { leadId: MISSING_ID });
    expect(noLead.status).toBe(404);
    expect(String(noLead.body.message)).toContain(MISSING_ID);
  });

  it('answers 400 naming the parameter for a malformed template id, version or lead id', async () => {
    const templateId = await created();
    expect((await templates.get('not-a-uuid')).body.issues).toEqual([{ field: 'templateId', message: 'must be a template id (UUID)' }]);
    expect((await templates.put('not-a-uuid', welcome)).status).toBe(400);
    for (const version of ['x', '0', '1.5']) {
      const response = await templates.version(templateId, version);
      expect(response.status, version).toBe(400);
      expect(response.body.issues?.[0]?.field).toBe('version');
    }
    expect((await templates.preview(templateId, { leadId: 'nope' })).body.issues).toEqual([{ field: 'leadId', message: 'must be a lead id (UUID)' }]);
    expect((await templates.preview(templateId, { version: 'latest' })).body.issues?.[0]?.field).toBe('version');
  });
});

describe('campaigns from a stored template', () => {
  const createCampaign = (template: unknown) =>
    call(campaignsHandler, 'POST', '/v1/admin/campaigns', '/v1/admin/campaigns', {}, { name: 'Welcome series', subscription: 'newsletter', template });
  const readCampaign = (campaignId: string) => call(campaignsHandler, 'GET', '/v1/admin/campaigns/{campaignId}', `/v1/admin/campaigns/${campaignId}`, { campaignId });

  it('copies the named version (or the latest) into the campaign, which keeps it after the template changes', async () => {
    const templateId = await created();
    await templates.put(templateId, { ...welcome, subject: 'Version 2 subject' });
    const fromVersion1 = await createCampaign({ templateId, version: 1 });
    expect(fromVersion1).toMatchObject({ status: 201, body: { template: { subject: welcome.subject, html: welcome.html }, templateRef: { templateId, version: 1 } } });
    const fromLatest = await createCampaign({ templateId });
    expect(fromLatest.body).toMatchObject({ template: { subject: 'Version 2 subject' }, templateRef: { templateId, version: 2 } });

    await templates.put(templateId, { ...welcome, subject: 'Version 3 subject', html: '<p>Changed</p>' });
    expect((await readCampaign(String(fromVersion1.body.id))).body).toMatchObject({ template: { subject: welcome.subject, html: welcome.html }, templateRef: { version: 1 } });
    expect((await readCampaign(String(fromLatest.body.id))).body).toMatchObject({ template: { subject: 'Version 2 subject', html: welcome.html }, templateRef: { version: 2 } });
  });

  it('refuses an unknown template or version naming template.templateId / template.version, and an inline template naming an unknown field or with an unsafe placeholder', async () => {
    const templateId = await created();
    const unknownTemplate = await createCampaign({ templateId: MISSING_ID });
    expect(unknownTemplate.status).toBe(400);
    expect(unknownTemplate.body.issues).toEqual([{ field: 'template.templateId', message: `no template ${MISSING_ID}` }]);
    const unknownVersion = await createCampaign({ templateId, version: 4 });
    expect(unknownVersion.status).toBe(400);
    expect(unknownVersion.body.issues?.[0]).toMatchObject({ field: 'template.version', message: expect.stringContaining('versions 1 to 1, not 4') });
    const inline = await createCampaign({ subject: 'Hi', html: '<p>{{ lead.frist_name }}</p>' });
    expect(inline.status).toBe(400);
    expect(inline.body.issues?.map((issue) => issue.field)).toEqual(['template.html']);
    const unquoted = await createCampaign({ subject: 'Hi', html: '<a title={{ lead.firstName }}>Hi</a>' });
    expect(unquoted.status).toBe(400);
    expect(unquoted.body.issues).toEqual([{ field: 'template.html', message: expect.stringContaining('put the value in double quotes') }]);
    expect(dynamo.commandCalls(PutCommand)).toHaveLength(0);
  });
});

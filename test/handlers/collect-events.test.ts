import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { context, httpEvent, setHandlerEnvironment } from './fixtures';
import { TableFake } from './table-fake';
import { itemRecords } from '../../src/adapters/lead-items';

setHandlerEnvironment();
const dynamo = mockClient(DynamoDBDocumentClient);
const bus = mockClient(EventBridgeClient);
let table: TableFake;
let collect: (typeof import('../../functions/collect-events/handler'))['handler'];
let manage: (typeof import('../../functions/manage-sources/handler'))['handler'];

beforeAll(async () => {
  ({ handler: collect } = await import('../../functions/collect-events/handler'));
  ({ handler: manage } = await import('../../functions/manage-sources/handler'));
});

beforeEach(() => {
  dynamo.reset();
  bus.reset();
  table = new TableFake();
  table.attach(dynamo);
  bus.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });
});

const SITE = 'https://www.example.com';
type SourceAnswer = { id: string; writeKey?: string; keys: { writeKey: string; valid: boolean; validUntil?: string; revokedAt?: string }[]; issues?: { field: string }[] };

const admin = async (method: string, path: string, route: string, body?: unknown, sourceId?: string) => {
  const response = await manage(
    httpEvent({ method, path, route, ...(sourceId ? { pathParameters: { sourceId } } : {}), headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) }),
    context,
  );
  return { status: response.statusCode, body: JSON.parse(response.body ?? '{}') as SourceAnswer };
};
const addSource = async (origins = [SITE]) => (await admin('POST', '/v1/admin/sources', '/v1/admin/sources', { name: 'Marketing site', origins })).body;

const basic = (writeKey: string) => `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;
/** A request as analytics.js sends it: JSON as text/plain, the write key as Basic auth (and in the body). */
const send = async (path: string, body: Record<string, unknown>, options: { writeKey?: string; origin?: string; auth?: 'basic' | 'body' } = {}) => {
  const headers: Record<string, string> = { 'content-type': 'text/plain' };
  if (options.origin !== undefined) headers.origin = options.origin;
  if (options.writeKey && options.auth !== 'body') headers.authorization = basic(options.writeKey);
  const call = path.slice('/v1/'.length);
  const response = await collect(httpEvent({ path, route: '/v1/{call}', pathParameters: { call }, headers, body: JSON.stringify(options.auth === 'body' ? { ...body, writeKey: options.writeKey } : body) }), context);
  return { status: response.statusCode, headers: response.headers ?? {}, body: JSON.parse(response.body ?? '{}') as { accepted?: number; duplicates?: number; issues?: { field: string; message: string }[] } };
};

const now = () => new Date().toISOString();
let sequence = 0;
const messageId = () => `ajs-next-${Date.now()}-${(sequence += 1)}`;
const pageCall = (anonymousId: string, url: string, id = messageId()) => ({ type: 'page', messageId: id, anonymousId, timestamp: now(), sentAt: now(), properties: { url, path: new URL(url).pathname, title: 'Pricing' }, context: { page: { url } } });
const trackCall = (anonymousId: string, event: string, properties: Record<string, unknown> = {}) => ({ type: 'track', messageId: messageId(), anonymousId, event, timestamp: now(), properties });

/** Every stored event, each once with the partition it is in: a request's events of one visitor or lead share an item. */
const events = () =>
  [...table.items.values()]
    .filter((item) => String(item.sk).startsWith('EVENT#'))
    .flatMap((item) => itemRecords(item).map((event): Record<string, unknown> => ({ ...event, pk: item.pk })));
const snapshot = () => JSON.stringify([...table.items.entries()].sort());
const published = () => bus.commandCalls(PutEventsCommand).flatMap((call) => (call.args[0].input.Entries ?? []).map((entry) => ({ detailType: entry.DetailType, detail: JSON.parse(entry.Detail ?? '{}') })));

describe('collect-events: write keys', () => {
  it('takes a page call as analytics.js sends it (text/plain, Basic auth) and stores a page_view in the visitor history', async () => {
    const source = await addSource();
    const answer = await send('/v1/p', pageCall('0b7c7f9e-8f1a-4d7e-9d4c-2f0c8b1a7e11', 'https://www.example.com/pricing'), { writeKey: source.writeKey, origin: SITE });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ success: true, accepted: 1 });
    expect(answer.headers['access-control-allow-origin']).toBe(SITE);
    expect(events()).toEqual([expect.objectContaining({ pk: 'ANON#0b7c7f9e-8f1a-4d7e-9d4c-2f0c8b1a7e11', type: 'page_view', properties: expect.objectContaining({ url: 'https://www.example.com/pricing', path: '/pricing' }) })]);
  });

  it('takes the write key from the body, as leadflow.js sends it with sendBeacon', async () => {
    const source = await addSource();
    const answer = await send('/v1/batch', { batch: [pageCall('visitor-0001', 'https://www.example.com/demo')], sentAt: now() }, { writeKey: source.writeKey, origin: SITE, auth: 'body' });
    expect(answer.status).toBe(200);
    expect(events()).toHaveLength(1);
  });

  it('refuses an unknown key, no key and a revoked key with 401 and stores nothing', async () => {
    const source = await addSource();
    const before = snapshot();
    for (const writeKey of ['wk_unknownunknownunknownunknown00', undefined]) {
      const answer = await send('/v1/t', trackCall('visitor-0001', 'Webinar Registered'), { ...(writeKey ? { writeKey } : {}), origin: SITE });
      expect(answer.status).toBe(401);
      expect(answer.headers['access-control-allow-origin']).toBe(SITE);
    }
    expect(snapshot()).toBe(before);
    await admin('POST', `/v1/admin/sources/${source.id}/revocations`, '/v1/admin/sources/{sourceId}/revocations', {}, source.id);
    const revoked = snapshot();
    expect((await send('/v1/t', trackCall('visitor-0001', 'Webinar Registered'), { writeKey: source.writeKey, origin: SITE })).status).toBe(401);
    expect(snapshot()).toBe(revoked);
  });

  it('refuses a page outside the source\'s origins with 403 naming origin, and stores nothing', async () => {
    const source = await addSource();
    const before = snapshot();
    const answer = await send('/v1/p', pageCall('visitor-0001', 'https://evil.example.net/pricing'), { writeKey: source.writeKey, origin: 'https://evil.example.net' });
    expect(answer.status).toBe(403);
    expect(answer.body.issues).toEqual([{ field: 'origin', message: expect.any(String) }]);
    expect(snapshot()).toBe(before);
  });

  it('keeps a rotated-out key working for its grace period, and ends it at once with 0 hours', async () => {
    const source = await addSource();
    const old = source.writeKey ?? '';
    const rotated = await admin('POST', `/v1/admin/sources/${source.id}/keys`, '/v1/admin/sources/{sourceId}/keys', {}, source.id);
    expect(rotated.status).toBe(200);
    expect(rotated.body.writeKey).not.toBe(old);
    expect(rotated.body.keys.find((key) => key.writeKey === old)).toMatchObject({ valid: true, validUntil: expect.any(String) });
    expect((await send('/v1/p', pageCall('visitor-0001', 'https://www.example.com/a'), { writeKey: old, origin: SITE })).status).toBe(200);
    expect((await send('/v1/p', pageCall('visitor-0001', 'https://www.example.com/b'), { writeKey: rotated.body.writeKey ?? '', origin: SITE })).status).toBe(200);
    const again = await admin('POST', `/v1/admin/sources/${source.id}/keys`, '/v1/admin/sources/{sourceId}/keys', { graceHours: 0 }, source.id);
    for (const writeKey of [old, rotated.body.writeKey ?? '']) expect((await send('/v1/p', pageCall('visitor-0001', 'https://www.example.com/c'), { writeKey, origin: SITE })).status).toBe(401);
    expect((await send('/v1/p', pageCall('visitor-0001', 'https://www.example.com/d'), { writeKey: again.body.writeKey ?? '', origin: SITE })).status).toBe(200);
  });

  it("answers a preflight from a customer's page itself, allowing the headers analytics.js sends", async () => {
    const response = await collect(httpEvent({ method: 'OPTIONS', path: '/v1/t', headers: { origin: SITE, 'access-control-request-method': 'POST' } }), context);
    expect(response.statusCode).toBe(204);
    expect(response.headers).toMatchObject({ 'access-control-allow-origin': SITE, 'access-control-allow-headers': 'content-type,authorization,x-retry-count' });
    expect(table.items.size).toBe(0);
  });

  it('refuses a path that is no Segment call with 400 naming it, and lets the path set the type', async () => {
    const source = await addSource();
    expect((await send('/v1/launch', pageCall('visitor-0001', 'https://www.example.com/pricing'), { writeKey: source.writeKey })).body.issues?.[0]?.field).toBe('call');
    // A body saying `page` sent to the track path is a track call, as Segment's paths decide.
    const answer = await send('/v1/track', { ...pageCall('visitor-0001', 'https://www.example.com/pricing'), event: 'Plan Selected' }, { writeKey: source.writeKey });
    expect(answer.status).toBe(200);
    expect(events().map((event) => event.type)).toEqual(['plan_selected']);
  });

  it('serves the settings analytics.js loads, pointing the Segment.io integration at this API', async () => {
    const source = await addSource();
    const writeKey = source.writeKey ?? '';
    const response = await collect(httpEvent({ method: 'GET', path: `/v1/projects/${writeKey}/settings`, route: '/v1/projects/{writeKey}/settings', pathParameters: { writeKey }, headers: { host: 'collector.example.org', origin: SITE } }), context);
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body ?? '{}').integrations['Segment.io']).toMatchObject({ apiKey: writeKey, apiHost: 'collector.example.org/v1', protocol: 'https' });
    const unknown = await collect(httpEvent({ method: 'GET', path: '/v1/projects/wk_nope/settings', route: '/v1/projects/{writeKey}/settings', pathParameters: { writeKey: 'wk_nope' } }), context);
    expect(unknown.statusCode).toBe(401);
  });
});

describe('collect-events: calls', () => {
  it('refuses a bad call with 400 naming the field, storing nothing of its batch', async () => {
    const source = await addSource();
    const answer = await send('/v1/batch', { batch: [pageCall('visitor-0001', 'https://www.example.com/pricing'), { type: 'track', anonymousId: 'visitor-0001', event: 'Clicked' }] }, { writeKey: source.writeKey, origin: SITE });
    expect(answer.status).toBe(400);
    expect(answer.body.issues?.[0]?.field).toBe('batch[1].messageId');
    expect(events()).toHaveLength(0);
  });

  it('refuses a body over the size limit with 413 before reading it', async () => {
    const source = await addSource();
    const answer = await send('/v1/t', { ...trackCall('visitor-0001', 'Plan Selected'), properties: { note: 'x'.repeat(Number(process.env.MAX_BODY_BYTES)) } }, { writeKey: source.writeKey });
    expect(answer.status).toBe(413);
    expect(events()).toHaveLength(0);
  });

  it('maps track events to leadflow engagement types the starter ruleset scores', async () => {
    const source = await addSource();
    await send('/v1/batch', { batch: [trackCall('visitor-0001', 'Webinar Registered', { webinarId: 'w1' }), trackCall('visitor-0001', 'File Downloaded', { contentId: 'ebook', nested: { x: 1 } }), trackCall('visitor-0001', 'Plan Selected')] }, { writeKey: source.writeKey, origin: SITE });
    expect(events().map((event) => event.type).sort()).toEqual(['content_download', 'plan_selected', 'webinar_registration']);
    expect(events().find((event) => event.type === 'content_download')?.properties).toEqual({ contentId: 'ebook' });
  });

  it('folds Page Engaged into one time_on_page for its page view once it reaches two minutes, never a second page view', async () => {
    const source = await addSource();
    const page = pageCall('visitor-0001', 'https://www.example.com/pricing');
    const engaged = (seconds: number) => trackCall('visitor-0001', 'Page Engaged', { secondsOnPage: seconds, pageMessageId: page.messageId, url: page.properties.url, path: '/pricing' });
    await send('/v1/batch', { batch: [page, engaged(30)] }, { writeKey: source.writeKey, origin: SITE });
    await send('/v1/batch', { batch: [engaged(150)] }, { writeKey: source.writeKey, origin: SITE });
    const repeat = await send('/v1/batch', { batch: [engaged(400)] }, { writeKey: source.writeKey, origin: SITE });
    expect(repeat.body).toMatchObject({ accepted: 0, duplicates: 1 });
    expect(events().map((event) => [event.type, (event.properties as Record<string, unknown>).secondsOnPage])).toEqual(expect.arrayContaining([['page_view', undefined], ['time_on_page', 120]]));
    expect(events()).toHaveLength(2);
  });

  it('corrects the browser clock by the gap between sentAt and timestamp', async () => {
    const source = await addSource();
    const skewed = (iso: number) => new Date(iso + 3_600_000).toISOString();
    const happened = Date.now() - 10_000;
    await send('/v1/p', { ...pageCall('visitor-0001', 'https://www.example.com/pricing'), timestamp: skewed(happened), sentAt: skewed(Date.now()) }, { writeKey: source.writeKey, origin: SITE });
    const occurredAt = Date.parse(String(events()[0]?.occurredAt));
    expect(Math.abs(occurredAt - happened)).toBeLessThan(5_000);
  });
});

describe('collect-events: identity', () => {
  it('joins anonymous activity to the lead on identify, announcing lead.identified; a second device keeps its own id and history', async () => {
    const source = await addSource();
    await send('/v1/p', pageCall('device-one-0001', 'https://www.example.com/pricing'), { writeKey: source.writeKey, origin: SITE });
    await send('/v1/p', pageCall('device-two-0002', 'https://www.example.com/demo'), { writeKey: source.writeKey, origin: SITE });
    const identify = (anonymousId: string) => ({ type: 'identify', messageId: messageId(), anonymousId, userId: 'u-42', traits: { email: 'Jane@Example.com', firstName: 'Jane' }, timestamp: now() });
    expect((await send('/v1/i', identify('device-one-0001'), { writeKey: source.writeKey, origin: SITE })).status).toBe(200);
    const leadId = table.get({ pk: 'EMAIL#jane@example.com', sk: 'EMAIL' })?.leadId as string;
    expect(leadId).toBeTruthy();
    // The second device: a track call carrying the known userId links it without an identify.
    await send('/v1/t', { ...trackCall('device-two-0002', 'Plan Selected'), userId: 'u-42' }, { writeKey: source.writeKey, origin: SITE });
    const identified = published().filter((event) => event.detailType === 'lead.identified').map((event) => event.detail.anonymousId);
    expect(identified).toEqual(['device-one-0001', 'user:u-42', 'device-two-0002']);
    for (const anonymousId of ['device-one-0001', 'device-two-0002']) expect(table.get({ pk: `ANON#${anonymousId}`, sk: 'LINK' })?.leadId).toBe(leadId);
    // Each device's history waits in its visitor partition for the scorer, which moves it on lead.identified.
    expect(events().map((event) => [event.pk, event.type]).sort()).toEqual([[`ANON#device-one-0001`, 'page_view'], [`ANON#device-two-0002`, 'page_view'], [`ANON#device-two-0002`, 'plan_selected'], [`LEAD#${leadId}`, 'identified']]);
  });

  it('refuses a batch whose event id was used for another event with 409, linking and storing nothing of it', async () => {
    const source = await addSource();
    const page = pageCall('visitor-0009', 'https://www.example.com/pricing');
    await send('/v1/p', page, { writeKey: source.writeKey });
    const before = snapshot();
    const identify = { type: 'identify', messageId: messageId(), anonymousId: 'visitor-0009', traits: { email: 'new@example.com' } };
    const answer = await send('/v1/batch', { batch: [identify, { ...page, properties: { url: 'https://www.example.com/other' } }] }, { writeKey: source.writeKey });
    expect(answer.status).toBe(409);
    expect(snapshot()).toBe(before);
  });

  it('merges on alias as Segment defines it: the previous id joins the lead of the userId', async () => {
    const source = await addSource();
    await send('/v1/i', { type: 'identify', messageId: messageId(), userId: 'u-7', traits: { email: 'sam@example.com' } }, { writeKey: source.writeKey });
    const leadId = table.get({ pk: 'EMAIL#sam@example.com', sk: 'EMAIL' })?.leadId;
    expect((await send('/v1/a', { messageId: messageId(), userId: 'u-7', previousId: 'old-browser-0003' }, { writeKey: source.writeKey })).status).toBe(200);
    expect(table.get({ pk: 'ANON#old-browser-0003', sk: 'LINK' })?.leadId).toBe(leadId);
    // The other way round: only the previous id is known, so the new userId joins its lead.
    await send('/v1/i', { type: 'identify', messageId: messageId(), anonymousId: 'browser-0005', traits: { email: 'kim@example.com' } }, { writeKey: source.writeKey });
    await send('/v1/a', { messageId: messageId(), userId: 'crm-99', previousId: 'browser-0005' }, { writeKey: source.writeKey });
    expect(table.get({ pk: 'ANON#user:crm-99', sk: 'LINK' })?.leadId).toBe(table.get({ pk: 'EMAIL#kim@example.com', sk: 'EMAIL' })?.leadId);
    const missing = await send('/v1/a', { messageId: messageId(), previousId: 'x' }, { writeKey: source.writeKey });
    expect(missing.status).toBe(400);
    expect(missing.body.issues?.[0]?.field).toBe('userId');
  });
});

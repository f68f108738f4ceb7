import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack';
import { eventually, stackClient } from './helpers';
import { sharedStack } from './shared-stack';

/**
 * The collector on the local stack, as leadflow.js uses it: `POST /v1/batch` as text/plain with the
 * write key in the body (sendBeacon sets no headers), a page call per page and Page Engaged as the
 * visitor leaves; identified later by a form's address through identify. What is stored is scored by
 * the starter ruleset unchanged.
 */
let stack: LocalStack;
const { admin, getLead } = stackClient(() => stack);
const SITE = 'https://www.customer.example';

beforeAll(async () => {
  stack = await sharedStack();
});

async function addSource(): Promise<{ id: string; writeKey: string }> {
  const response = await admin('POST', '/v1/admin/sources', { name: `site-${randomUUID()}`, origins: [SITE] });
  expect(response.status).toBe(201);
  return (await response.json()) as { id: string; writeKey: string };
}

/** The lead an address made, read from the table: no admin route looks leads up by address. */
async function leadIdOf(email: string): Promise<string | undefined> {
  const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: stack.endpoints.dynamodb }));
  return (await documents.send(new GetCommand({ TableName: stack.settings.tableName, Key: { pk: `EMAIL#${email}`, sk: 'EMAIL' } }))).Item?.leadId as string | undefined;
}

const beacon = (body: unknown, origin = SITE) =>
  fetch(`${stack.apiUrl}/v1/batch`, { method: 'POST', headers: { 'content-type': 'text/plain;charset=UTF-8', origin }, body: JSON.stringify(body) });

describe('the collector on the local stack', () => {
  it("scores a visitor's pricing page and two minutes on it once they identify, the Page Engaged reports never a second page view", async () => {
    const { writeKey } = await addSource();
    const anonymousId = randomUUID();
    const at = () => new Date().toISOString();
    const page = { type: 'page', messageId: `lf-${randomUUID()}`, anonymousId, timestamp: at(), properties: { url: `${SITE}/pricing`, path: '/pricing', title: 'Pricing' } };
    const engaged = (seconds: number) => ({ type: 'track', event: 'Page Engaged', messageId: `lf-${randomUUID()}`, anonymousId, timestamp: at(), properties: { secondsOnPage: seconds, pageMessageId: page.messageId, url: page.properties.url, path: '/pricing' } });
    const sent = await beacon({ writeKey, sentAt: at(), batch: [page, engaged(40)] });
    expect(sent.status).toBe(200);
    expect(sent.headers.get('access-control-allow-origin')).toBe(SITE);
    expect((await beacon({ writeKey, sentAt: at(), batch: [engaged(130)] })).status).toBe(200);
    expect(await (await beacon({ writeKey, sentAt: at(), batch: [engaged(300)] })).json()).toMatchObject({ accepted: 0, duplicates: 1 });

    const email = `collector-${randomUUID()}@example.com`;
    expect((await beacon({ writeKey, batch: [{ type: 'identify', messageId: `lf-${randomUUID()}`, anonymousId, userId: `crm-${randomUUID()}`, traits: { email } }] })).status).toBe(200);
    const leadId = await eventually(() => leadIdOf(email));
    const lead = await eventually(async () => {
      const view = (await getLead(leadId)) as Awaited<ReturnType<typeof getLead>> & { score?: { breakdown?: Record<string, { points: number }> }; recentEvents?: { type: string }[] };
      return view.score?.breakdown?.['pricing-page'] && view.recentEvents?.some((event) => event.type === 'time_on_page') ? view : undefined;
    }, 60_000);
    // The page view scored once by the unchanged starter ruleset; the time on it recorded once, apart.
    expect(lead.score?.breakdown?.['pricing-page']?.points).toBe(10);
    expect(lead.recentEvents?.filter((event) => event.type === 'page_view')).toHaveLength(1);
    expect(lead.recentEvents?.filter((event) => event.type === 'time_on_page')).toHaveLength(1);
  });

  it('answers a preflight from any origin for the snippet, and refuses a revoked key with 401, storing nothing', async () => {
    const source = await addSource();
    const preflight = await fetch(`${stack.apiUrl}/v1/t`, { method: 'OPTIONS', headers: { origin: SITE, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(SITE);
    expect(preflight.headers.get('access-control-allow-headers')).toContain('authorization');
    // Routes of other functions beside the collector's `/v1/{call}` keep the API's own CORS.
    const events = await fetch(`${stack.apiUrl}/v1/events`, { method: 'OPTIONS', headers: { origin: SITE, 'access-control-request-method': 'POST' } });
    expect(events.headers.get('access-control-allow-headers')).toBe('content-type,idempotency-key');
    expect(events.headers.get('access-control-allow-origin')).toBe(stack.settings.allowedOrigins.includes('*') ? '*' : null);

    expect((await admin('POST', `/v1/admin/sources/${source.id}/revocations`, {})).status).toBe(200);
    const email = `revoked-${randomUUID()}@example.com`;
    const refused = await beacon({ writeKey: source.writeKey, batch: [{ type: 'identify', messageId: `lf-${randomUUID()}`, anonymousId: randomUUID(), traits: { email } }] });
    expect(refused.status).toBe(401);
    expect(await leadIdOf(email)).toBeUndefined();
    const listed = (await (await admin('GET', '/v1/admin/sources?limit=200')).json()) as { items: { id: string; keys: { valid: boolean }[] }[] };
    expect(listed.items.find((item) => item.id === source.id)?.keys.every((key) => !key.valid)).toBe(true);
  });

  it("takes calls from an origin added to a source, with the same key, and refuses one taken out at its next call", async () => {
    const source = await addSource();
    const SHOP = 'https://shop.customer.example';
    const identify = (email: string) => ({ writeKey: source.writeKey, batch: [{ type: 'identify', messageId: `lf-${randomUUID()}`, anonymousId: randomUUID(), traits: { email } }] });
    const early = `shop-early-${randomUUID()}@example.com`;
    expect((await beacon(identify(early), SHOP)).status).toBe(403);

    const moved = await admin('PUT', `/v1/admin/sources/${source.id}`, { name: 'Site and shop', origins: [SITE, SHOP, SHOP] });
    expect(moved.status).toBe(200);
    expect(await moved.json()).toMatchObject({ id: source.id, name: 'Site and shop', origins: [SITE, SHOP], writeKey: source.writeKey });
    const welcome = `shop-${randomUUID()}@example.com`;
    expect((await beacon(identify(welcome), SHOP)).status).toBe(200);
    await eventually(() => leadIdOf(welcome));

    expect((await admin('PUT', `/v1/admin/sources/${source.id}`, { name: 'Shop only', origins: [SHOP] })).status).toBe(200);
    const late = `site-late-${randomUUID()}@example.com`;
    expect((await beacon(identify(late), SITE)).status).toBe(403);
    expect(await leadIdOf(late)).toBeUndefined();

    const refused = await admin('PUT', `/v1/admin/sources/${source.id}`, { name: 'Shop', origins: ['https://shop.customer.example/'] });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { issues: { field: string }[] }).issues[0]?.field).toMatch(/^origins/);
    expect((await admin('PUT', `/v1/admin/sources/${randomUUID()}`, { name: 'Nobody', origins: [SHOP] })).status).toBe(404);
    const kept = ((await (await admin('GET', '/v1/admin/sources?limit=200')).json()) as { items: { id: string; name: string; origins: string[] }[] }).items.find((item) => item.id === source.id);
    expect(kept).toMatchObject({ name: 'Shop only', origins: [SHOP] });
  });
});

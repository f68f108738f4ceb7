import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack';
import { eventually, stackClient } from './helpers';
import { sharedStack } from './shared-stack';

/**
 * Segment entry events on the local stack: a lead whose profile change puts it in a tracked saved
 * segment produces one `lead.segment_entered` however often it is looked at, and one
 * `lead.segment_left` when it leaves (seen here through a webhook endpoint subscribed to them).
 */
let stack: LocalStack;
let receiver: Server;
let webhookId: string | undefined;
let segmentId: string | undefined;
const deliveries: { type: string; data: { leadId: string; segmentId: string; at: string } }[] = [];
const { admin, post } = stackClient(() => stack);
const run = randomUUID().slice(0, 8);

beforeAll(async () => {
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      deliveries.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as (typeof deliveries)[number]);
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  stack = await sharedStack();
});

afterAll(async () => {
  // Later files on the shared stack change leads too: nothing of this file keeps tracking or delivering.
  if (webhookId) await admin('DELETE', `/v1/admin/webhooks/${webhookId}`);
  if (segmentId) await admin('DELETE', `/v1/admin/segments/${segmentId}`);
  await new Promise((resolve) => receiver?.close(resolve));
});

const submit = async (email: string, industry: string) => {
  const response = await post('/v1/forms/events/submissions', { email, firstName: 'Tess', industry, consent: ['events'] });
  expect(response.status).toBe(202);
  return ((await response.json()) as { leadId: string }).leadId;
};
const deliveriesOf = (type: string, leadId: string) => deliveries.filter((delivery) => delivery.type === type && delivery.data.leadId === leadId && delivery.data.segmentId === segmentId);

describe('segment entry events on the local stack', () => {
  it('publishes one entry when a lead changes into a tracked segment, however often it is looked at, and one exit when it leaves', { timeout: 120_000 }, async () => {
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/segments`;
    const webhook = await admin('POST', '/v1/admin/webhooks', { url, eventTypes: ['lead.segment_entered', 'lead.segment_left'] });
    expect(webhook.status).toBe(201);
    webhookId = ((await webhook.json()) as { id: string }).id;
    const created = await admin('POST', '/v1/admin/segments', { name: `Tracked ${run}`, tracked: true, where: { lead: { industry: [`Tracked ${run}`] } } });
    expect(created.status).toBe(201);
    segmentId = ((await created.json()) as { id: string }).id;

    const email = `tess-${run}@example.com`;
    let leadId = '';
    // Trackers read the tracked segments every few seconds: the profile change is made again until one sees it.
    await eventually(async () => {
      leadId = await submit(email, `Tracked ${run}`);
      return deliveriesOf('lead.segment_entered', leadId).length ? true : undefined;
    }, 60_000);

    await submit(email, `Tracked ${run}`);
    await submit(email, 'Elsewhere');
    await eventually(async () => (deliveriesOf('lead.segment_left', leadId).length ? true : undefined), 30_000);

    expect(deliveriesOf('lead.segment_entered', leadId)).toHaveLength(1);
    expect(deliveriesOf('lead.segment_left', leadId)).toHaveLength(1);
    const [entered] = deliveriesOf('lead.segment_entered', leadId);
    const [left] = deliveriesOf('lead.segment_left', leadId);
    expect(Date.parse(left?.data.at ?? '')).toBeGreaterThan(Date.parse(entered?.data.at ?? ''));
  });
});

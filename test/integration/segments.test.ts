import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack';
import { eventually, stackClient } from './helpers';
import { sharedStack } from './shared-stack';

/**
 * Segments on the local stack: a saved segment over the lead and its event history picks its members,
 * its preview counts them before any send, and a campaign built from it mails exactly those.
 */
let stack: LocalStack;
const { admin, post, mails } = stackClient(() => stack);

beforeAll(async () => {
  stack = await sharedStack();
});

const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();
const run = randomUUID().slice(0, 8);

async function subscriber(name: string, industry: string, events: { type: string; days: number; properties: Record<string, unknown> }[]) {
  const email = `${name}-${run}@example.com`;
  const response = await post('/v1/forms/events/submissions', { email, firstName: name, industry, consent: ['events'] });
  expect(response.status).toBe(202);
  const { leadId } = (await response.json()) as { leadId: string };
  const batch = events.map((event, index) => ({ id: `evt-${name}-${run}-${index}`, type: event.type, occurredAt: daysAgo(event.days), email, properties: event.properties }));
  if (batch.length) expect((await post('/v1/events', { events: batch })).status).toBe(202);
  return { email, leadId };
}

const pricing = (days: number) => ({ type: 'page_view', days, properties: { url: `https://example.com/pricing?run=${run}` } });
const webinar = (days: number) => ({ type: 'webinar_registration', days, properties: { webinarId: `w-${run}` } });

describe('segments on the local stack', () => {
  it('saves a segment over the lead and its history, previews its members, and a campaign from it mails only them', async () => {
    const ana = await subscriber('ana', 'SaaS', [pricing(3)]);
    await subscriber('ben', 'SaaS', [pricing(20)]);
    await subscriber('cia', 'Retail', [pricing(2)]);
    await subscriber('dee', 'SaaS', [pricing(1), webinar(1)]);

    // SaaS leads of this run who looked at pricing in the last 14 days and have not registered for the webinar.
    const definition = {
      name: `Warm SaaS pricing visitors ${run}`,
      where: { lead: { industry: ['SaaS'], emailDomain: ['example.com'] } },
      history: [
        { event: { type: ['page_view'], properties: { url: [{ wildcard: `*/pricing?run=${run}` }] } }, withinDays: 14 },
        { event: { type: ['webinar_registration'], properties: { webinarId: [`w-${run}`] } }, absent: true },
      ],
    };

    const typo = await admin('POST', '/v1/admin/segments', { ...definition, where: { lead: { industy: ['SaaS'] } } });
    expect(typo.status).toBe(400);
    expect(((await typo.json()) as { issues: { field: string }[] }).issues[0]?.field).toBe('where.lead.industy');

    // Tried before saving: the same count and sample, nothing stored.
    const tried = await eventually(async () => {
      const response = (await (await admin('POST', '/v1/admin/segments/preview', { ...definition, name: undefined, subscription: 'events' })).json()) as { audience: { count: number; sample: { email: string }[] } };
      return response.audience.count === 1 ? response.audience : undefined;
    });
    expect(tried.sample).toEqual([expect.objectContaining({ email: ana.email })]);

    const created = await admin('POST', '/v1/admin/segments', { ...definition, where: { lead: { industry: ['Retail'] } } });
    expect(created.status).toBe(201);
    const segment = (await created.json()) as { id: string; version: number };
    expect(segment.version).toBe(1);
    const updated = (await (await admin('PUT', `/v1/admin/segments/${segment.id}`, { ...definition, expectedVersion: 1 })).json()) as { version: number; created: boolean; updatedAt: string };
    expect(updated).toMatchObject({ version: 2, created: true });
    expect((await admin('PUT', `/v1/admin/segments/${segment.id}`, { ...definition, expectedVersion: 1 })).status).toBe(409);
    // The same definition again (a file pushed twice, its conditions' defaults filled in by both reads) makes no version.
    const again = await admin('PUT', `/v1/admin/segments/${segment.id}`, { ...definition, expectedVersion: 2 });
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ version: 2, created: false, updatedAt: updated.updatedAt });

    const preview = (await (await admin('GET', `/v1/admin/segments/${segment.id}/preview?subscription=events`)).json()) as { version: number; audience: { count: number; complete: boolean } };
    expect(preview).toMatchObject({ version: 2, audience: { count: 1, complete: true } });

    const campaign = await admin('POST', '/v1/admin/campaigns', {
      name: `Pricing follow-up ${run}`,
      subscription: 'events',
      segmentId: segment.id,
      template: { subject: 'Questions about pricing, {{ lead.firstName | "there" }}?', html: '<p>We are here to help.</p>' },
    });
    expect(campaign.status).toBe(201);
    const { id, segmentRef } = (await campaign.json()) as { id: string; segmentRef: { segmentId: string; version: number } };
    expect(segmentRef).toEqual({ segmentId: segment.id, version: 2, name: definition.name });
    // Editing or deleting the segment afterwards changes nothing for the campaign.
    expect((await admin('DELETE', `/v1/admin/segments/${segment.id}`)).status).toBe(204);
    expect((await admin('GET', `/v1/admin/segments/${segment.id}`)).status).toBe(404);

    expect((await admin('POST', `/v1/admin/campaigns/${id}/send`)).status).toBe(202);
    const done = await eventually(async () => {
      const current = (await (await admin('GET', `/v1/admin/campaigns/${id}`)).json()) as { status: string; planned: boolean; recipients: number; sent: number };
      return current.status === 'sent' ? current : undefined;
    }, 30_000);
    expect(done).toMatchObject({ planned: true, recipients: 1, sent: 1 });
    const received = (await mails()).filter((mail) => mail.subject.startsWith('Questions about pricing')).flatMap((mail) => mail.destination.to);
    expect(received).toEqual([ana.email]);
  });

  it('answers 400 naming the field for a bad segment id and 404 for an unknown one', async () => {
    expect((await admin('GET', '/v1/admin/segments/not-a-uuid')).status).toBe(400);
    expect((await admin('GET', `/v1/admin/segments/${randomUUID()}`)).status).toBe(404);
    const unknown = await admin('POST', '/v1/admin/campaigns', { name: 'x', subscription: 'events', segmentId: randomUUID(), template: { subject: 's', html: 'h' } });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { issues: { field: string }[] }).issues[0]?.field).toBe('segmentId');
  });
});

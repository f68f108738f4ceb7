import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AudiencePreview } from '../../src/app/audience';
import { CampaignControls } from '../../src/app/campaign-controls';
import { Campaigns, type AudienceQuery, type SavedSegments } from '../../src/app/campaigns';
import type { Campaign, CampaignDefinition } from '../../src/domain/campaigns/campaign';
import { Conflict, InvalidInput, NotFound, Unavailable } from '../../src/domain/errors';
import type { Lead } from '../../src/domain/lead';
import { MemoryCampaigns, MemoryLeads, MemoryLog, MemoryPublisher, MemoryTriggers } from './in-memory';
import { SEEDED_CATALOGUE } from '../../src/domain/subscriptions';

const SEGMENT_ID = '5d0c4c6e-1f7a-4a39-9e62-2f4f4bb0c001';
const definition: CampaignDefinition = { name: 'Webinar', subscription: 'events', template: { subject: 'Hi {{ lead.firstName | "there" }}', html: '<p>Hello</p>' } };
const subscriber = { id: 'lead-1', email: 'ana@example.com', firstName: 'Ana', subscriptions: { events: 'opted_in' }, version: 1 } as unknown as Lead;
const JAKARTA_9AM = { sendAt: '2026-12-01T09:00', timeZone: 'Asia/Jakarta' };

let campaigns: MemoryCampaigns;
let leads: MemoryLeads;
let publisher: MemoryPublisher;
let triggers: MemoryTriggers;
let log: MemoryLog;
let members: Set<string>;
let manage: Campaigns;
let controls: CampaignControls;

const segments: SavedSegments = {
  get: async (id) => (id === SEGMENT_ID ? { id, version: 3, name: 'CEOs', where: { lead: { role: ['CEO'] } } } : undefined),
};
const audience: AudienceQuery = {
  preview: async (): Promise<AudiencePreview> => ({ count: members.size, sample: [...members].map((leadId) => ({ leadId, email: `${leadId}@example.com` })), complete: true, leadsScanned: 3 }),
  includes: async (_rule, lead) => members.has(lead.id),
};
const templates = { get: async () => undefined, getVersion: async () => undefined };

/** A campaign stored with the status given. */
async function stored(status: Campaign['status'] = 'draft'): Promise<string> {
  const campaign = await manage.create(definition);
  campaigns.campaigns.set(campaign.id, { ...campaign, status });
  return campaign.id;
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(Date.parse('2026-11-22T10:00:00.000Z'));
  campaigns = new MemoryCampaigns();
  leads = new MemoryLeads();
  leads.put(subscriber);
  publisher = new MemoryPublisher();
  triggers = new MemoryTriggers();
  log = new MemoryLog();
  members = new Set(['lead-1']);
  manage = new Campaigns({ campaigns, segments, templates, leads, audience, subscriptionTypes: async () => SEEDED_CATALOGUE, log });
  controls = new CampaignControls({ campaigns, plans: campaigns, publisher, triggers, log });
});

afterEach(() => {
  vi.useRealTimers();
});

describe('creating a campaign', () => {
  it('fixes the audience of a saved segment at its current version', async () => {
    const campaign = await manage.create({ ...definition, segmentId: SEGMENT_ID });
    expect(campaign).toMatchObject({ status: 'draft', audience: { where: { lead: { role: ['CEO'] } } }, segmentRef: { segmentId: SEGMENT_ID, version: 3, name: 'CEOs' }, createdAt: '2026-11-22T10:00:00.000Z' });
    expect(campaign).not.toHaveProperty('segmentId');
  });

  it('takes an inline condition, or every subscriber without one', async () => {
    expect((await manage.create({ ...definition, segment: { lead: { country: ['ID'] } } })).audience).toEqual({ where: { lead: { country: ['ID'] } } });
    expect((await manage.create(definition)).audience).toEqual({});
  });

  it('refuses a segment id that names no segment, naming the field', async () => {
    const refused = manage.create({ ...definition, segmentId: '5d0c4c6e-1f7a-4a39-9e62-2f4f4bb0c002' });
    await expect(refused).rejects.toBeInstanceOf(InvalidInput);
    await expect(refused).rejects.toMatchObject({ message: 'Invalid request: segmentId names no segment', issues: [{ field: 'segmentId' }] });
    expect(campaigns.campaigns.size).toBe(0);
  });
});

describe('reading and previewing', () => {
  it('shows a sending campaign whose every recipient is accounted for as sent, with its rates', async () => {
    const id = await stored('sending');
    campaigns.campaigns.set(id, { ...(campaigns.campaigns.get(id) as Campaign), planned: true, recipients: 2, sent: 2, delivered: 1 });
    expect((await manage.get(id)).status).toBe('sent');
    expect(await manage.report(id)).toMatchObject({ status: 'sent', recipients: 2, sent: 2, delivered: 1, skipped: 0, deliveryRate: 50 });
    await expect(manage.get('missing')).rejects.toEqual(new NotFound('No campaign missing'));
  });

  it('lists a sending campaign whose every recipient is accounted for as sent, and leaves the others as stored', async () => {
    const done = await stored('sending');
    const going = await stored('sending');
    campaigns.campaigns.set(done, { ...(campaigns.campaigns.get(done) as Campaign), planned: true, recipients: 1, sent: 1 });
    campaigns.campaigns.set(going, { ...(campaigns.campaigns.get(going) as Campaign), planned: true, recipients: 2, sent: 1 });
    const listed = await manage.list({ items: [{ id: done, status: 'sending' as const }, { id: going, status: 'sending' as const }, { id: 'draft-1', status: 'draft' as const }], nextCursor: 'next' });
    expect(listed).toEqual({ items: [{ id: done, status: 'sent' }, { id: going, status: 'sending' }, { id: 'draft-1', status: 'draft' }], nextCursor: 'next' });
  });

  it('previews the audience, and for a named lead what it would see, whether it would receive it and if not why', async () => {
    const id = await stored();
    expect(await manage.preview(id, undefined)).toEqual({ campaignId: id, audience: expect.objectContaining({ count: 1 }) });
    const forLead = await manage.preview(id, 'lead-1');
    expect(forLead).toMatchObject({ wouldReceive: true, rendered: { subject: 'Hi Ana' } });
    expect(forLead).not.toHaveProperty('wouldNotReceiveBecause');
    expect(JSON.stringify(forLead)).toContain('https://preview.invalid/link-added-at-send-time');
    members.clear();
    expect(await manage.preview(id, 'lead-1')).toMatchObject({ wouldReceive: false, wouldNotReceiveBecause: 'outside_audience' });
    leads.put({ ...subscriber, emailSuppression: { reason: 'bounce', at: '2026-11-20T10:00:00.000Z' } } as unknown as Lead);
    expect(await manage.preview(id, 'lead-1')).toMatchObject({ wouldReceive: false, wouldNotReceiveBecause: 'suppressed' });
    leads.put({ ...subscriber, subscriptions: { events: 'opted_out' } } as unknown as Lead);
    expect(await manage.preview(id, 'lead-1')).toMatchObject({ wouldReceive: false, wouldNotReceiveBecause: 'not_opted_in' });
    await expect(manage.preview(id, 'lead-9')).rejects.toEqual(new NotFound('No lead with id lead-9'));
  });

  it('queues a test send without changing the campaign', async () => {
    const id = await stored();
    expect(await controls.sendTest(id, { to: ['me@example.com'], leadId: 'lead-1' })).toEqual({ campaignId: id, to: ['me@example.com'] });
    expect(publisher.of('campaign.test-requested')).toEqual([{ version: 1, correlationId: id, campaignId: id, to: ['me@example.com'], leadId: 'lead-1' }]);
    expect(campaigns.campaigns.get(id)?.status).toBe('draft');
  });
});

describe('sending', () => {
  it('starts a draft and hands its planning to the bus, one request per listing partition', async () => {
    const id = await stored();
    expect(await controls.send(id)).toEqual({ campaignId: id, status: 'sending', progress: `/v1/admin/campaigns/${id}` });
    expect(publisher.of('campaign.send-requested').length).toBeGreaterThan(1);
    expect(publisher.of('campaign.send-requested').every((request) => request.campaignId === id && request.page === 0)).toBe(true);
    expect(campaigns.campaigns.get(id)).toMatchObject({ status: 'sending', planningRequested: true });
    await expect(controls.send(id)).rejects.toEqual(new Conflict(`Campaign ${id} is sending, not a draft`));
  });

  it('answers Unavailable when planning did not start, and a repeat starts it', async () => {
    const id = await stored();
    publisher.faults.fail('publish');
    await expect(controls.send(id)).rejects.toMatchObject({ constructor: Unavailable, retryAfterSeconds: 2, message: `Campaign ${id} is sending but planning has not started; repeat the request to start it` });
    expect(campaigns.campaigns.get(id)?.planningRequested).toBeUndefined();
    await controls.send(id);
    expect(campaigns.campaigns.get(id)?.planningRequested).toBe(true);
  });

  it('pauses a sending campaign and resumes it, planning again in a new round that keeps the recipients with an outcome; a control that does not apply is a Conflict naming the status', async () => {
    const id = await stored('sending');
    campaigns.campaigns.set(id, { ...(campaigns.campaigns.get(id) as Campaign), recipients: 40, planned: true, sent: 5, skipped: 2, interrupted: 1 });
    expect(await controls.pause(id)).toEqual({ campaignId: id, status: 'paused' });
    await expect(controls.pause(id)).rejects.toEqual(new Conflict(`Campaign ${id} is paused; pause needs it sending`));
    expect(await controls.resume(id)).toEqual({ campaignId: id, status: 'sending' });
    const round = { number: 2, startedAt: '2026-11-22T10:00:00.000Z' };
    expect(campaigns.planRounds.get(id)).toEqual([{ ...round, accounted: 8 }]);
    expect(campaigns.campaigns.get(id)).toMatchObject({ status: 'sending', recipients: 8, planned: false });
    expect(publisher.of('campaign.send-requested')).toEqual(Array.from({ length: 16 }, (_, shard) => ({ version: 1, correlationId: id, campaignId: id, shard, page: 0, round })));
    expect(await controls.cancel(id)).toEqual({ campaignId: id, status: 'cancelled' });
    await expect(controls.cancel(id)).rejects.toEqual(new Conflict(`Campaign ${id} is cancelled; cancel needs it draft or scheduled or sending or paused`));
  });
  it('pauses a campaign again when its resumed planning cannot start, so that repeating the resume starts it', async () => {
    const id = await stored('paused');
    publisher.faults.fail('publish');
    await expect(controls.resume(id)).rejects.toMatchObject({ constructor: Unavailable, message: `Campaign ${id} could not resume now (its planning did not start) and is paused again; repeat the request` });
    expect(campaigns.campaigns.get(id)?.status).toBe('paused');
    expect(await controls.resume(id)).toEqual({ campaignId: id, status: 'sending' });
    expect(campaigns.planRounds.get(id)?.map((round) => round.number)).toEqual([2, 3]);
    expect(publisher.of('campaign.send-requested').every((request) => (request.round as { number: number }).number === 3)).toBe(true);
  });
});

describe('scheduling', () => {
  it('schedules a draft at a wall-clock time in its zone, and unscheduling makes it a draft again', async () => {
    const id = await stored();
    const schedule = { sendAt: '2026-12-01T09:00:00', timeZone: 'Asia/Jakarta', sendsAtUtc: '2026-12-01T02:00:00.000Z' };
    expect(await controls.schedule(id, JAKARTA_9AM)).toEqual({ campaignId: id, status: 'scheduled', schedule });
    expect(triggers.triggers.get(id)).toEqual(schedule);
    expect(await controls.unschedule(id)).toEqual({ campaignId: id, status: 'draft' });
    expect(triggers.triggers.has(id)).toBe(false);
    await expect(controls.unschedule(id)).rejects.toEqual(new Conflict(`Campaign ${id} is draft; unschedule needs it scheduled`));
  });

  it('refuses a time in the past naming sendAt, and a campaign already sending, without a trigger', async () => {
    const id = await stored();
    await expect(controls.schedule(id, { ...JAKARTA_9AM, sendAt: '2026-11-01T09:00' })).rejects.toMatchObject({ constructor: InvalidInput, issues: [{ field: 'sendAt' }] });
    const sending = await stored('sending');
    await expect(controls.schedule(sending, JAKARTA_9AM)).rejects.toEqual(new Conflict(`Campaign ${sending} is sending; schedule needs it draft or scheduled`));
    expect(triggers.triggers.size).toBe(0);
  });

  it('answers Unavailable when the triggers fail, and nothing changes', async () => {
    const id = await stored();
    triggers.faults.fail('schedule');
    await expect(controls.schedule(id, JAKARTA_9AM)).rejects.toMatchObject({ constructor: Unavailable, retryAfterSeconds: 5, message: `Could not schedule campaign ${id} now; nothing changed, repeat the request` });
    expect(campaigns.campaigns.get(id)?.status).toBe('draft');
  });

  it('deletes the new trigger when the campaign was cancelled meanwhile', async () => {
    const id = await stored();
    triggers.afterSchedule = (campaignId) => campaigns.campaigns.set(campaignId, { ...(campaigns.campaigns.get(campaignId) as Campaign), status: 'cancelled' });
    await expect(controls.schedule(id, JAKARTA_9AM)).rejects.toEqual(new Conflict(`Campaign ${id} is cancelled; schedule needs it draft or scheduled`));
    expect(triggers.triggers.has(id)).toBe(false);
  });

  it('cancels a scheduled campaign only once its trigger is gone', async () => {
    const id = await stored();
    await controls.schedule(id, JAKARTA_9AM);
    triggers.faults.fail('unschedule');
    await expect(controls.cancel(id)).rejects.toBeInstanceOf(Unavailable);
    expect(campaigns.campaigns.get(id)?.status).toBe('scheduled');
    expect(await controls.cancel(id)).toEqual({ campaignId: id, status: 'cancelled' });
    expect(triggers.triggers.has(id)).toBe(false);
  });
});

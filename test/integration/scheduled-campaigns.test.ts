import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack';
import { eventually, settled, stackClient } from './helpers';
import { sharedStack } from './shared-stack';

/**
 * Scheduled campaigns on the local stack: the schedule lives in the local EventBridge Scheduler
 * stand-in, fires at the local time in its zone onto the bus, and the campaign sends as if started by hand.
 */
let stack: LocalStack;
const { admin, post, mails } = stackClient(() => stack);

beforeAll(async () => {
  stack = await sharedStack();
  // control-campaigns, which schedules, starts its worker at its first request (seconds, under load,
  // locally): started here, so the schedules below, a few seconds ahead, are still ahead when they arrive.
  expect((await admin('POST', `/v1/admin/campaigns/${randomUUID()}/pause`)).status).toBe(404);
});

interface CampaignView {
  status: string;
  sendStartedAt?: string;
  sent: number;
  recipients: number;
  schedule?: { sendAt: string; timeZone: string; sendsAtUtc: string };
}

/** The wall-clock time `seconds` from now in a zone, to the second, as a marketer would type it. */
function wallClockIn(timeZone: string, seconds: number): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
      .formatToParts(new Date(Date.now() + seconds * 1000))
      .map((part) => [part.type, part.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}`;
}

/** A subscriber to events in an industry of its own, and a draft campaign whose segment is exactly that subscriber. */
async function campaignForOneSubscriber() {
  const email = `scheduled-${randomUUID()}@example.com`;
  const industry = `industry-${randomUUID()}`;
  expect((await post('/v1/forms/events/submissions', { email, firstName: 'Dewi', industry, consent: ['events'] })).status).toBe(202);
  const created = await admin('POST', '/v1/admin/campaigns', {
    name: 'Scheduled webinar invite',
    subscription: 'events',
    segment: { lead: { industry: [industry] } },
    template: { subject: 'Join us, {{ lead.firstName | "friend" }}', html: '<p>See you at the webinar.</p>' },
  });
  expect(created.status).toBe(201);
  return { email, campaignId: ((await created.json()) as { id: string }).id };
}
const campaign = async (id: string) => (await (await admin('GET', `/v1/admin/campaigns/${id}`)).json()) as CampaignView;
const mailsTo = async (email: string) => (await mails()).filter((mail) => mail.destination.to.includes(email));

// The two cases wait seconds for their schedules' times, each with a campaign and a subscriber of its own: side by side.
describe.concurrent('scheduled campaigns on the local stack', () => {
  it('sends a campaign scheduled a few seconds ahead in Asia/Kolkata at its time: scheduled, then sending, then sent, one mail', async () => {
    const { email, campaignId } = await campaignForOneSubscriber();
    const sendAt = wallClockIn('Asia/Kolkata', 6);
    const scheduled = await admin('POST', `/v1/admin/campaigns/${campaignId}/schedule`, { sendAt, timeZone: 'Asia/Kolkata' });
    expect(scheduled.status).toBe(200);
    const before = await campaign(campaignId);
    expect(before.status).toBe('scheduled');
    expect(before.schedule).toMatchObject({ sendAt, timeZone: 'Asia/Kolkata' });
    const sendsAtUtc = before.schedule?.sendsAtUtc ?? '';
    // +05:30: the UTC instant is the wall-clock time minus five and a half hours.
    expect(Date.parse(`${sendAt}Z`) - Date.parse(sendsAtUtc)).toBe(5.5 * 3_600_000);
    expect(await mailsTo(email)).toHaveLength(0);

    const sent = await eventually(async () => {
      const current = await campaign(campaignId);
      return current.status === 'sent' ? current : undefined;
    }, 30_000);
    expect(sent).toMatchObject({ recipients: 1, sent: 1 });
    // It went through sending, started by its schedule and not before its time.
    expect(Date.parse(sent.sendStartedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(sendsAtUtc));
    const received = await eventually(async () => ((await mailsTo(email)).length ? mailsTo(email) : undefined));
    expect(received.map((mail) => mail.subject)).toEqual(['Join us, Dewi']);
    // Once started it can be neither moved nor unscheduled.
    expect((await admin('POST', `/v1/admin/campaigns/${campaignId}/unschedule`)).status).toBe(409);
    expect((await admin('POST', `/v1/admin/campaigns/${campaignId}/schedule`, { sendAt: wallClockIn('Asia/Kolkata', 3600), timeZone: 'Asia/Kolkata' })).status).toBe(409);
  }, 45_000);

  it('sends nothing for a campaign unscheduled before its time; it is a draft again', async () => {
    const { email, campaignId } = await campaignForOneSubscriber();
    const sendAt = wallClockIn('America/New_York', 5);
    expect((await admin('POST', `/v1/admin/campaigns/${campaignId}/schedule`, { sendAt, timeZone: 'America/New_York' })).status).toBe(200);
    const unscheduled = await admin('POST', `/v1/admin/campaigns/${campaignId}/unschedule`);
    expect(unscheduled.status).toBe(200);
    // A campaign scheduled after it: once that one is sent, the unscheduled one's time has passed, and
    // once every queue is empty, anything it could have started has been handled.
    const later = await campaignForOneSubscriber();
    expect((await admin('POST', `/v1/admin/campaigns/${later.campaignId}/schedule`, { sendAt: wallClockIn('America/New_York', 6), timeZone: 'America/New_York' })).status).toBe(200);
    await eventually(async () => ((await campaign(later.campaignId)).status === 'sent' ? true : undefined), 40_000);
    await settled(stack);
    const after = await campaign(campaignId);
    expect(after.status).toBe('draft');
    expect(after.schedule).toBeUndefined();
    expect(after.sendStartedAt).toBeUndefined();
    expect(await mailsTo(email)).toHaveLength(0);
  }, 90_000);
});

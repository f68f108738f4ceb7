import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, paginateScan, PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { LocalStack } from '../../local/stack';
import * as keys from '../../src/adapters/keys';
import { signToken } from '../../src/domain/consent/signed-token';
import { eventually, now, queueDepth, runCli, settled, stackClient } from './helpers';
import { sharedStack } from './shared-stack';

/**
 * Subscribers' data on the local stack: SES bounce and complaint events, as the configuration set
 * delivers them, keep the suppression list; export and erasure reach every item about a lead.
 */
let stack: LocalStack;
const { admin, post, getLead, mails } = stackClient(() => stack);

beforeAll(async () => {
  stack = await sharedStack();
});

async function sesEvent(detailType: 'Email Bounced' | 'Email Complaint Received', detail: Record<string, unknown>) {
  const bus = new EventBridgeClient({ endpoint: stack.endpoints.eventbridge });
  const result = await bus.send(new PutEventsCommand({ Entries: [{ Source: 'aws.ses', DetailType: detailType, Detail: JSON.stringify(detail), EventBusName: stack.settings.busName }] }));
  expect(result.FailedEntryCount).toBe(0);
}
const bounce = (email: string, bounceType: string, messageId = randomUUID()) =>
  sesEvent('Email Bounced', { eventType: 'Bounce', mail: { messageId }, bounce: { bounceType, bounceSubType: 'General', bouncedRecipients: [{ emailAddress: email }] } });
const suppression = async (email: string) => {
  const response = await admin('GET', `/v1/admin/suppressions/${encodeURIComponent(email)}`);
  return response.status === 200 ? ((await response.json()) as { reason: string; email?: string }) : undefined;
};

describe('suppression list on the local stack', () => {
  it('suppresses hard bounces and complaints at once, and lists them', async () => {
    const hard = `hard-${randomUUID()}@example.com`;
    const complainer = `complainer-${randomUUID()}@example.com`;
    const { leadId } = (await (await post('/v1/forms/contact/submissions', { email: hard })).json()) as { leadId: string };
    await bounce(hard, 'Permanent');
    await sesEvent('Email Complaint Received', { eventType: 'Complaint', mail: { messageId: randomUUID() }, complaint: { complainedRecipients: [{ emailAddress: complainer }], complaintFeedbackType: 'abuse' } });
    expect(await eventually(() => suppression(hard))).toMatchObject({ reason: 'hard_bounce', email: hard });
    expect((await eventually(async () => (await getLead(leadId)).emailSuppression)).reason).toBe('hard_bounce');
    expect(await eventually(() => suppression(complainer))).toMatchObject({ reason: 'complaint' });
    const listed = (await (await admin('GET', '/v1/admin/suppressions')).json()) as { items: { email?: string }[] };
    expect(listed.items.map((entry) => entry.email)).toEqual(expect.arrayContaining([hard, complainer]));
  });

  it('suppresses a bounce SES publishes on the default bus, forwarded to the leadflow bus as the stack forwards it in AWS', async () => {
    const email = `default-bus-${randomUUID()}@example.com`;
    const bus = new EventBridgeClient({ endpoint: stack.endpoints.eventbridge });
    const detail = {
      eventType: 'Bounce',
      mail: { messageId: randomUUID(), tags: { 'ses:configuration-set': [stack.settings.configurationSetName] } },
      bounce: { bounceType: 'Permanent', bounceSubType: 'General', bouncedRecipients: [{ emailAddress: email }] },
    };
    const result = await bus.send(new PutEventsCommand({ Entries: [{ Source: 'aws.ses', DetailType: 'Email Bounced', Detail: JSON.stringify(detail) }] }));
    bus.destroy();
    expect(result.FailedEntryCount).toBe(0);
    expect(await eventually(() => suppression(email))).toMatchObject({ reason: 'hard_bounce', email });
  });

  it('suppresses after three transient bounces of different messages; a redelivered one counts once', async () => {
    const soft = `soft-${randomUUID()}@example.com`;
    const repeated = randomUUID();
    await bounce(soft, 'Transient', repeated);
    await bounce(soft, 'Transient', repeated);
    await bounce(soft, 'Transient');
    // The bounces were queued before PutEvents answered: once every queue is empty, all three are handled.
    await settled(stack);
    expect(await suppression(soft)).toBeUndefined();
    await bounce(soft, 'Transient');
    expect(await eventually(() => suppression(soft))).toMatchObject({ reason: 'repeated_soft_bounce' });
  });

  it('lifts a suppression only with a reason', async () => {
    const email = `lift-${randomUUID()}@example.com`;
    const { leadId } = (await (await post('/v1/forms/contact/submissions', { email })).json()) as { leadId: string };
    await bounce(email, 'Permanent');
    await eventually(async () => (await getLead(leadId)).emailSuppression);
    await eventually(() => suppression(email));
    const noReason = await admin('POST', `/v1/admin/suppressions/${encodeURIComponent(email)}/lift`, {});
    expect(noReason.status).toBe(400);
    expect(await noReason.json()).toMatchObject({ issues: [{ field: 'reason' }] });
    expect((await admin('POST', `/v1/admin/suppressions/${encodeURIComponent(email)}/lift`, { reason: 'Mailbox fixed, confirmed by phone' })).status).toBe(200);
    expect(await suppression(email)).toBeUndefined();
    expect((await getLead(leadId)).emailSuppression).toBeUndefined();
    expect((await admin('GET', '/v1/admin/suppressions/not-an-email')).status).toBe(400);
  });
});

describe('double opt-in confirmations on the local stack', () => {
  /** Whether every message the queue received has been handled: none waiting, none in flight. */
  const drained = async (queueName: string) => {
    const queue = stack.queues[queueName];
    if (!queue) throw new Error(`${queueName} queue missing`);
    const sqs = new SQSClient({ endpoint: stack.endpoints.sqs, useQueueUrlAsEndpoint: false });
    const { visible, inFlight } = await queueDepth(sqs, queue.url);
    return visible + inFlight === 0 ? true : undefined;
  };

  it('mails one confirmation however often the same form is posted, with the same or new idempotency keys', async () => {
    const email = `twice-${randomUUID()}@example.com`;
    const form = { email, firstName: 'Tia', consent: ['newsletter'] };
    for (const key of ['same', 'same', 'same', 'other-1', 'other-2']) {
      expect((await post('/v1/forms/newsletter/submissions', form, { 'idempotency-key': `${key}-${email}` })).status).toBe(202);
    }
    const confirmations = async () => (await mails()).filter((mail) => mail.destination.to.includes(email));
    await eventually(async () => ((await confirmations()).length > 0 ? true : undefined));
    // Every request was on the queue before its form post answered; once the queue is empty, all were handled.
    await eventually(() => drained('send-confirmation'), 30_000);
    const sent = await confirmations();
    expect(sent).toHaveLength(1);
    expect(sent[0]?.subject).toBe('Please confirm your subscription / Konfirmasi langganan Anda');
  });
});

async function everyItem(): Promise<string[]> {
  const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: stack.endpoints.dynamodb }));
  const items: string[] = [];
  for await (const page of paginateScan({ client: documents }, { TableName: stack.settings.tableName })) {
    items.push(...(page.Items ?? []).map((item) => JSON.stringify(item, (_key, value: unknown) => (value instanceof Set ? [...value] : value))));
  }
  return items;
}

const cli = (...argv: string[]) => runCli(stack, process.cwd(), ...argv);

describe('subscription types an admin adds on the local stack', () => {
  it('a new type is offered on the preference centre at once, and a form and the preference centre record consent to it', async () => {
    const id = `case_${randomUUID().slice(0, 8)}`;
    const read = (await (await admin('GET', '/v1/admin/settings/subscription-types')).json()) as { version: number; types: { id: string }[] };
    const added = { id, label: { en: `Case studies ${id}`, id: `Studi kasus ${id}` }, description: { en: 'How teams use us.', id: 'Cara tim memakai kami.' }, doubleOptIn: false };
    const saved = await admin('PUT', '/v1/admin/settings/subscription-types', { version: read.version, types: [...read.types, added] });
    expect(saved.status).toBe(200);
    expect((await saved.json()) as { version: number }).toMatchObject({ version: read.version + 1, updatedBy: 'service' });

    // A single opt-in type: ticked on a form, it is opted in at once (capture-form reads the types within a second).
    const email = `types-${id}@example.com`;
    const { leadId } = await eventually(async () => {
      const submitted = await post('/v1/forms/contact/submissions', { email, consent: [id] });
      return submitted.status === 202 ? ((await submitted.json()) as { leadId: string }) : undefined;
    });
    expect((await eventually(async () => ((await getLead(leadId)).subscriptions?.[id] ? getLead(leadId) : undefined))).subscriptions).toEqual({ [id]: 'opted_in' });

    const token = signToken(stack.signingKeys, 'preferences', { leadId });
    const page = await (await fetch(`${stack.apiUrl}/v1/preferences?token=${encodeURIComponent(token)}&lang=id`)).text();
    expect(page).toContain(`<legend>Studi kasus ${id}</legend>`);
    expect(page).toContain(`<input type="radio" name="subscription.${id}" value="opted_in" checked>`);
    const choose = (status: string) =>
      fetch(`${stack.apiUrl}/v1/preferences`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token, lang: 'en', [`subscription.${id}`]: status }).toString() });
    expect((await choose('opted_out')).status).toBe(200);
    expect((await getLead(leadId)).subscriptions).toEqual({ [id]: 'opted_out' });
    expect((await choose('opted_in')).status).toBe(200);
    expect((await getLead(leadId)).subscriptions).toEqual({ [id]: 'opted_in' });
  });
});

describe('data rights on the local stack', () => {
  it('exports everything held, then erases the lead everywhere and keeps the address suppressed as a hash', async () => {
    const email = `Erase.Me-${randomUUID()}@Example.com`;
    const normalised = email.toLowerCase();
    const anonymousId = `visitor-${randomUUID().slice(0, 8)}`;
    const browsing = { id: `evt-${randomUUID()}`, type: 'page_view', occurredAt: now(), anonymousId, properties: { url: 'https://example.com/pricing' } };
    expect((await post('/v1/events', { events: [browsing] })).status).toBe(202);
    const submitted = await post('/v1/forms/contact/submissions', {
      email, firstName: 'Erin', company: 'Gone Inc', role: 'CEO', industry: 'SaaS', teamSize: 120, budget: 50_000, country: 'ID', consent: ['newsletter'], anonymousId,
    });
    const { leadId } = (await submitted.json()) as { leadId: string };
    const events = ['demo', 'pricing'].map((page) => ({ id: `evt-${randomUUID()}`, type: 'page_view', occurredAt: now(), email, properties: { url: `https://example.com/${page}` } }));
    expect((await post('/v1/events', { events: [...events, { id: `evt-${randomUUID()}`, type: 'webinar_registration', occurredAt: now(), email, properties: { webinarId: 'w' } }] })).status).toBe(202);
    await eventually(async () => ((await getLead(leadId)).score?.qualified ? true : undefined));
    // The qualification alert is claimed in the table too.
    await eventually(async () => ((await everyItem()).some((item) => item.includes(`"ALERT#`) && item.includes(leadId)) ? true : undefined));
    // So is the double opt-in confirmation of the newsletter, for its window.
    await eventually(async () => ((await everyItem()).some((item) => item.includes('"CONFIRMATION#newsletter"') && item.includes(leadId)) ? true : undefined));
    // ... and its move to the mql stage is recorded as a transition.
    await eventually(async () => ((await everyItem()).some((item) => item.includes('"stage-transition"') && item.includes(leadId)) ? true : undefined));

    const exported = await cli('leads', 'export', leadId);
    expect(exported.code).toBe(0);
    const records = (JSON.parse(exported.out) as { records: Record<string, unknown[]> }).records;
    // An assignment record is there too when another file on this shared stack saved an owner routing. A
    // qualification keeps no applied-change marker (the lead's version and stage make it once).
    const kinds = Object.keys(records).filter((kind) => kind !== 'assignment').sort();
    expect(kinds).toEqual(['alert', 'confirmation', 'confirmation-quota', 'consent', 'event', 'form-submission', 'lead', 'score', 'stage-transition']);
    expect(records.event).toHaveLength(5);

    expect((await cli('leads', 'erase', leadId)).code).toBe(1);
    const erased = await cli('leads', 'erase', leadId, '--yes');
    expect(erased.err).toBe('');
    expect(erased.out).toMatch(/^erased lead .+: \d+ items/);

    // Work that read her a moment before the erasure writes under her id after it (a journey enrolling
    // her, as run-journeys would), while her erasure's sweep still waits (fifteen minutes in AWS, eight
    // seconds on the shared test stack): written at once, so that it lands before the sweep.
    const erasureId = /\(erasure ([^)]+)\)$/.exec(erased.out.trim())?.[1] ?? expect.fail(`the CLI names the erasure: ${erased.out}`);
    const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: stack.endpoints.dynamodb }));
    const enrolledMeanwhile = { ...keys.enrolment(leadId, 'enrolled-meanwhile'), entity: 'enrolment', leadId };
    await documents.send(new PutCommand({ TableName: stack.settings.tableName, Item: enrolledMeanwhile }));
    const scheduler = new SchedulerClient({ endpoint: stack.endpoints.scheduler });
    const sweep = await scheduler.send(new GetScheduleCommand({ GroupName: stack.settings.scheduleGroupName, Name: `erasure-${erasureId}` }));
    expect(JSON.parse(sweep.Target?.Input ?? '{}')).toMatchObject({ leadId, erasureId });

    // The erasure left nothing but what was written after it.
    const leftovers = (await everyItem()).filter((item) => item.includes(leadId) || item.includes(normalised) || item.includes(anonymousId));
    expect(leftovers.map((item) => JSON.parse(item) as Record<string, unknown>)).toEqual([enrolledMeanwhile]);
    expect((await admin('GET', `/v1/admin/leads/${leadId}`)).status).toBe(404);
    const suppressed = await suppression(normalised);
    expect(suppressed).toMatchObject({ reason: 'erased' });
    expect(suppressed?.email).toBeUndefined();
    expect((await admin('DELETE', `/v1/admin/leads/${leadId}`)).status).toBe(404);

    // The sweep deletes it, and its timer goes when it fires.
    await eventually(async () => ((await everyItem()).some((item) => item.includes(leadId)) ? undefined : true));
    await expect(scheduler.send(new GetScheduleCommand({ GroupName: stack.settings.scheduleGroupName, Name: `erasure-${erasureId}` }))).rejects.toThrow();
    scheduler.destroy();
    documents.destroy();
  });
});

describe('campaigns on the local stack', () => {
  // Industries of this file's own: segments pick from every lead on the stack, and it is shared.
  const run = randomUUID().slice(0, 8);
  const saas = `SaaS ${run}`;
  const retail = `Retail ${run}`;
  const subscriber = async (name: string, industry: string) => {
    const email = `${name}-${randomUUID()}@example.com`;
    const response = await post('/v1/forms/events/submissions', { email, firstName: name, industry, consent: ['events'] });
    return { email, leadId: ((await response.json()) as { leadId: string }).leadId };
  };
  const mailsTo = async (email: string) => (await mails()).filter((mail) => mail.destination.to.includes(email));
  const webinarInvite = {
    name: 'Webinar invite',
    subscription: 'events',
    template: { subject: 'Join us, {{ lead.firstName | "friend" }}', html: '<p>Hello {{ lead.firstName | "there" }}, our webinar is next week.</p>' },
  };
  const createCampaign = async (segment?: Record<string, unknown>) => {
    const response = await admin('POST', '/v1/admin/campaigns', { ...webinarInvite, ...(segment ? { segment } : {}) });
    expect(response.status).toBe(201);
    return ((await response.json()) as { id: string }).id;
  };
  const campaign = async (id: string) => (await (await admin('GET', `/v1/admin/campaigns/${id}`)).json()) as { status: string; planned: boolean; recipients: number; sent: number; skipped: number };
  const planned = async (campaignId: string, leadIds: string[]) => {
    const bus = new EventBridgeClient({ endpoint: stack.endpoints.eventbridge });
    await bus.send(new PutEventsCommand({ Entries: [{ Source: 'leadflow', DetailType: 'campaign.recipients-planned', Detail: JSON.stringify({ version: 1, correlationId: 'test', campaignId, leadIds }), EventBusName: stack.settings.busName }] }));
  };

  it('previews and sends to the opted-in, unsuppressed leads of the segment once each, with one-click unsubscribe headers', async () => {
    const ana = await subscriber('ana', saas);
    const ben = await subscriber('ben', retail);
    const cia = await subscriber('cia', saas);
    await bounce(cia.email, 'Permanent');
    await eventually(() => suppression(cia.email));

    await eventually(async () => (await getLead(cia.leadId)).emailSuppression);
    // Made as a team keeps campaigns in files: with the CLI, which checks the file before sending it.
    const folder = await mkdtemp(join(tmpdir(), 'leadflow-campaign-file-'));
    const file = join(folder, 'webinar.yaml');
    await writeFile(file, stringify({ ...webinarInvite, segment: { lead: { industry: [{ 'equals-ignore-case': saas.toLowerCase() }] } } }));
    const created = await cli('campaigns', 'create', file);
    await rm(folder, { recursive: true, force: true });
    expect(created.err).toBe('');
    const id = /^campaign (\S+) saved as a draft/.exec(created.out)?.[1] ?? '';
    expect((await cli('campaigns', 'list')).out).toMatch(new RegExp(`^${id}  Webinar invite\\s+draft\\s+events`, 'm'));
    // A test send to a colleague, personalised as Ana would see it; a suppressed address gets nothing.
    const tester = `tester-${randomUUID()}@example.com`;
    expect((await cli('campaigns', 'test', id, '--to', `${tester},${cia.email}`, '--lead', ana.leadId)).out).toBe(`test of campaign ${id} queued for 2 address(es)`);
    expect((await eventually(async () => (await mailsTo(tester))[0]))?.subject).toBe('[Test] Join us, ana');
    expect((await admin('POST', `/v1/admin/campaigns/${id}/test`, { to: ['not-an-address'] })).status).toBe(400);
    const preview = (await (await admin('GET', `/v1/admin/campaigns/${id}/preview?leadId=${ana.leadId}`)).json()) as { audience: { count: number; sample: { email: string }[]; complete: boolean }; rendered: { subject: string }; wouldReceive: boolean };
    expect(preview.audience).toMatchObject({ count: 1, sample: [{ email: ana.email }], complete: true });
    expect(preview).toMatchObject({ rendered: { subject: 'Join us, ana' }, wouldReceive: true });
    expect((await cli('campaigns', 'preview', id, '--lead', ana.leadId)).out).toMatch(new RegExp(`^1 leads in the audience \\(all \\d+ leads read\\)\\n  ${ana.email}  ${ana.leadId}\\n\\nlead ${ana.leadId} would receive it; as it would read:\\nSubject: Join us, ana\\n\\nHello ana, our webinar is next week\\.`));
    const sending = await cli('campaigns', 'send', id);
    expect(sending.err).toBe('');
    expect(sending.out.split('\n').at(-1)).toBe(`[${'#'.repeat(30)}]      1 / 1 sent or skipped`);
    expect((await admin('POST', `/v1/admin/campaigns/${id}/send`)).status).toBe(409);
    const done = await eventually(async () => {
      const current = await campaign(id);
      return current.planned && current.sent + current.skipped === current.recipients ? current : undefined;
    });
    expect(done).toMatchObject({ status: 'sent', recipients: 1, sent: 1, skipped: 0 });

    const [invite] = await mailsTo(ana.email);
    expect(invite?.subject).toBe('Join us, ana');
    expect(invite?.headers).toEqual(expect.arrayContaining([
      { name: 'List-Unsubscribe-Post', value: 'List-Unsubscribe=One-Click' },
      expect.objectContaining({ name: 'List-Unsubscribe', value: expect.stringMatching(/^<http:\/\/127\.0\.0\.1:\d+\/v1\/unsubscribe\?token=/) }),
    ]));
    expect(invite?.body.text).toContain('Unsubscribe: http://127.0.0.1:');
    expect(await mailsTo(ben.email)).toHaveLength(0);
    expect(await mailsTo(cia.email)).toHaveLength(0);

    // A retried or duplicated batch sends nothing twice.
    await planned(id, [ana.leadId]);
    await settled(stack);
    expect(await mailsTo(ana.email)).toHaveLength(1);

    // SES reports what happened to the email (a scanner clicks at once, Ana opens and clicks later, twice).
    const sentAt = new Date();
    const ses = (eventType: string, detailType: string, extra: Record<string, unknown> = {}) =>
      sesEvent(detailType as 'Email Bounced', { eventType, mail: { messageId: invite?.messageId ?? 'm', timestamp: sentAt.toISOString(), tags: { campaign: [id], lead: [ana.leadId] } }, ...extra });
    const later = (minutes: number) => new Date(sentAt.getTime() + minutes * 60_000).toISOString();
    await ses('Delivery', 'Email Delivered');
    await ses('Click', 'Email Clicked', { click: { timestamp: new Date(sentAt.getTime() + 2_000).toISOString(), link: 'https://example.com/pricing', userAgent: 'Mozilla/5.0' } });
    await ses('Open', 'Email Opened', { open: { timestamp: later(5), userAgent: 'Mozilla/5.0' } });
    await ses('Click', 'Email Clicked', { click: { timestamp: later(6), link: 'https://example.com/pricing', userAgent: 'Mozilla/5.0' } });
    await ses('Click', 'Email Clicked', { click: { timestamp: later(7), link: 'https://example.com/demo', userAgent: 'Mozilla/5.0' } });
    // She leaves through the campaign's own unsubscribe link.
    const unsubscribe = /^<(.+)>$/.exec(invite?.headers?.find((header) => header.name === 'List-Unsubscribe')?.value ?? '')?.[1] ?? '';
    expect((await fetch(unsubscribe, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' })).status).toBe(200);

    const report = await eventually(async () => {
      const current = (await (await admin('GET', `/v1/admin/campaigns/${id}/report`)).json()) as Record<string, number>;
      return current.clicked === 1 && current.unsubscribed === 1 && current.opened === 1 ? current : undefined;
    });
    expect(report).toMatchObject({ sent: 1, skipped: 0, delivered: 1, opened: 1, clicked: 1, unsubscribed: 1, deliveryRate: 100, clickRate: 100, unsubscribeRate: 100 });
    expect((await cli('campaigns', 'report', id)).out).toMatch(/clicked\s+1\s+100 %/);
    // Her own opens and clicks (not the scanner's) became engagement events that scoring sees, in
    // whatever order their messages were taken.
    const engagement = await eventually(async () => {
      const events = ((await (await admin('GET', `/v1/admin/leads/${ana.leadId}`)).json()) as { recentEvents: { type: string }[] }).recentEvents;
      const count = (type: string) => events.filter((item) => item.type === type).length;
      return count('email_click') === 2 && count('email_open') === 1 ? events : undefined;
    });
    expect(engagement.filter((item) => item.type === 'email_click' || item.type === 'email_open').map((item) => item.type).sort()).toEqual(['email_click', 'email_click', 'email_open']);

    // Her send record, with what it tracked, is hers to export and to have erased.
    const exported = (await (await admin('GET', `/v1/admin/leads/${ana.leadId}/export`)).json()) as { records: Record<string, Record<string, unknown>[]> };
    expect(exported.records['campaign-send']).toEqual([expect.objectContaining({ campaignId: id, leadId: ana.leadId, status: 'sent', tracked: expect.arrayContaining(['clicked', 'unsubscribed']) })]);
    expect((await admin('DELETE', `/v1/admin/leads/${ana.leadId}`)).status).toBe(200);
    // She opens the email again an hour later: nothing records it under her id.
    await ses('Open', 'Email Opened', { open: { timestamp: later(60), userAgent: 'Mozilla/5.0' } });
    await settled(stack);
    expect((await everyItem()).filter((item) => item.includes(ana.leadId))).toEqual([]);
  });

  it('resumes a paused campaign in a new round: a lead who joined the audience meanwhile is mailed, nobody twice, and the recipients stay exact', async () => {
    const industry = `Resumed ${run}`;
    const first = await Promise.all(['eka', 'fia', 'gus'].map((name) => subscriber(name, industry)));
    const id = await createCampaign({ lead: { industry: [industry] } });
    expect((await admin('POST', `/v1/admin/campaigns/${id}/send`)).status).toBe(202);
    await eventually(async () => ((await campaign(id)).sent === 3 ? true : undefined));
    expect((await admin('POST', `/v1/admin/campaigns/${id}/pause`)).status).toBe(200);
    const late = await subscriber('hal', industry);
    expect((await admin('POST', `/v1/admin/campaigns/${id}/resume`)).status).toBe(200);
    const done = await eventually(async () => {
      const current = await campaign(id);
      return current.status === 'sent' ? current : undefined;
    });
    expect(done).toMatchObject({ recipients: 4, sent: 4, skipped: 0 });
    for (const lead of [...first, late]) expect(await mailsTo(lead.email)).toHaveLength(1);
  });

  it('pauses, resumes and cancels only from the statuses that allow it', async () => {
    const id = await createCampaign();
    expect((await admin('POST', `/v1/admin/campaigns/${id}/pause`)).status).toBe(409);
    expect((await admin('POST', `/v1/admin/campaigns/${id}/cancel`)).status).toBe(200);
    expect((await campaign(id)).status).toBe('cancelled');
    expect((await admin('POST', `/v1/admin/campaigns/${id}/send`)).status).toBe(409);
    const resumed = await admin('POST', `/v1/admin/campaigns/${id}/resume`);
    expect(resumed.status).toBe(409);
    expect(((await resumed.json()) as { message: string }).message).toMatch(/is cancelled; resume needs it paused/);
  });

  it('holds an unsubscribe made after planning: the send-time check skips the recipient', async () => {
    const dee = await subscriber('dee', saas);
    // A sending campaign whose own planning finds nobody: Dee's send comes from the plan made earlier.
    const id = await createCampaign({ lead: { industry: ['No such industry'] } });
    expect((await admin('POST', `/v1/admin/campaigns/${id}/send`)).status).toBe(202);
    // Dee unsubscribes with one click after her send was planned, before the sender reaches her.
    const url = `${stack.apiUrl}/v1/unsubscribe?token=${encodeURIComponent(signToken(stack.signingKeys, 'unsubscribe', { leadId: dee.leadId, subscription: 'events' }))}`;
    expect((await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' })).status).toBe(200);
    await planned(id, [dee.leadId]);
    expect(await eventually(async () => ((await campaign(id)).skipped === 1 ? true : undefined))).toBe(true);
    expect(await mailsTo(dee.email)).toHaveLength(0);
  });
});

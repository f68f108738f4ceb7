import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CampaignSending } from '../../src/app/campaign-sending';
import { MarketingSendGate } from '../../src/app/marketing-send-gate';
import type { Campaign } from '../../src/domain/campaigns/campaign';
import type { CampaignRecipientsPlannedDetail } from '../../src/domain/events';
import type { Lead } from '../../src/domain/lead';
import { MemoryCampaigns, MemoryDeferrals, MemoryLeads, MemoryLog, MemoryMailer, MemorySendLedger, MemorySendPolicy, MemoryTemplates } from './in-memory';
import { SEEDED_CATALOGUE } from '../../src/domain/subscriptions';

const ABANDONED_CLAIM_MS = 240_000;
const campaign = { id: 'c-1', name: 'Webinar', subscription: 'events', status: 'sending', template: { subject: 'Hi {{ lead.firstName | "there" }}', html: '<p>Hello</p>' }, createdAt: '2026-11-20T00:00:00Z' } as unknown as Campaign;
const subscriber = (id: string, extra: Partial<Lead> = {}): Lead => ({ id, email: `${id}@example.com`, firstName: 'Ana', subscriptions: { events: 'opted_in' }, version: 1, ...extra }) as Lead;
const planned = (...leadIds: string[]): CampaignRecipientsPlannedDetail => ({ version: 1, correlationId: 'c', campaignId: 'c-1', leadIds });
const named = (name: string, message = name) => Object.assign(new Error(message), { name });

let campaigns: MemoryCampaigns;
let leads: MemoryLeads;
let mailer: MemoryMailer;
let log: MemoryLog;
let suppressed: Set<string>;
let rateAcquired: number;
let sending: CampaignSending;
let policy: MemorySendPolicy;
let ledger: MemorySendLedger;
let deferrals: MemoryDeferrals;

beforeEach(() => {
  // No wait between throttled attempts: what SES answers is decided by the mailer's faults.
  vi.spyOn(Math, 'random').mockReturnValue(0);
  campaigns = new MemoryCampaigns();
  campaigns.campaigns.set('c-1', campaign);
  leads = new MemoryLeads();
  for (const id of ['lead-1', 'lead-2', 'lead-3']) leads.put(subscriber(id));
  mailer = new MemoryMailer();
  log = new MemoryLog();
  suppressed = new Set();
  rateAcquired = 0;
  policy = new MemorySendPolicy();
  ledger = new MemorySendLedger();
  deferrals = new MemoryDeferrals();
  const isSuppressed = async (email: string) => suppressed.has(email);
  sending = new CampaignSending({
    campaigns,
    templates: new MemoryTemplates(),
    leads,
    gate: new MarketingSendGate({ leads, suppressedAmong: async (emails) => new Set(emails.filter((email) => suppressed.has(email))), policy, ledger, subscriptionTypes: async () => SEEDED_CATALOGUE }),
    deferrals,
    mailer,
    failures: { throttled: (error) => (error as Error).name === 'TooManyRequestsException', stopped: (error) => (error as Error).name === 'SendingPausedException' },
    sendRate: {
      acquire: async () => {
        rateAcquired += 1;
      },
    },
    isSuppressed,
    link: async (path, purpose, claims) => `https://mail.example.com${path}?token=${purpose}.${claims.leadId}`,
    publicBaseUrl: 'https://mail.example.com',
    subscriptionTypes: async () => SEEDED_CATALOGUE,
    log,
    abandonedClaimMs: ABANDONED_CLAIM_MS,
  });
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('sending a planned batch', () => {
  it('sends each recipient one email, however often the batch is retried', async () => {
    await sending.sendPlanned(planned('lead-1', 'lead-2'));
    await sending.sendPlanned(planned('lead-1', 'lead-2'));

    expect(mailer.recipients()).toEqual(['lead-1@example.com', 'lead-2@example.com']);
    expect(mailer.sent[0]).toMatchObject({ subject: 'Hi Ana', tags: { campaign: 'c-1', lead: 'lead-1' } });
    expect(mailer.sent[0]?.headers?.['List-Unsubscribe']).toBe('<https://mail.example.com/v1/unsubscribe?token=unsubscribe.lead-1>');
    expect(mailer.sent[0]?.html).toContain('https://mail.example.com/v1/preferences?token=preferences.lead-1');
    expect(campaigns.counts.get('c-1#sent')).toBe(2);
    expect(rateAcquired).toBe(2);
  });

  it('mails nobody who has not opted in, unsubscribed since planning, is suppressed or is gone, and says why', async () => {
    leads.put(subscriber('lead-1', { subscriptions: { events: 'opted_out' } }));
    leads.put(subscriber('lead-2', { subscriptions: { events: 'pending' } }));
    suppressed.add('lead-3@example.com');
    await sending.sendPlanned(planned('lead-1', 'lead-2', 'lead-3', 'lead-gone'));

    expect(mailer.sent).toEqual([]);
    expect(['lead-1', 'lead-2', 'lead-3', 'lead-gone'].map((leadId) => campaigns.send('c-1', leadId)?.reason)).toEqual(['not_opted_in', 'not_opted_in', 'suppressed', 'no_lead']);
    expect(campaigns.counts.get('c-1#skipped')).toBe(4);
  });

  it('sends nothing and records nothing while the campaign is paused or cancelled', async () => {
    campaigns.campaigns.set('c-1', { ...campaign, status: 'paused' });
    await sending.sendPlanned(planned('lead-1'));

    expect(mailer.sent).toEqual([]);
    expect(campaigns.sends.size).toBe(0);
  });

  it('never sends again a recipient whose send a dead sender left mid-way: counted once as interrupted', async () => {
    const recentClaim = new Date(Date.now() - 1_000).toISOString();
    await campaigns.claimSend('c-1', 'lead-1', recentClaim);
    await campaigns.claimSend('c-1', 'lead-2', new Date(Date.now() - ABANDONED_CLAIM_MS - 1_000).toISOString());
    await sending.sendPlanned(planned('lead-1', 'lead-2'));
    await sending.sendPlanned(planned('lead-1', 'lead-2'));

    expect(mailer.sent).toEqual([]);
    expect(campaigns.send('c-1', 'lead-1')?.status).toBe('sending');
    expect(campaigns.send('c-1', 'lead-2')?.status).toBe('interrupted');
    expect(campaigns.counts.get('c-1#interrupted')).toBe(1);
    expect(log.messages('error')).toEqual(['Send interrupted between record and SES; not sent again, counted as interrupted']);
    // The recent claim is its sender's to finish; it is looked at again once that sender has surely ended.
    const settling = { campaignId: 'c-1', leadIds: ['lead-1'], at: new Date(Date.parse(recentClaim) + ABANDONED_CLAIM_MS).toISOString() };
    expect(deferrals.toSettle).toEqual([settling, settling]);
  });

  it("settles recipients another sender claimed moments ago once it has surely ended: counted as interrupted if it died mid-way, as it left them if it finished, so the campaign's totals reach its recipients", async () => {
    // lead-1's sender died after its claim (a kill -9 of npm start, whose queue sends the batch again at once); lead-2's is still at work.
    await campaigns.claimSend('c-1', 'lead-1', new Date(Date.now() - 1_000).toISOString());
    await campaigns.claimSend('c-1', 'lead-2', new Date(Date.now() - 500).toISOString());
    await sending.sendPlanned(planned('lead-1', 'lead-2', 'lead-3'));
    expect(mailer.sent.map((email) => email.to)).toEqual([['lead-3@example.com']]);
    expect(deferrals.toSettle.map((settling) => settling.leadIds)).toEqual([['lead-1', 'lead-2']]);

    await campaigns.markSent('c-1', 'lead-2', 'message-of-the-other-sender');
    await sending.sendPlanned({ ...planned(...(deferrals.toSettle[0]?.leadIds ?? [])), settleClaims: true });
    await sending.sendPlanned({ ...planned(...(deferrals.toSettle[0]?.leadIds ?? [])), settleClaims: true });

    expect(mailer.sent).toHaveLength(1);
    expect(campaigns.send('c-1', 'lead-1')?.status).toBe('interrupted');
    expect(campaigns.send('c-1', 'lead-2')?.status).toBe('sent');
    expect(campaigns.counts.get('c-1#interrupted')).toBe(1);
    expect(campaigns.counts.get('c-1#sent')).toBe(2);
  });

  it('settles a recipient a dead sender left claimed who would be skipped now (unsubscribed since) as any other: never counted as skipped too', async () => {
    await campaigns.claimSend('c-1', 'lead-1', new Date(Date.now() - 1_000).toISOString());
    await campaigns.claimSend('c-1', 'lead-2', new Date(Date.now() - ABANDONED_CLAIM_MS - 1_000).toISOString());
    for (const id of ['lead-1', 'lead-2']) leads.put(subscriber(id, { subscriptions: { events: 'opted_out' } }));
    await sending.sendPlanned(planned('lead-1', 'lead-2'));

    expect(campaigns.send('c-1', 'lead-2')?.status).toBe('interrupted');
    expect(deferrals.toSettle.map((settling) => settling.leadIds)).toEqual([['lead-1']]);
    await sending.sendPlanned({ ...planned('lead-1'), settleClaims: true });

    expect(mailer.sent).toEqual([]);
    expect(campaigns.send('c-1', 'lead-1')?.status).toBe('interrupted');
    expect(campaigns.counts.get('c-1#interrupted')).toBe(2);
    expect(campaigns.counts.get('c-1#skipped')).toBeUndefined();
  });

  it('sends the recipients of a batch concurrently once the first has gone, each once and within the send rate', async () => {
    const leadIds = Array.from({ length: 25 }, (_, index) => `many-${index}`);
    for (const id of leadIds) leads.put(subscriber(id));
    let inFlight = 0;
    let mostInFlight = 0;
    const send = mailer.send.bind(mailer);
    mailer.send = async (email) => {
      inFlight += 1;
      mostInFlight = Math.max(mostInFlight, inFlight);
      // Every call yields before it answers, as a network call does.
      await new Promise((resolve) => setImmediate(resolve));
      inFlight -= 1;
      return send(email);
    };
    await sending.sendPlanned(planned(...leadIds));
    await sending.sendPlanned(planned(...leadIds));

    expect(mostInFlight).toBe(10);
    expect(mailer.recipients().sort()).toEqual(leadIds.map((id) => `${id}@example.com`).sort());
    expect(campaigns.counts.get('c-1#sent')).toBe(25);
    expect(rateAcquired).toBe(25);
  });

  it("reads a batch's recipients for the send-time policy once, together, not one by one", async () => {
    const leadIds = Array.from({ length: 25 }, (_, index) => `many-${index}`);
    for (const id of leadIds) leads.put(subscriber(id));
    await sending.sendPlanned(planned(...leadIds));

    expect(mailer.recipients()).toHaveLength(25);
    expect(leads.readsOfMany).toEqual([leadIds]);
    expect(ledger.readsOfMany).toBe(1);
    expect(ledger.singleReads).toBe(0);
  });

  it('fails for a campaign that does not exist', async () => {
    await expect(sending.sendPlanned({ ...planned('lead-1'), campaignId: 'c-gone' })).rejects.toThrow('Campaign c-gone not found');
  });
});

describe('when the provider refuses', () => {
  it('backs off while it throttles and sends once it lets the call through, each try within the send rate', async () => {
    mailer.faults.fail('send', named('TooManyRequestsException'), 3);
    await sending.sendPlanned(planned('lead-1'));

    expect(mailer.recipients()).toEqual(['lead-1@example.com']);
    expect(rateAcquired).toBe(4);
    expect(campaigns.send('c-1', 'lead-1')?.status).toBe('sent');
  });

  it('frees the record for the retry when it keeps throttling, having sent nothing', async () => {
    mailer.faults.fail('send', named('TooManyRequestsException'), 5);
    await expect(sending.sendPlanned(planned('lead-1'))).rejects.toThrow('TooManyRequestsException');

    expect(campaigns.send('c-1', 'lead-1')).toBeUndefined();
    await sending.sendPlanned(planned('lead-1'));
    expect(mailer.recipients()).toEqual(['lead-1@example.com']);
  });

  it('starts no further recipient once a call keeps failing, and fails the batch for its retry with nothing sent twice', async () => {
    const leadIds = Array.from({ length: 30 }, (_, index) => `many-${index}`);
    for (const id of leadIds) leads.put(subscriber(id));
    // The second recipient's call fails outright; the ones already under way finish.
    const send = mailer.send.bind(mailer);
    mailer.send = async (email) => {
      if (email.to[0] === 'many-1@example.com') throw named('InternalFailure', 'SES failed');
      await new Promise((resolve) => setImmediate(resolve));
      return send(email);
    };
    await expect(sending.sendPlanned(planned(...leadIds))).rejects.toThrow('SES failed');
    // The first alone, then the 9 started beside the failing one; the other 20 wait for the retry, unrecorded.
    expect(mailer.sent).toHaveLength(10);
    expect(campaigns.sends.size).toBe(10);

    mailer.send = send;
    await sending.sendPlanned(planned(...leadIds));
    expect(mailer.recipients().sort()).toEqual(leadIds.map((id) => `${id}@example.com`).sort());
  });

  it('pauses the campaign, with the reason, when the account is stopped from sending, leaving the rest of the batch unrecorded', async () => {
    mailer.faults.fail('send', named('SendingPausedException'));
    await sending.sendPlanned(planned('lead-1', 'lead-2'));

    expect(campaigns.campaigns.get('c-1')).toMatchObject({ status: 'paused', statusReason: 'SES stopped sending: SendingPausedException' });
    expect(campaigns.sends.size).toBe(0);
    expect(mailer.sent).toEqual([]);
  });
});

describe('a test send', () => {
  it('goes to the named addresses, marked as a test, with links that unsubscribe nobody; never to a suppressed address', async () => {
    suppressed.add('blocked@example.com');
    await sending.sendTest({ version: 1, correlationId: 'c', campaignId: 'c-1', to: ['me@example.com', 'blocked@example.com'], leadId: 'lead-1' });

    expect(mailer.recipients()).toEqual(['me@example.com']);
    expect(mailer.sent[0]).toMatchObject({ subject: '[Test] Hi Ana', tags: { campaign: 'c-1', kind: 'test' } });
    expect(mailer.sent[0]?.headers?.['List-Unsubscribe']).toBe('<https://mail.example.com/v1/unsubscribe?token=test-send>');
    expect(campaigns.sends.size).toBe(0);
  });
});

describe('the send-time policy', () => {
  it('skips a lead at its frequency cap with the reason, and sends the others', async () => {
    policy.policy = { frequencyCap: { maxEmails: 1, periodDays: 7 }, defaultTimeZone: 'UTC' };
    ledger.ledgers.set('lead-1', { sends: [{ key: 'campaign:earlier', at: new Date(Date.now() - 86_400_000).toISOString() }], version: 1 });
    await sending.sendPlanned(planned('lead-1', 'lead-2'));

    expect(mailer.recipients()).toEqual(['lead-2@example.com']);
    expect(campaigns.send('c-1', 'lead-1')).toMatchObject({ status: 'skipped', reason: 'frequency_cap' });
    expect(campaigns.counts.get('c-1#skipped')).toBe(1);
  });

  it('defers recipients in their quiet hours to the end, recording nothing for them, and sends them then', async () => {
    const hour = new Date().getUTCHours();
    // Quiet for the next two hours in UTC, open in a zone 12 hours away.
    policy.policy = { quietHours: { start: `${String(hour).padStart(2, '0')}:00`, end: `${String((hour + 2) % 24).padStart(2, '0')}:00` }, defaultTimeZone: 'UTC' };
    leads.put(subscriber('lead-2', { attributes: { timeZone: hour < 12 ? 'Etc/GMT-12' : 'Etc/GMT+12' } }));
    await sending.sendPlanned(planned('lead-1', 'lead-2', 'lead-3'));

    expect(mailer.recipients()).toEqual(['lead-2@example.com']);
    expect(campaigns.send('c-1', 'lead-1')).toBeUndefined();
    expect(deferrals.deferred).toHaveLength(1);
    expect(deferrals.deferred[0]?.leadIds).toEqual(['lead-1', 'lead-3']);
    expect(Date.parse(deferrals.deferred[0]?.until ?? '')).toBeGreaterThan(Date.now());

    policy.policy = { defaultTimeZone: 'UTC' };
    await sending.sendPlanned(planned(...(deferrals.deferred[0]?.leadIds ?? [])));
    expect(mailer.recipients().sort()).toEqual(['lead-1@example.com', 'lead-2@example.com', 'lead-3@example.com']);
  });

  it('gives the cap its count back when SES refused the email, so the retry sends', async () => {
    policy.policy = { frequencyCap: { maxEmails: 1, periodDays: 7 }, defaultTimeZone: 'UTC' };
    mailer.faults.fail('send', named('MessageRejected'));
    await expect(sending.sendPlanned(planned('lead-1'))).rejects.toThrow();
    expect(ledger.keys('lead-1')).toEqual([]);

    await sending.sendPlanned(planned('lead-1'));
    expect(mailer.recipients()).toEqual(['lead-1@example.com']);
    expect(ledger.keys('lead-1')).toEqual(['campaign:c-1']);
  });
});

import { beforeEach, describe, expect, it } from 'vitest';
import { CampaignSending } from '../../src/app/campaign-sending';
import { MarketingSendGate } from '../../src/app/marketing-send-gate';
import { TemplateTests } from '../../src/app/template-tests';
import { NotFound } from '../../src/domain/errors';
import { DetailType } from '../../src/domain/events';
import type { Lead } from '../../src/domain/lead';
import { MemoryCampaigns, MemoryDeferrals, MemoryLeads, MemoryLog, MemoryMailer, MemoryPublisher, MemorySendLedger, MemorySendPolicy, MemoryTemplates } from './in-memory';
import { SEEDED_CATALOGUE } from '../../src/domain/subscriptions';

const TEMPLATE_ID = '7d1f6a52-4c0e-4a63-9f5b-2f0c8e1a9b10';
const LEAD_ID = '0b8e2c1d-5f3a-4e6b-8c7d-9a0b1c2d3e4f';

let templates: MemoryTemplates;
let leads: MemoryLeads;
let publisher: MemoryPublisher;
let mailer: MemoryMailer;
let campaigns: MemoryCampaigns;
let suppressed: Set<string>;
let tests: TemplateTests;
let sending: CampaignSending;

beforeEach(() => {
  templates = new MemoryTemplates();
  templates.add(TEMPLATE_ID, { subject: 'Old {{ lead.firstName | "there" }}', html: '<p>Version 1</p>' });
  templates.add(TEMPLATE_ID, { subject: 'Hi {{ lead.firstName | "there" }}', html: '<p>Hello {{ lead.company | "your team" }}</p>' });
  leads = new MemoryLeads();
  leads.put({ id: LEAD_ID, email: 'ana@example.com', firstName: 'Ana', company: 'Acme', subscriptions: {}, version: 1 } as unknown as Lead);
  publisher = new MemoryPublisher();
  mailer = new MemoryMailer();
  campaigns = new MemoryCampaigns();
  suppressed = new Set();
  const log = new MemoryLog();
  const isSuppressed = async (email: string) => suppressed.has(email);
  tests = new TemplateTests({ templates, leads, publisher, log });
  sending = new CampaignSending({
    campaigns,
    templates,
    leads,
    gate: new MarketingSendGate({ leads, suppressedAmong: async (emails) => new Set(emails.filter((email) => suppressed.has(email))), policy: new MemorySendPolicy(), ledger: new MemorySendLedger(), subscriptionTypes: async () => SEEDED_CATALOGUE }),
    deferrals: new MemoryDeferrals(),
    mailer,
    failures: { throttled: () => false, stopped: () => false },
    sendRate: { acquire: async () => undefined },
    isSuppressed,
    link: async (path, purpose) => `https://mail.example.com${path}?token=${purpose}`,
    publicBaseUrl: 'https://mail.example.com',
    subscriptionTypes: async () => SEEDED_CATALOGUE,
    log,
    abandonedClaimMs: 240_000,
  });
});

/** What the bus would carry to send-campaign, delivered as it would be. */
async function deliverQueued() {
  for (const detail of publisher.of(DetailType.TemplateTestRequested)) await sending.sendTemplateTest(detail);
}

describe('a template test send', () => {
  it('sends the latest version to the named addresses, personalised with the lead, marked [Test], with an inert unsubscribe link, and records nothing', async () => {
    suppressed.add('blocked@example.com');
    const queued = await tests.request(TEMPLATE_ID, { to: ['me@example.com', 'blocked@example.com'], leadId: LEAD_ID, subscription: 'events' });
    expect(queued).toEqual({ templateId: TEMPLATE_ID, version: 2, to: ['me@example.com', 'blocked@example.com'] });

    await deliverQueued();

    expect(mailer.recipients()).toEqual(['me@example.com']);
    const [email] = mailer.sent;
    expect(email).toMatchObject({ subject: '[Test] Hi Ana', tags: { template: TEMPLATE_ID, kind: 'test' } });
    expect(email?.tags).not.toHaveProperty('lead');
    expect(email?.html).toContain('Hello Acme');
    expect(email?.html).toContain('https://mail.example.com/v1/unsubscribe?token=test-send');
    expect(email?.headers?.['List-Unsubscribe']).toBe('<https://mail.example.com/v1/unsubscribe?token=test-send>');
    expect(campaigns.sends.size).toBe(0);
  });

  it('sends the version named, with the fallbacks when no lead is named', async () => {
    await tests.request(TEMPLATE_ID, { to: ['me@example.com'], version: 1, subscription: 'newsletter' });
    await deliverQueued();

    expect(mailer.sent[0]?.subject).toBe('[Test] Old there');
  });

  it('queues nothing and answers NotFound for an unknown template, version or lead', async () => {
    await expect(tests.request('5e0d0c43-0000-4000-8000-000000000000', { to: ['me@example.com'], subscription: 'newsletter' })).rejects.toThrow(NotFound);
    await expect(tests.request(TEMPLATE_ID, { to: ['me@example.com'], version: 3, subscription: 'newsletter' })).rejects.toThrow(/no version 3/);
    await expect(tests.request(TEMPLATE_ID, { to: ['me@example.com'], leadId: '5e0d0c43-0000-4000-8000-000000000001', subscription: 'newsletter' })).rejects.toThrow(NotFound);
    expect(publisher.events).toEqual([]);
  });
});

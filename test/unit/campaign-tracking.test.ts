import { describe, expect, it } from 'vitest';
import { campaignRates, campaignTracking, reputationPause, SesCampaignEvent } from '../../src/domain/campaigns/tracking';

const sentAt = '2026-11-23T10:00:00.000Z';
const event = (eventType: string, extra: Record<string, unknown> = {}) =>
  SesCampaignEvent.parse({ eventType, mail: { messageId: 'm-1', timestamp: sentAt, tags: { campaign: ['c-1'], lead: ['l-1'] } }, ...extra });

describe('campaignTracking', () => {
  it('maps SES events of a campaign email to its counters', () => {
    expect(campaignTracking(event('Delivery'))).toEqual({ campaignId: 'c-1', leadId: 'l-1', messageId: 'm-1', metric: 'delivered' });
    expect(campaignTracking(event('Bounce'))?.metric).toBe('bounced');
    expect(campaignTracking(event('Send'))?.metric).toBeUndefined();
  });

  it("turns the subscriber's opens and clicks into engagement", () => {
    const click = campaignTracking(event('Click', { click: { timestamp: '2026-11-23T10:05:00.000Z', link: 'https://x.io/pricing', userAgent: 'Mozilla/5.0' } }));
    expect(click).toMatchObject({ metric: 'clicked', engagement: { type: 'email_click', occurredAt: '2026-11-23T10:05:00.000Z', properties: { campaignId: 'c-1', url: 'https://x.io/pricing' } } });
    expect(campaignTracking(event('Open', { open: { timestamp: '2026-11-23T11:00:00.000Z', userAgent: 'Mozilla/5.0' } }))?.engagement?.type).toBe('email_open');
  });

  it('ignores scanners: clicks seconds after sending and security-gateway agents neither count nor score', () => {
    const early = campaignTracking(event('Click', { click: { timestamp: '2026-11-23T10:00:03.000Z', link: 'https://x.io', userAgent: 'Mozilla/5.0' } }));
    expect(early?.scanner).toBe(true);
    expect(early?.metric).toBeUndefined();
    expect(early?.engagement).toBeUndefined();
    expect(campaignTracking(event('Open', { open: { timestamp: '2026-11-23T12:00:00.000Z', userAgent: 'Mimecast Safe Links' } }))).toMatchObject({ scanner: true });
  });

  it('ignores emails that are not from a campaign', () => {
    expect(campaignTracking(SesCampaignEvent.parse({ eventType: 'Delivery', mail: { messageId: 'm', timestamp: sentAt, tags: { kind: ['mql-alert'] } } }))).toBeUndefined();
  });

  it('computes rates against sent or delivered, in percent', () => {
    expect(campaignRates({ sent: 200, delivered: 190, bounced: 10, opened: 95, clicked: 19, complained: 0, unsubscribed: 2 })).toEqual({
      deliveryRate: 95, bounceRate: 5, openRate: 50, clickRate: 10, complaintRate: 0, unsubscribeRate: 1.05,
    });
    expect(campaignRates({}).openRate).toBe(0);
  });
});

describe('reputationPause', () => {
  it('pauses a campaign at a 4% bounce rate once 100 are sent, and at a 0.08% complaint rate once 1,250 are delivered', () => {
    expect(reputationPause({ sent: 99, bounced: 50 })).toBeUndefined();
    expect(reputationPause({ sent: 100, bounced: 3 })).toBeUndefined();
    expect(reputationPause({ sent: 100, bounced: 4 })).toMatch(/^bounce rate 4% reached the 4% limit/);
    expect(reputationPause({ sent: 2000, delivered: 1249, complained: 5 })).toBeUndefined();
    expect(reputationPause({ sent: 2000, delivered: 1250, complained: 1 })).toMatch(/^complaint rate 0\.08% reached/);
    expect(reputationPause({ sent: 2000, delivered: 1900, complained: 1, bounced: 10 })).toBeUndefined();
  });
});

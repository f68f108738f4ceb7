import { describe, expect, it } from 'vitest';
import { SesCampaignEvent } from '../../src/domain/campaigns/tracking';
import { journeyTracking } from '../../src/domain/journeys/tracking';

const sentAt = '2026-11-23T10:00:00.000Z';
const stepTags = { journey: ['welcome'], step: ['hello'], lead: ['l-1'], run: ['2'], seq: ['0'] };
const event = (eventType: string, extra: Record<string, unknown> = {}, tags: Record<string, string[]> = stepTags) =>
  SesCampaignEvent.parse({ eventType, mail: { messageId: 'm-1', timestamp: sentAt, tags }, ...extra });
const open = { open: { timestamp: '2026-11-23T11:00:00.000Z', userAgent: 'Mozilla/5.0' } };
const click = { click: { timestamp: '2026-11-23T11:01:00.000Z', link: 'https://x.io', userAgent: 'Mozilla/5.0' } };

describe('journeyTracking', () => {
  it("names the step run whose email the subscriber opened or clicked", () => {
    expect(journeyTracking(event('Open', open))).toEqual({ key: { journeyId: 'welcome', leadId: 'l-1', run: 2, seq: 0 }, stepId: 'hello', metric: 'opened' });
    expect(journeyTracking(event('Click', click))?.metric).toBe('clicked');
  });

  it('counts no other SES event, no scanner and no email without a step run', () => {
    expect(journeyTracking(event('Delivery'))).toBeUndefined();
    expect(journeyTracking(event('Click', { click: { ...click.click, timestamp: '2026-11-23T10:00:02.000Z' } }))).toBeUndefined();
    expect(journeyTracking(event('Open', { open: { ...open.open, userAgent: 'Mimecast Safe Links' } }))).toBeUndefined();
    expect(journeyTracking(event('Open', open, { journey: ['welcome'], kind: ['notification'] }))).toBeUndefined();
    expect(journeyTracking(event('Open', open, { ...stepTags, seq: ['x1'] }))).toBeUndefined();
    expect(journeyTracking(event('Open', open, { campaign: ['c-1'], lead: ['l-1'] }))).toBeUndefined();
  });
});

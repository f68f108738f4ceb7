import { describe, expect, it } from 'vitest';
import { campaignTracking, SesCampaignEvent } from '../../src/domain/campaigns/tracking';
import { journeyTracking } from '../../src/domain/journeys/tracking';
import { replayScore } from '../../src/domain/scoring/engine';
import { starterRuleset } from '../../src/domain/scoring/starter-ruleset';

const sentAt = '2026-11-23T10:00:00.000Z';
const stepTags = { journey: ['welcome'], step: ['hello'], lead: ['l-1'], run: ['2'], seq: ['0'] };
const event = (eventType: string, extra: Record<string, unknown> = {}, tags: Record<string, string[]> = stepTags) =>
  SesCampaignEvent.parse({ eventType, mail: { messageId: 'm-1', timestamp: sentAt, tags }, ...extra });
const open = { open: { timestamp: '2026-11-23T11:00:00.000Z', userAgent: 'Mozilla/5.0' } };
const click = { click: { timestamp: '2026-11-23T11:01:00.000Z', link: 'https://x.io', userAgent: 'Mozilla/5.0' } };

describe('journeyTracking', () => {
  it("names the step run whose email the subscriber opened or clicked", () => {
    expect(journeyTracking(event('Open', open))).toMatchObject({ key: { journeyId: 'welcome', leadId: 'l-1', run: 2, seq: 0 }, stepId: 'hello', metric: 'opened' });
    expect(journeyTracking(event('Click', click))?.metric).toBe('clicked');
  });

  it('turns the open or click into the engagement event a campaign email gives, with the journey and step as properties', () => {
    expect(journeyTracking(event('Open', open))?.engagement).toEqual({ type: 'email_open', occurredAt: '2026-11-23T11:00:00.000Z', messageId: 'm-1', properties: { journeyId: 'welcome', stepId: 'hello' } });
    expect(journeyTracking(event('Click', click))?.engagement).toEqual({ type: 'email_click', occurredAt: '2026-11-23T11:01:00.000Z', messageId: 'm-1', properties: { journeyId: 'welcome', stepId: 'hello', url: 'https://x.io' } });
  });

  it('scores a journey email click as the rules score a campaign email click', () => {
    const ruleset = { ...starterRuleset, rules: [...starterRuleset.rules, { id: 'email-click', description: 'Clicked an email', score: 'engagement' as const, points: 7, when: { event: { type: ['email_click'] } } }] };
    const journeyClick = journeyTracking(event('Click', click))?.engagement;
    const campaignClick = campaignTracking(event('Click', click, { campaign: ['c-1'], lead: ['l-1'] }))?.engagement;
    if (!journeyClick || !campaignClick) throw new Error('no engagement');
    const scored = (engagement: { type: string; occurredAt: string; properties: Record<string, string> }) =>
      replayScore([{ id: 'e-1', type: engagement.type, occurredAt: engagement.occurredAt, properties: engagement.properties }], {}, ruleset).score?.state().tallies;
    const fromJourney = scored(journeyClick);
    expect(fromJourney).toEqual(scored(campaignClick));
    expect(JSON.stringify(fromJourney)).toContain('email-click');
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

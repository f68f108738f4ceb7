import { CONFIGURED_LIFESPAN } from '../../src/domain/care/lifetime-value';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CampaignDefinition } from '../../src/domain/campaigns/campaign';
import type { Lead } from '../../src/domain/lead';
import { matchesPattern } from '../../src/domain/pattern';
import { purchaseProfile } from '../../src/domain/purchases';
import {
  historyHolds,
  historySince,
  lifecycleStage,
  matchesWhere,
  SegmentDefinition,
  segmentIssues,
  segmentView,
  type HistoryEvent,
  type SegmentRule,
} from '../../src/domain/segments/segment';

const NOW = '2026-11-24T12:00:00.000Z';
const daysAgo = (days: number) => new Date(Date.parse(NOW) - days * 86_400_000).toISOString();
const lead = (extra: Partial<Lead> = {}): Lead => ({
  id: 'lead-1',
  email: 'ana@acme.io',
  createdAt: daysAgo(40),
  updatedAt: daysAgo(1),
  firstTouch: { at: daysAgo(40) },
  lastTouch: { at: daysAgo(1) },
  subscriptions: { events: 'opted_in' },
  version: 3,
  ...extra,
});
const pageView = (url: string, days: number): HistoryEvent => ({ type: 'page_view', occurredAt: daysAgo(days), properties: { url } });
const download = (contentId: string, days: number): HistoryEvent => ({ type: 'content_download', occurredAt: daysAgo(days), properties: { contentId } });
const webinar = (days: number): HistoryEvent => ({ type: 'webinar_registration', occurredAt: daysAgo(days), properties: { webinarId: 'w1' } });

const pricingIn14Days: SegmentRule = { history: [{ event: { type: ['page_view'], properties: { url: [{ wildcard: '*/pricing*' }] } }, withinDays: 14 }] };
const downloadedButNotRegistered: SegmentRule = {
  history: [
    { event: { type: ['content_download'], properties: { contentId: ['ebook-scoring'] } } },
    { event: { type: ['webinar_registration'] }, absent: true },
  ],
};

describe('segment history conditions', () => {
  it('"visited the pricing page in the last 14 days" holds for a visit 10 days ago, not 20', () => {
    expect(historyHolds(pricingIn14Days, [pageView('https://acme.io/pricing', 10)], NOW)).toBe(true);
    expect(historyHolds(pricingIn14Days, [pageView('https://acme.io/pricing', 20)], NOW)).toBe(false);
    expect(historyHolds(pricingIn14Days, [pageView('https://acme.io/blog', 2)], NOW)).toBe(false);
  });

  it('"downloaded X but did not register for the webinar"', () => {
    expect(historyHolds(downloadedButNotRegistered, [download('ebook-scoring', 30)], NOW)).toBe(true);
    expect(historyHolds(downloadedButNotRegistered, [download('ebook-scoring', 30), webinar(3)], NOW)).toBe(false);
    expect(historyHolds(downloadedButNotRegistered, [download('other-ebook', 30)], NOW)).toBe(false);
  });

  it('counts at least N matching events within the window', () => {
    const threeVisits: SegmentRule = { history: [{ event: { type: ['page_view'] }, withinDays: 7, atLeast: 3 }] };
    expect(historyHolds(threeVisits, [pageView('a', 1), pageView('b', 2), pageView('c', 8)], NOW)).toBe(false);
    expect(historyHolds(threeVisits, [pageView('a', 1), pageView('b', 2), pageView('c', 6)], NOW)).toBe(true);
  });

  it('reads history only as far back as its conditions look', () => {
    expect(historySince({}, NOW)).toBeUndefined();
    expect(historySince(pricingIn14Days, NOW)).toBe(daysAgo(14));
    expect(historySince(downloadedButNotRegistered, NOW)).toBe('');
  });

  it('does not depend on the order events are read in', () => {
    const event = fc.record({
      type: fc.constantFrom('page_view', 'content_download', 'webinar_registration'),
      days: fc.integer({ min: 0, max: 40 }),
      url: fc.constantFrom('https://acme.io/pricing', 'https://acme.io/blog'),
    }).map(({ type, days, url }): HistoryEvent => ({ type, occurredAt: daysAgo(days), properties: type === 'page_view' ? { url } : { contentId: 'ebook-scoring' } }));
    fc.assert(
      fc.property(fc.array(event, { maxLength: 12 }), fc.infiniteStream(fc.nat()), (events, keys) => {
        const shuffled = events.map((item) => ({ item, key: keys.next().value as number })).sort((a, b) => a.key - b.key).map(({ item }) => item);
        for (const rule of [pricingIn14Days, downloadedButNotRegistered]) expect(historyHolds(rule, shuffled, NOW)).toBe(historyHolds(rule, events, NOW));
      }),
    );
  });
});

describe('segment view', () => {
  const score = { fit: 55, engagement: 40, total: 95, grade: 'B' as const, qualified: false };

  it('shows the lead, its scores now, its activity, custom attributes and purchases to `where`', () => {
    const view = segmentView(
      lead({ industry: 'SaaS', attributes: { plan: 'pro', seats: 12 }, score: { engagementAt: daysAgo(3), eventCount: 7 } as Lead['score'] }),
      score,
      purchaseProfile({ count: 4, total: 1_200, currency: 'USD', firstAt: daysAgo(300), lastAt: daysAgo(20) }, NOW),
      NOW,
      CONFIGURED_LIFESPAN,
    );
    expect(view).toMatchObject({
      lead: { industry: 'SaaS', attributes: { plan: 'pro', seats: 12 }, stage: 'subscriber', emailDomain: 'acme.io', daysSinceCreated: 40 },
      score: { total: 95, grade: 'B', qualified: false },
      activity: { eventCount: 7, daysSinceLastEvent: 3 },
      purchases: { count: 4, lifetimeValue: 1_200, rfmSegment: 'champions' },
    });
    const engagedSaasOnPro = { lead: { industry: ['SaaS'], attributes: { plan: ['pro'] } }, score: { total: [{ numeric: ['>=', 90] }], grade: ['A', 'B'] }, activity: { daysSinceLastEvent: [{ numeric: ['<=', 7] }] } };
    expect(matchesWhere({ where: engagedSaasOnPro }, view)).toBe(true);
    expect(matchesWhere({ where: { purchases: { rfmSegment: ['champions', 'loyal'] } } }, view)).toBe(true);
    expect(matchesWhere({ where: { purchases: { rfmSegment: ['potential_loyalists', 'new_customers'] } } }, view)).toBe(false);
    expect(matchesWhere({}, view)).toBe(true);
  });

  it('names the lifecycle stage: the recorded one; else customer once bought, mql while qualified, lead or subscriber', () => {
    const fromForm = lead({ firstTouch: { at: daysAgo(40), formId: 'demo' } });
    expect(lifecycleStage(fromForm, false)).toBe('lead');
    expect(lifecycleStage(lead(), false)).toBe('subscriber');
    expect(lifecycleStage(fromForm, true)).toBe('mql');
    expect(lifecycleStage(lead({ purchases: { count: 1, total: 99, currency: 'USD', firstAt: NOW, lastAt: NOW } }), true)).toBe('customer');
    expect(lifecycleStage({ ...fromForm, stage: 'sql' }, true)).toBe('sql');
    expect(lifecycleStage({ ...fromForm, stage: 'recycled' }, false)).toBe('recycled');
  });

  it('gives a lead never scored zero scores and no recency, so recency conditions leave it out', () => {
    const view = segmentView(lead(), undefined, purchaseProfile(undefined, NOW), NOW, CONFIGURED_LIFESPAN);
    expect(view).toMatchObject({ score: { total: 0, qualified: false }, activity: { eventCount: 0 } });
    expect(matchesPattern({ activity: { daysSinceLastEvent: [{ numeric: ['<', 30] }] } }, view)).toBe(false);
  });
});

describe('segment validation', () => {
  it('refuses conditions that can never match, each at its path', () => {
    const issues = segmentIssues({
      where: { lead: { industy: ['SaaS'] }, score: { grade: [{ numeric: ['>', 1] }] }, profile: { a: ['b'] } },
      history: [{ event: { typ: ['page_view'] } }],
    });
    expect(issues).toEqual(expect.arrayContaining([
      { path: ['where', 'lead', 'industy'], message: expect.stringMatching(/unknown field `industy`/) },
      { path: ['where', 'score', 'grade'], message: expect.stringMatching(/numeric compares numbers but the field holds text/) },
      { path: ['where', 'profile'], message: expect.stringMatching(/nothing a segment can look at/) },
      { path: ['history', 0, 'event', 'typ'], message: expect.stringMatching(/unknown field `typ`/) },
    ]));
    expect(segmentIssues({ where: { lead: { attributes: { anything: ['x'] } } } })).toEqual([]);
  });

  it('parses a saved segment and names the field at fault', () => {
    expect(SegmentDefinition.safeParse({ name: 'Pricing visitors', ...pricingIn14Days }).success).toBe(true);
    const both = SegmentDefinition.safeParse({ name: 'x', history: [{ event: { type: ['a'] }, atLeast: 2, absent: true }] });
    expect(both.error?.issues[0]?.path).toEqual(['history', 0, 'absent']);
    const badOperator = SegmentDefinition.safeParse({ name: 'x', where: { lead: { industry: [{ sounds_like: 'saas' }] } } });
    expect(badOperator.error?.issues[0]?.path).toEqual(['where', 'lead', 'industry[0]']);
  });

  it('campaigns take an inline condition or a saved segment, not both, and check the condition', () => {
    const base = { name: 'c', subscription: 'events', template: { subject: 's', html: '<p>h</p>' } };
    expect(CampaignDefinition.safeParse({ ...base, segment: { score: { grade: ['A'] } } }).success).toBe(true);
    expect(CampaignDefinition.safeParse({ ...base, segment: { lead: { rol: ['CEO'] } } }).error?.issues[0]?.path).toEqual(['segment', 'lead', 'rol']);
    expect(CampaignDefinition.safeParse({ ...base, segment: {}, segmentId: '7c2b4a8e-1f3d-4c5e-9a6b-0d1e2f3a4b5c' }).error?.issues[0]?.path).toEqual(['segmentId']);
  });
});

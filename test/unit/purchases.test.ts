import { CONFIGURED_LIFESPAN } from '../../src/domain/care/lifetime-value';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Lead, PurchaseSummary } from '../../src/domain/lead';
import { segmentView } from '../../src/domain/segments/segment';
import { matchesPattern } from '../../src/domain/pattern';
import { addPurchase, currencyFits, purchaseProfile, RFM_BREAKPOINTS, RFM_SEGMENT_GRID, RFM_SEGMENTS, type Purchase } from '../../src/domain/purchases';

const NOW = '2026-11-24T12:00:00.000Z';
const daysAgo = (days: number) => new Date(Date.parse(NOW) - days * 86_400_000).toISOString();
const bought = (amount: number, at: string, currency = 'USD'): Pick<Purchase, 'amount' | 'currency' | 'purchasedAt'> => ({ amount, currency, purchasedAt: at });
const summaryOf = (purchases: readonly Pick<Purchase, 'amount' | 'currency' | 'purchasedAt'>[]) =>
  purchases.reduce<PurchaseSummary | undefined>((summary, purchase) => addPurchase(summary, purchase), undefined);

const purchaseArbitrary = fc.record({
  amount: fc.integer({ min: 1, max: 10_000_000 }).map((amountInCents) => amountInCents / 100),
  currency: fc.constant('USD'),
  purchasedAt: fc.integer({ min: Date.parse('2020-01-01'), max: Date.parse(NOW) }).map((time) => new Date(time).toISOString()),
});

describe('addPurchase', () => {
  it('starts a summary with the first purchase and moves count, total, first and last', () => {
    const summary = summaryOf([bought(19.99, daysAgo(10)), bought(5.01, daysAgo(40)), bought(100, daysAgo(2))]);
    expect(summary).toEqual({ count: 3, total: 125, currency: 'USD', firstAt: daysAgo(40), lastAt: daysAgo(2) });
  });

  it('refuses a purchase in another currency than the lead keeps', () => {
    const summary = summaryOf([bought(10, daysAgo(1), 'IDR')]);
    expect(currencyFits(summary, 'USD')).toBe(false);
    expect(currencyFits(summary, 'IDR')).toBe(true);
    expect(() => addPurchase(summary, bought(10, daysAgo(1), 'USD'))).toThrow(/USD purchase cannot be added to a IDR summary/);
  });

  it('gives the same summary whatever order purchases arrive in (first and last by purchase time)', () => {
    fc.assert(
      fc.property(fc.array(purchaseArbitrary, { minLength: 1, maxLength: 30 }).chain((purchases) => fc.tuple(fc.constant(purchases), fc.shuffledSubarray(purchases, { minLength: purchases.length }))), ([purchases, shuffled]) => {
        expect(summaryOf(shuffled)).toEqual(summaryOf(purchases));
      }),
    );
  });
});

describe('purchaseProfile', () => {
  it('is a prospect with zero scores when nothing was bought', () => {
    expect(purchaseProfile(undefined, NOW)).toEqual({ count: 0, total: 0, averageOrderValue: 0, lifetimeValue: 0, recency: 0, frequency: 0, monetary: 0, rfmSegment: 'prospect' });
  });

  it('scores recency, frequency and monetary at the documented breakpoints', () => {
    const profile = (days: number, count: number, total: number, currency = 'USD') =>
      purchaseProfile({ count, total, currency, firstAt: daysAgo(days + 1), lastAt: daysAgo(days) }, NOW);
    expect(RFM_BREAKPOINTS.recencyDays.map((days) => [profile(days, 1, 1).recency, profile(days + 1, 1, 1).recency])).toEqual([[5, 4], [4, 3], [3, 2], [2, 1]]);
    expect([1, 2, 3, 4, 5, 9, 10].map((count) => profile(0, count, 1).frequency)).toEqual([1, 2, 3, 3, 4, 4, 5]);
    expect([99.99, 100, 499.99, 500, 1_000, 4_999.99, 5_000].map((total) => profile(0, 1, total).monetary)).toEqual([1, 2, 2, 3, 4, 4, 5]);
    expect([1_000, 1_500_000, 75_000_000].map((total) => profile(0, 1, total, 'IDR').monetary)).toEqual([1, 2, 5]);
  });

  it('reports average order value, lifetime value and days since the last purchase', () => {
    const profile = purchaseProfile(summaryOf([bought(10, daysAgo(100)), bought(20, daysAgo(45)), bought(0.01, daysAgo(45.5))]), NOW);
    expect(profile).toMatchObject({ count: 3, total: 30.01, lifetimeValue: 30.01, averageOrderValue: 10, daysSinceLastPurchase: 45, currency: 'USD', firstAt: daysAgo(100), lastAt: daysAgo(45) });
  });

  it('names the standard segments: loyalists apart from potential customers', () => {
    const segment = (days: number, count: number, total: number) => purchaseProfile({ count, total, currency: 'USD', firstAt: daysAgo(400), lastAt: daysAgo(days) }, NOW).rfmSegment;
    expect(segment(3, 12, 9_000)).toBe('champions');
    expect(segment(60, 6, 2_000)).toBe('loyal');
    expect(segment(5, 2, 300)).toBe('potential_loyalists');
    expect(segment(5, 1, 50)).toBe('new_customers');
    expect(segment(60, 1, 50)).toBe('promising');
    expect(segment(120, 2, 150)).toBe('needs_attention');
    expect(segment(300, 5, 800)).toBe('at_risk');
    expect(segment(500, 15, 10_000)).toBe('cannot_lose');
    expect(segment(300, 1, 50)).toBe('hibernating');
    expect(segment(900, 1, 20)).toBe('lost');
  });

  it('maps every score combination to a known segment', () => {
    const segments = Object.values(RFM_SEGMENT_GRID).flat();
    expect(segments).toHaveLength(25);
    expect(new Set(segments)).toEqual(new Set(RFM_SEGMENTS.filter((segment) => segment !== 'prospect')));
  });

  it('never lowers recency when the last purchase is more recent', () => {
    fc.assert(
      fc.property(fc.array(purchaseArbitrary, { minLength: 1, maxLength: 10 }), purchaseArbitrary, (history, later) => {
        const before = summaryOf(history);
        const after = addPurchase(before, later);
        expect(purchaseProfile(after, NOW).recency).toBeGreaterThanOrEqual(purchaseProfile(before, NOW).recency);
      }),
    );
  });

  it('never lowers frequency (nor monetary) with more purchases', () => {
    fc.assert(
      fc.property(fc.array(purchaseArbitrary, { minLength: 0, maxLength: 20 }), purchaseArbitrary, (history, another) => {
        const before = purchaseProfile(summaryOf(history), NOW);
        const after = purchaseProfile(addPurchase(summaryOf(history), another), NOW);
        expect(after.frequency).toBeGreaterThan(0);
        expect(after.frequency).toBeGreaterThanOrEqual(before.frequency);
        expect(after.monetary).toBeGreaterThanOrEqual(before.monetary);
      }),
    );
  });
});

describe('segment conditions over purchases and attributes', () => {
  const lead = (purchases?: PurchaseSummary): Lead => ({
    id: 'l-1', email: 'a@example.com', createdAt: NOW, updatedAt: NOW, firstTouch: { at: NOW }, lastTouch: { at: NOW }, subscriptions: {}, version: 1,
    attributes: { plan: 'pro', seats: 12 },
    ...(purchases ? { purchases } : {}),
  });
  const loyalists = { purchases: { rfmSegment: ['champions', 'loyal'] } };
  const potential = { purchases: { rfmSegment: ['potential_loyalists', 'new_customers', 'promising'] } };
  /** The lead as a segment's condition sees it now. */
  const view = (candidate: Lead) => segmentView(candidate, undefined, purchaseProfile(candidate.purchases, NOW), NOW, CONFIGURED_LIFESPAN);

  it('tells loyalists from potential customers by segment or by score', () => {
    const champion = lead({ count: 12, total: 9_000, currency: 'USD', firstAt: daysAgo(700), lastAt: daysAgo(3) });
    const newcomer = lead({ count: 1, total: 40, currency: 'USD', firstAt: daysAgo(2), lastAt: daysAgo(2) });
    const prospect = lead();
    expect([champion, newcomer, prospect].map((candidate) => matchesPattern(loyalists, view(candidate)))).toEqual([true, false, false]);
    expect([champion, newcomer, prospect].map((candidate) => matchesPattern(potential, view(candidate)))).toEqual([false, true, false]);
    const frequentRecent = { purchases: { recency: [{ numeric: ['>=', 4] }], frequency: [{ numeric: ['>=', 4] }] } };
    expect(matchesPattern(frequentRecent, view(champion))).toBe(true);
    expect(matchesPattern(frequentRecent, view(newcomer))).toBe(false);
  });

  it('lets a condition name a custom attribute as lead.attributes.<name>', () => {
    expect(matchesPattern({ lead: { attributes: { plan: ['pro'], seats: [{ numeric: ['>=', 10] }] } } }, view(lead()))).toBe(true);
    expect(matchesPattern({ lead: { attributes: { plan: ['free'] } } }, view(lead()))).toBe(false);
  });
});

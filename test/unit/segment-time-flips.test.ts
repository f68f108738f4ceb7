import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CONFIGURED_LIFESPAN } from '../../src/domain/care/lifetime-value';
import type { Lead } from '../../src/domain/lead';
import type { Grade } from '../../src/domain/scoring/ruleset';
import type { CurrentScore, HistoryEvent, SegmentRule } from '../../src/domain/segments/segment';
import { FLIP_HORIZON_MS, memberAt, nextMembershipFlip, OPAQUE_RECHECK_MS, type TimedLead } from '../../src/domain/segments/time-flips';

const DAY = 86_400_000;
const NOW = Date.parse('2026-11-30T12:00:00.000Z');
const HALF_LIFE_DAYS = 14;

/** A score as the engine reads it: engagement decays from the last event, fit stays, the lead qualifies while its total is 50 or more. */
const decaying = (fit: number, engagement: number, engagementAt: string) => (at: string): CurrentScore => {
  const now = Math.max(Date.parse(at), Date.parse(engagementAt));
  const decayed = engagement * 0.5 ** ((now - Date.parse(engagementAt)) / DAY / HALF_LIFE_DAYS);
  const total = fit + decayed;
  const grade: Grade = fit >= 40 ? 'A' : fit >= 20 ? 'B' : 'C';
  return { fit, engagement: decayed, total, grade, qualified: total >= 50 };
};

const leadWith = (options: { createdDaysAgo: number; lastEventDaysAgo?: number; fit: number; engagement: number; lastPurchaseDaysAgo?: number; stage?: 'lead' }): Lead => {
  const iso = (daysAgo: number) => new Date(NOW - daysAgo * DAY).toISOString();
  return {
    id: 'lead-1',
    email: 'jane@example.com',
    createdAt: iso(options.createdDaysAgo),
    updatedAt: iso(0),
    firstTouch: { at: iso(options.createdDaysAgo), formId: 'form-1' },
    lastTouch: { at: iso(options.createdDaysAgo) },
    subscriptions: {},
    ...(options.stage ? { stage: options.stage } : {}),
    ...(options.lastEventDaysAgo !== undefined
      ? { score: { rulesetVersion: 'v1', fit: options.fit, engagement: options.engagement, engagementAt: iso(options.lastEventDaysAgo), eventCount: 3, grade: 'B', total: options.fit + options.engagement, qualified: false, qualifications: 0, tallies: {} } }
      : {}),
    ...(options.lastPurchaseDaysAgo !== undefined ? { purchases: { count: 2, total: 300, currency: 'EUR', firstAt: iso(options.lastPurchaseDaysAgo + 30), lastAt: iso(options.lastPurchaseDaysAgo) } } : {}),
  } as unknown as Lead;
};

const subjectOf = (lead: Lead, events: HistoryEvent[]): TimedLead => ({
  lead,
  events,
  scoreAt: lead.score ? decaying(lead.score.fit, lead.score.engagement, lead.score.engagementAt) : () => undefined,
  lifespan: CONFIGURED_LIFESPAN,
});

const days = fc.double({ min: 0, max: 400, noNaN: true });
const comparison = fc.constantFrom('<', '<=', '>', '>=');
const numeric = (bound: fc.Arbitrary<number>) => fc.tuple(comparison, bound).map(([operator, value]) => [{ numeric: [operator, value] }]);

/** A condition over one of the fields that change with time alone. */
const timedCondition = fc.oneof(
  numeric(days).map((leaf) => ({ lead: { daysSinceCreated: leaf } })),
  numeric(days).map((leaf) => ({ activity: { daysSinceLastEvent: leaf } })),
  numeric(fc.double({ min: 0, max: 100, noNaN: true })).map((leaf) => ({ score: { engagement: leaf } })),
  numeric(fc.double({ min: 0, max: 150, noNaN: true })).map((leaf) => ({ score: { total: leaf } })),
  fc.boolean().map((qualified) => ({ score: { qualified: [qualified] } })),
  numeric(fc.integer({ min: 0, max: 400 })).map((leaf) => ({ purchases: { daysSinceLastPurchase: leaf } })),
  fc.constantFrom('champion', 'loyal', 'at_risk', 'hibernating', 'lost').map((segment) => ({ purchases: { rfmSegment: [segment] } })),
  fc.constantFrom('lead', 'mql').map((stage) => ({ lead: { stage: [stage] } })),
);

const rule: fc.Arbitrary<SegmentRule> = fc.record(
  {
    where: fc.array(timedCondition, { minLength: 1, maxLength: 3 }).map((conditions) => Object.assign({}, ...conditions.map((condition) => structuredClone(condition)))),
    history: fc.array(
      fc.record({ event: fc.constant({ type: ['page_view'] }), withinDays: fc.option(fc.integer({ min: 1, max: 90 }), { nil: undefined }), atLeast: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }), absent: fc.option(fc.constant(true as const), { nil: undefined }) }).map(({ atLeast, absent, ...condition }) => ({ ...condition, ...(absent ? { absent } : atLeast ? { atLeast } : {}) })),
      { maxLength: 2 },
    ),
  },
  { requiredKeys: [] },
);

const lead = fc
  .record({
    createdDaysAgo: fc.double({ min: 0, max: 300, noNaN: true }),
    lastEventDaysAgo: fc.option(fc.double({ min: 0, max: 100, noNaN: true }), { nil: undefined }),
    fit: fc.integer({ min: 0, max: 60 }),
    engagement: fc.integer({ min: -10, max: 120 }),
    lastPurchaseDaysAgo: fc.option(fc.double({ min: 0, max: 400, noNaN: true }), { nil: undefined }),
    stage: fc.option(fc.constant('lead' as const), { nil: undefined }),
  })
  .map((options) => leadWith(options));

/** Events from 100 days ago to 10 days ahead (an event dated ahead counts once its time comes). */
const events = fc
  .array(fc.double({ min: -100, max: 10, noNaN: true }), { maxLength: 6 })
  .map((offsets) => offsets.map((offsetDays, index): HistoryEvent => ({ id: `e${index}`, type: 'page_view', occurredAt: new Date(Math.round(NOW + offsetDays * DAY)).toISOString(), properties: {} })));

describe('nextMembershipFlip: when a segment membership can change with time alone', () => {
  it('membership at every instant before the instant returned equals membership now, and differs at it', () => {
    fc.assert(
      fc.property(rule, lead, events, fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 5, maxLength: 5 }), (segment, candidate, history, fractions) => {
        const subject = subjectOf(candidate, history);
        const now = new Date(NOW).toISOString();
        const member = memberAt(segment, subject, NOW);
        const flip = nextMembershipFlip(segment, subject, now);
        const until = flip ? Date.parse(flip) : NOW + FLIP_HORIZON_MS;
        expect(until).toBeGreaterThan(NOW);
        // Random instants before it, and the last millisecond before it.
        for (const fraction of fractions) expect(memberAt(segment, subject, NOW + Math.floor(fraction * (until - 1 - NOW)))).toBe(member);
        expect(memberAt(segment, subject, until - 1)).toBe(member);
        // And at the instants events enter and leave the windows, where sampling alone could miss a short flip.
        const windows = (segment.history ?? []).flatMap((condition) => (condition.withinDays === undefined ? [0] : [0, condition.withinDays * DAY]));
        for (const event of history) for (const shift of windows) {
          const at = Date.parse(event.occurredAt) + shift;
          if (at > NOW && at < until) expect(memberAt(segment, subject, at)).toBe(member);
        }
        // Not a guess: short of the horizon, membership has flipped at the instant given.
        if (flip && until < NOW + FLIP_HORIZON_MS) expect(memberAt(segment, subject, until)).toBe(!member);
      }),
      { numRuns: 300 },
    );
  });

  it('a lead whose engagement decays below the threshold leaves on the day it does, with no event', () => {
    const segment: SegmentRule = { where: { score: { engagement: [{ numeric: ['>=', 20] }] } } };
    const subject = subjectOf(leadWith({ createdDaysAgo: 30, lastEventDaysAgo: 0, fit: 10, engagement: 40 }), []);
    const flip = nextMembershipFlip(segment, subject, new Date(NOW).toISOString());
    // 40 halves to 20 after one half-life: a member until then, not after.
    expect(Date.parse(flip ?? '')).toBeCloseTo(NOW + HALF_LIFE_DAYS * DAY, -3);
    expect(memberAt(segment, subject, NOW)).toBe(true);
    expect(memberAt(segment, subject, Date.parse(flip ?? ''))).toBe(false);
  });

  it('an event leaving a "within N days" window makes the flip', () => {
    const segment: SegmentRule = { history: [{ event: { type: ['pricing_view'] }, withinDays: 7 }] };
    const occurredAt = new Date(NOW - 2 * DAY).toISOString();
    const subject = subjectOf(leadWith({ createdDaysAgo: 30, fit: 0, engagement: 0 }), [{ id: 'e1', type: 'pricing_view', occurredAt, properties: {} }]);
    expect(nextMembershipFlip(segment, subject, new Date(NOW).toISOString())).toBe(new Date(Date.parse(occurredAt) + 7 * DAY + 1).toISOString());
  });

  it('an event dated ahead makes the flip when its time comes', () => {
    const segment: SegmentRule = { history: [{ event: { type: ['webinar_attended'] } }] };
    const occurredAt = new Date(NOW + 3 * DAY).toISOString();
    const subject = subjectOf(leadWith({ createdDaysAgo: 30, fit: 0, engagement: 0 }), [{ id: 'e1', type: 'webinar_attended', occurredAt, properties: {} }]);
    expect(nextMembershipFlip(segment, subject, new Date(NOW).toISOString())).toBe(occurredAt);
  });

  it('a segment on fields that never change with time has no flip; one on customer fields is looked at again within the hour', () => {
    const subject = subjectOf(leadWith({ createdDaysAgo: 30, fit: 0, engagement: 0 }), []);
    expect(nextMembershipFlip({ where: { lead: { country: ['DE'] } } }, subject, new Date(NOW).toISOString())).toBeUndefined();
    expect(nextMembershipFlip({ where: { customer: { openTickets: [{ numeric: ['>', 0] }] } } }, subject, new Date(NOW).toISOString())).toBe(new Date(NOW + OPAQUE_RECHECK_MS).toISOString());
  });
});

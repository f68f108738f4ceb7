import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { apply, LATE_EVENT_DAYS, replay, rescore, scoreAt, type ScoredEvent, type ScoreState } from '../../src/domain/scoring/engine';
import type { Ruleset } from '../../src/domain/scoring/ruleset';
import { starterRuleset } from '../../src/domain/scoring/starter-ruleset';

const decisionMaker = { role: 'VP Marketing', industry: 'SaaS', teamSize: 120, budget: 50_000, country: 'ID' };
const junior = { role: 'Intern', country: 'BR', teamSize: 3 };

const PAGES = ['/pricing', '/demo', '/features/scoring', '/blog/post', '/pricing?plan=team'];
const TYPES = ['page_view', 'page_view', 'content_download', 'webinar_registration', 'chat_message', 'form_submission', 'email_click'];
const START = Date.UTC(2026, 0, 5);

const arbitraryHistory = fc
  .array(
    fc.record({
      type: fc.constantFrom(...TYPES),
      page: fc.constantFrom(...PAGES),
      seconds: fc.integer({ min: 0, max: 400 }),
      minute: fc.integer({ min: 0, max: 60 * 24 * 120 }),
    }),
    { maxLength: 40 },
  )
  .map((raw) =>
    raw.map(({ type, page, seconds, minute }, index): ScoredEvent => ({
      id: `evt-${String(index).padStart(3, '0')}`,
      type,
      occurredAt: new Date(START + minute * 60_000).toISOString(),
      properties: type === 'page_view' ? { url: `https://example.com${page}`, secondsOnPage: seconds } : {},
    })),
  );

/** Any order at all: events may arrive months after later ones. */
const arbitraryArrival = arbitraryHistory.chain((events) =>
  fc.tuple(fc.constant(events), fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length })),
);

/** Each event arrives up to `LATE_EVENT_DAYS` after it happened (to the minute), so events still arrive in any order within that. */
const arbitraryTimelyArrival = arbitraryHistory.chain((events) =>
  fc.array(fc.integer({ min: 0, max: LATE_EVENT_DAYS * 24 * 60 - 1 }), { minLength: events.length, maxLength: events.length }).map((delays) => {
    const arrivals = events.map((event, index) => ({ event, arrivesAt: Date.parse(event.occurredAt) + (delays[index] ?? 0) * 60_000 }));
    return [events, arrivals.sort((a, b) => a.arrivesAt - b.arrivesAt).map(({ event }) => event)] as const;
  }),
);

const applyInArrivalOrder = (events: readonly ScoredEvent[], lead: Record<string, unknown>, ruleset: Ruleset) =>
  events.reduce<ScoreState | undefined>((state, event) => apply(state, { event, lead }, ruleset).state, undefined);

/** The parts of a state that must not depend on arrival order; floating sums agree to 1e-9. */
function expectSameScore(actual: ScoreState | undefined, expected: ScoreState | undefined) {
  expect(actual === undefined).toBe(expected === undefined);
  if (!actual || !expected) return;
  expect(actual.fit).toBe(expected.fit);
  expect(actual.grade).toBe(expected.grade);
  expect(actual.eventCount).toBe(expected.eventCount);
  expect(actual.engagementAt).toBe(expected.engagementAt);
  expect(actual.engagement).toBeCloseTo(expected.engagement, 9);
  expect(actual.total).toBeCloseTo(expected.total, 9);
  expect(Object.keys(actual.tallies).sort()).toEqual(Object.keys(expected.tallies).sort());
  for (const [ruleId, tally] of Object.entries(expected.tallies)) {
    const other = actual.tallies[ruleId];
    expect(other, ruleId).toBeDefined();
    expect({ ruleId, points: other?.points, times: other?.times, hits: other?.hits }).toEqual({ ruleId, points: tally.points, times: tally.times, hits: tally.hits });
    expect(other?.value ?? 0).toBeCloseTo(tally.value, 9);
  }
}

describe('apply one event at a time equals replaying the history', () => {
  it('for random histories arriving in any order within the late-event window (caps, decay, activity rules and all)', () => {
    fc.assert(
      fc.property(arbitraryTimelyArrival, fc.constantFrom(decisionMaker, junior, {}), ([events, arrival], lead) => {
        expectSameScore(applyInArrivalOrder(arrival, lead, starterRuleset), replay(events, lead, starterRuleset).state);
      }),
      { numRuns: 300 },
    );
  });

  it('for events later than the window: every event counted once, no cap exceeded, capped rules counting no more than in time order', () => {
    const capped = new Set(starterRuleset.rules.filter((rule) => rule.cap).map((rule) => rule.id));
    fc.assert(
      fc.property(arbitraryArrival, fc.constantFrom(decisionMaker, junior, {}), ([events, arrival], lead) => {
        const live = applyInArrivalOrder(arrival, lead, starterRuleset);
        const replayed = replay(events, lead, starterRuleset).state;
        expect(live?.eventCount).toBe(replayed?.eventCount);
        expect(live?.engagementAt).toBe(replayed?.engagementAt);
        expect(live?.fit).toBe(replayed?.fit);
        for (const [ruleId, tally] of Object.entries(live?.tallies ?? {})) {
          const inTimeOrder = replayed?.tallies[ruleId];
          if (capped.has(ruleId)) expect(tally.times, ruleId).toBeLessThanOrEqual(inTimeOrder?.times ?? 0);
          else expect(tally.times, ruleId).toBe(inTimeOrder?.times);
        }
        // The same arrival scores the same: a retried message meets the same outcome.
        expect(applyInArrivalOrder(arrival, lead, starterRuleset)).toEqual(live);
      }),
      { numRuns: 300 },
    );
  });

  it('including the qualifications when events arrive in time order', () => {
    fc.assert(
      fc.property(arbitraryHistory, (events) => {
        const ordered = [...events].sort((a, b) => a.occurredAt.localeCompare(b.occurredAt) || a.id.localeCompare(b.id));
        const state = applyInArrivalOrder(ordered, decisionMaker, starterRuleset);
        const replayed = replay(events, decisionMaker, starterRuleset).state;
        expect(state?.qualified).toBe(replayed?.qualified);
        expect(state?.qualifications).toBe(replayed?.qualifications);
        expect(state?.qualifiedAt).toBe(replayed?.qualifiedAt);
      }),
      { numRuns: 200 },
    );
  });

  it('counts the earliest events of a capped period, whichever arrived first', () => {
    const view = (id: string, day: string): ScoredEvent => ({ id, type: 'page_view', occurredAt: `2026-11-${day}T10:00:00.000Z`, properties: { url: 'https://example.com/pricing' } });
    // 2026-11-09 is a Monday: the week's cap of 3 keeps the 10th, 11th and 12th.
    const week = [view('d', '13'), view('c', '12'), view('b', '11'), view('a', '10')];
    const state = applyInArrivalOrder(week, {}, starterRuleset);
    expect(state && scoreAt(state, {}, starterRuleset, state.engagementAt).tallies['pricing-page']?.hits.map((hit) => hit.eventId)).toEqual(['a', 'b', 'c']);
    expect(state?.tallies['pricing-page']?.points).toBe(30);
  });

  it('scores each event once even when the history lists it twice', () => {
    const once: ScoredEvent = { id: 'x', type: 'webinar_registration', occurredAt: '2026-11-01T00:00:00.000Z', properties: {} };
    expect(replay([once, once], {}, starterRuleset).state?.tallies['webinar-registration']?.times).toBe(1);
  });

  it('refuses to add events to a state scored by another ruleset', () => {
    const event: ScoredEvent = { id: 'x', type: 'chat_message', occurredAt: '2026-11-01T00:00:00.000Z', properties: {} };
    const { state } = apply(undefined, { event, lead: {} }, starterRuleset);
    expect(() => apply(state, { event: { ...event, id: 'y' }, lead: {} }, { ...starterRuleset, version: 'v2' })).toThrow(/replay/);
  });
});

describe('rescore under a new ruleset', () => {
  const history: ScoredEvent[] = [
    { id: '1', type: 'page_view', occurredAt: '2026-11-20T10:00:00.000Z', properties: { url: 'https://example.com/demo' } },
    { id: '2', type: 'page_view', occurredAt: '2026-11-20T10:01:00.000Z', properties: { url: 'https://example.com/demo' } },
    { id: '3', type: 'webinar_registration', occurredAt: '2026-11-20T10:02:00.000Z', properties: {} },
    { id: '4', type: 'form_submission', occurredAt: '2026-11-20T10:03:00.000Z', properties: {} },
  ];
  const lead = { role: 'VP Sales', industry: 'SaaS', teamSize: 120 };
  const now = '2026-11-21T00:00:00.000Z';
  const stricter: Ruleset = { ...starterRuleset, version: 'stricter', mql: { ...starterRuleset.mql, minScore: 200, recycleBelowScore: 150 } };
  const generous: Ruleset = { ...starterRuleset, version: 'generous', mql: { ...starterRuleset.mql, minScore: 60, recycleBelowScore: 40 } };

  it('keeps the qualification of a lead that still qualifies: no second alert', () => {
    const before = replay(history, lead, starterRuleset).state;
    expect(before?.qualified).toBe(true);
    const change = rescore(before, history, lead, { ...starterRuleset, version: 'starter-2' }, now);
    expect(change?.qualified).toBeUndefined();
    expect(change?.state).toMatchObject({ rulesetVersion: 'starter-2', qualified: true, qualifications: 1, qualifiedAt: before?.qualifiedAt });
  });

  it('rescoring twice is the same as once (a retried message)', () => {
    const before = replay(history.slice(0, 2), lead, starterRuleset).state;
    const first = rescore(before, history.slice(0, 2), lead, generous, now);
    expect(first?.qualified).toMatchObject({ qualification: 1, qualifiedAt: now });
    expect(first?.qualified?.topContributors[0]).toMatchObject({ ruleId: 'demo-page', description: 'Demo page view', points: 30, times: 2 });
    const second = rescore(first?.state, history.slice(0, 2), lead, generous, now);
    expect(second?.qualified).toBeUndefined();
    expect(second?.state.qualifications).toBe(1);
  });

  it('drops a lead out when the new criteria are not met', () => {
    const before = replay(history, lead, starterRuleset).state;
    const change = rescore(before, history, lead, stricter, now);
    expect(change?.state.qualified).toBe(false);
    expect(change?.state.qualifiedAt).toBeUndefined();
    expect(change?.state.qualifications).toBe(1);
  });

  it('reads decay at the time of rescoring: a lead that went cold does not qualify', () => {
    const change = rescore(undefined, history, lead, generous, '2027-06-01T00:00:00.000Z');
    expect(change?.qualified).toBeUndefined();
    expect(scoreAt(change?.state as ScoreState, lead, generous, '2027-06-01T00:00:00.000Z').total).toBeLessThan(60);
  });
});

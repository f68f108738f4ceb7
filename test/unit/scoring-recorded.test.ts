import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Backtest, type LeadOutcome } from '../../src/domain/scoring/backtest';
import { apply, replay, rescore, scoreAt, topContributorsOf, type Qualification, type ScoredEvent, type ScoreState } from '../../src/domain/scoring/engine';
import type { Rule, Ruleset } from '../../src/domain/scoring/ruleset';
import { starterRuleset } from '../../src/domain/scoring/starter-ruleset';
import { validateRuleset } from '../../src/domain/scoring/validate';

/**
 * The engine's results on a recorded history: a history generated from a fixed seed is scored and
 * back-tested, and the results must equal, to the last bit, those recorded in the fixture. Faster
 * evaluation must not change a single score. Results are compared as users see them (scores,
 * qualifications, each rule's ledger line and latest events, the alert's top contributors), not in
 * the form a state is stored in, so a change of storage is checked against the same figures. Live
 * applies see events out of time order, each up to 7 days late. When a change of results is intended, record them
 * anew with `RECORD_SCORING_FIXTURE=1 npx vitest run test/unit/scoring-recorded.test.ts` and say why
 * in the commit.
 */
const FIXTURE = new URL('../fixtures/scoring-recorded.json', import.meta.url);

const PAGES = ['pricing', 'demo', 'features/scoring', 'features/segments', 'blog/post-1', 'docs/api', 'careers', 'pricing?plan=team'];
const TYPES = ['page_view', 'page_view', 'page_view', 'content_download', 'webinar_registration', 'chat_message', 'email_click', 'email_open', 'form_submission'];
const ROLES = ['CEO', 'VP Marketing', 'Head of Sales', 'Marketing Manager', 'Intern', 'Engineer', 'Director of Ops', 'junior analyst'];
const INDUSTRIES = ['SaaS', 'Retail', 'Fintech', 'Education', 'Manufacturing', 'software'];
const COUNTRIES = ['US', 'DE', 'ID', 'BR', 'IN', 'GB'];
const START = Date.UTC(2026, 7, 20);
const DAY = 86_400_000;
const window = { from: '2026-09-01T00:00:00.000Z', to: '2026-11-01T00:00:00.000Z' };
const teams = new Map([
  ['emea', ['rep-anna', 'rep-ben', 'rep-chloe']],
  ['apac', ['rep-dewi']],
  ['latam', []],
]);

/** mulberry32: a small seeded generator, so every run builds the same history. */
function seeded(seed: number) {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** The starter's rules and more of every kind and operator: caps with and without periods, `$or`, negative event points. */
function broadRuleset(): Ruleset {
  const extra: Rule[] = [];
  for (let index = 0; index < 30; index += 1) {
    const page = PAGES[index % PAGES.length] ?? 'pricing';
    const variants: Rule[] = [
      { id: `page-${index}`, description: `Visited ${page}`, score: 'engagement', points: 2, cap: { max: 3, periodDays: 7 }, when: { event: { type: ['page_view'], properties: { url: [{ wildcard: `*/${page}*` }] } } } },
      { id: `long-read-${index}`, description: 'Long read', score: 'engagement', points: 3, when: { event: { type: ['page_view'], properties: { secondsOnPage: [{ numeric: ['>=', 60 + index, '<', 3600] }] } } } },
      { id: `email-${index}`, description: 'Email engagement', score: 'engagement', points: 1, cap: { max: 10 }, when: { event: { type: [{ prefix: 'email_' }] }, lead: { country: [{ 'anything-but': ['BR'] }] } } },
      { id: `role-${index}`, description: 'Role family', score: 'fit', points: 1, when: { lead: { role: [{ 'equals-ignore-case': ROLES[index % ROLES.length] ?? 'CEO' }] } } },
      { id: `known-company-${index}`, description: 'Company known', score: 'fit', points: 1, when: { lead: { company: [{ exists: true }], teamSize: [{ numeric: ['>', index] }] } } },
      { id: `quiet-${index}`, description: 'Quiet for a while', score: 'engagement', points: -1, when: { activity: { daysSinceLastEvent: [{ numeric: ['>=', 7 + index] }] } } },
      { id: `either-${index}`, description: 'Demo or webinar', score: 'engagement', points: 4, cap: { max: 2, periodDays: 14 }, when: { $or: [{ event: { type: ['webinar_registration'] } }, { event: { properties: { url: [{ suffix: '/demo' }] } } }] } },
      { id: `careers-${index}`, description: 'Job seeker', score: 'engagement', points: -5, cap: { max: 1, periodDays: 30 }, when: { event: { type: ['page_view'], properties: { url: [{ wildcard: '*/careers*' }] } } } },
      { id: `busy-${index}`, description: 'Many events', score: 'engagement', points: 2, when: { activity: { eventCount: [{ numeric: ['>=', 10 + index] }], engagement: [{ numeric: ['>', 20] }] } } },
      { id: `big-fit-${index}`, description: 'Grows fit on events', score: 'fit', points: 2, when: { lead: { budget: [{ numeric: ['>=', 20_000] }], industry: [{ prefix: { 'equals-ignore-case': 'soft' } }] } } },
    ];
    extra.push(variants[index % variants.length] as Rule);
  }
  const validation = validateRuleset({ ...starterRuleset, version: 'broad-1', halfLifeDays: 21, mql: { minScore: 90, minGrade: 'C', recycleBelowScore: 60 }, rules: [...starterRuleset.rules, ...extra] });
  if (!validation.valid) throw new Error(`recorded ruleset invalid: ${JSON.stringify(validation.issues[0])}`);
  return validation.ruleset;
}

interface RecordedLead {
  readonly leadId: string;
  readonly lead: Record<string, unknown>;
  readonly events: ScoredEvent[];
  readonly outcome: LeadOutcome;
}

/**
 * 400 leads and 8,000 events over 75 days, some before the window: redelivered events (same id),
 * events at the same instant, times in other ISO forms, leads recycled, won (before and in the
 * window), owned, routed to a team with reps, to one without, or not routed.
 */
function recordedHistory(): RecordedLead[] {
  const random = seeded(20261130);
  const pick = <T>(values: readonly T[]) => values[Math.floor(random() * values.length)] as T;
  const leads: RecordedLead[] = Array.from({ length: 400 }, (_, index) => {
    const roll = random();
    const outcome: LeadOutcome = {
      ...(roll < 0.06 ? { recycledAt: new Date(START + (15 + Math.floor(random() * 50)) * DAY).toISOString() } : {}),
      ...(roll > 0.9 ? { wonAt: new Date(START + Math.floor(random() * 80) * DAY).toISOString() } : {}),
      ...(index % 5 === 0 ? {} : index % 5 === 1 ? { route: { ownerRepId: 'rep-owner', teamId: 'emea' } } : { route: { teamId: pick(['emea', 'apac', 'latam']) } }),
    };
    return {
      leadId: `lead-${String(index).padStart(4, '0')}`,
      lead: {
        role: pick(ROLES),
        industry: pick(INDUSTRIES),
        country: pick(COUNTRIES),
        teamSize: Math.floor(random() * 500),
        ...(random() < 0.7 ? { company: `Company ${index}` } : {}),
        ...(random() < 0.5 ? { annualRevenue: Math.floor(random() * 3_000_000) } : {}),
        budget: Math.floor(random() * 50_000),
      },
      events: [],
      outcome,
    };
  });
  for (let index = 0; index < 8_000; index += 1) {
    const history = leads[Math.floor(random() ** 1.5 * leads.length)] as RecordedLead;
    const previous = history.events.at(-1);
    const roll = random();
    if (previous && roll < 0.02) {
      history.events.push({ ...previous });
      continue;
    }
    const type = pick(TYPES);
    const at = previous && roll < 0.05 ? Date.parse(previous.occurredAt) : START + Math.floor(random() * 75 * DAY);
    const iso = new Date(at).toISOString();
    history.events.push({
      id: `evt-${index}`,
      type,
      occurredAt: roll > 0.99 ? iso.replace('.000Z', 'Z') : iso,
      properties: type === 'page_view' ? { url: `https://example.com/${pick(PAGES)}`, secondsOnPage: Math.floor(random() * 400) } : {},
    });
  }
  return leads;
}

/** JSON with keys in sorted order, so a digest depends on the values and not on how an object was built. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([key, field]) => [key, canonical(field)]));
  }
  return value;
}
const digest = (value: unknown) => createHash('sha256').update(JSON.stringify(canonical(value))).digest('hex');

/** The longest an event of the recorded history waits before it is scored (a retry, a redrive from a DLQ). */
const MAX_DELAY_MS = 7 * DAY;

/**
 * Live scoring's order: each event arrives up to `MAX_DELAY_MS` after it happened (a seeded delay),
 * so events arrive out of time order; redeliveries included.
 */
function arrivalOrder(events: readonly ScoredEvent[], random: () => number): ScoredEvent[] {
  const arrivals = events.map((event) => ({ event, arrivesAt: Date.parse(event.occurredAt) + Math.floor(random() * MAX_DELAY_MS) }));
  return arrivals.sort((a, b) => a.arrivesAt - b.arrivesAt).map(({ event }) => event);
}

/** The latest event a ledger line lists: the lead page shows the events behind a rule, latest last. */
const LATEST_HITS = 1;

/**
 * A stored state as the results compare it: the score, the qualification and each rule's ledger line
 * (points, times, value), not the bookkeeping a state keeps to apply late events. A state stores only
 * what events earned; fit and activity rules, evaluated from the lead as of the latest event, complete it.
 */
function storedResult(state: ScoreState | undefined, lead: Readonly<Record<string, unknown>>, ruleset: Ruleset) {
  if (!state) return null;
  const { tallies, hitEvents: _eventsBehindHits, ...score } = state;
  const evaluated = Object.entries(scoreAt(state, lead, ruleset, state.engagementAt).tallies).filter(([, line]) => line.kind !== 'event');
  return {
    ...score,
    tallies: Object.fromEntries([
      ...evaluated.map(([ruleId, line]) => [ruleId, { score: line.score, points: line.points, times: line.times, value: line.value }]),
      // An event rule's tally stores no score: event rules always score engagement.
      ...Object.entries(tallies).map(([ruleId, tally]) => [ruleId, { score: tally.score ?? 'engagement', points: tally.points, times: tally.times, value: tally.value }]),
    ]),
    topContributors: topContributorsOf(state, lead, ruleset),
  };
}

/** A score as read (`scoreAt`): totals and each rule's ledger line with its description and latest events. */
function readResult(read: ReturnType<typeof scoreAt>) {
  const { tallies, ...score } = read;
  return {
    ...score,
    tallies: Object.fromEntries(Object.entries(tallies).map(([ruleId, tally]) => {
      const { hits, ...line } = tally;
      return [ruleId, { ...line, latestHits: hits.slice(-LATEST_HITS) }];
    })),
  };
}

const qualificationResult = (qualification: Qualification | undefined) => (qualification ? { qualification: qualification.qualification, qualifiedAt: qualification.qualifiedAt } : null);

function results() {
  const history = recordedHistory();
  const broad = broadRuleset();
  const backtest = new Backtest(broad, starterRuleset, window, teams);
  for (const { leadId, lead, events, outcome } of history) backtest.addLead(leadId, lead, events, outcome);

  const replays: unknown[] = [];
  const arrivals: unknown[] = [];
  const rescores: unknown[] = [];
  const random = seeded(7);
  for (const { leadId, lead, events, outcome } of history) {
    for (const ruleset of [broad, starterRuleset]) {
      const replayed = replay(events, lead, ruleset, outcome.recycledAt);
      replays.push({
        leadId,
        state: storedResult(replayed.state, lead, ruleset),
        qualifications: replayed.qualifications.map(qualificationResult),
        atEnd: replayed.state ? readResult(scoreAt(replayed.state, lead, ruleset, window.to)) : null,
      });
      let state: ScoreState | undefined;
      const changes = arrivalOrder(events, random).map((event) => {
        const change = apply(state, { event, lead }, ruleset);
        state = change.state;
        return { hits: change.hits, qualified: qualificationResult(change.qualified), total: change.state.total };
      });
      arrivals.push({ leadId, state: storedResult(state, lead, ruleset), changes });
    }
    const underStarter = replay(events, lead, starterRuleset).state;
    const change = rescore(underStarter, events, lead, broad, window.to);
    rescores.push({ leadId, change: change ? { state: storedResult(change.state, lead, broad), qualified: qualificationResult(change.qualified), hits: change.hits } : null });
  }
  return { backtest: backtest.report(), replays: digest(replays), arrivals: digest(arrivals), rescores: digest(rescores) };
}

describe('Scoring on a recorded history', () => {
  it('gives the recorded back-test, replays, live applies and rescores exactly', () => {
    const current = JSON.parse(JSON.stringify(results())) as unknown;
    if (process.env.RECORD_SCORING_FIXTURE) writeFileSync(FIXTURE, `${JSON.stringify(current, null, 2)}\n`);
    const recorded = JSON.parse(readFileSync(FIXTURE, 'utf8')) as unknown;
    expect(current).toEqual(recorded);
  });
});

import { matchesPattern } from '../pattern';
import { recycledScore } from './recycle';
import type { Grade, Rule, Ruleset } from './ruleset';
import { GRADES, ruleKind } from './ruleset';

/** An engagement event as scoring sees it: `{ event: ... }` in a rule condition. */
export interface ScoredEvent {
  readonly id: string;
  readonly type: string;
  readonly occurredAt: string;
  readonly properties: Readonly<Record<string, unknown>>;
}

/** What scoring gets for one event: the event and the lead as it is now (`{ event, lead }`). */
export interface ScoringInput {
  readonly event: ScoredEvent;
  readonly lead: Readonly<Record<string, unknown>>;
}

/** An event behind a rule's points. */
export interface Hit {
  readonly eventId: string;
  readonly at: string;
}

/** What one rule contributes to a lead: the ledger line that explains the score. */
export interface RuleTally {
  readonly description: string;
  readonly score: 'fit' | 'engagement';
  readonly kind: 'profile' | 'event' | 'activity';
  /** Points as awarded, before decay. */
  readonly points: number;
  readonly times: number;
  /** What the rule adds to the score as of the state's `engagementAt` (event rules decay). */
  readonly value: number;
  /**
   * Event rules: the events behind the points, oldest first. For a capped rule every hit that counts
   * against the cap (so an earlier event arriving late can take a later one's place); otherwise the
   * latest few.
   */
  readonly hits: readonly Hit[];
}

export interface ScoreState {
  readonly rulesetVersion: string;
  readonly fit: number;
  /** Engagement as of `engagementAt`; `scoreAt` gives its value at any later time. */
  readonly engagement: number;
  /** The time of the latest event applied: decay is measured from here. */
  readonly engagementAt: string;
  readonly eventCount: number;
  readonly grade: Grade;
  readonly total: number;
  readonly qualified: boolean;
  /** How many times this lead has qualified; with the ruleset version it keys the alert. */
  readonly qualifications: number;
  readonly qualifiedAt?: string;
  readonly tallies: Readonly<Record<string, RuleTally>>;
  /**
   * Set when sales sent the lead back to nurture: events that happened before it no longer count, so
   * neither a late event nor a replay (rescoring) gives the lead back the engagement it lost.
   */
  readonly engagementSince?: string;
}

export interface Qualification {
  readonly qualification: number;
  readonly qualifiedAt: string;
}

export interface ScoreChange {
  readonly state: ScoreState;
  /** Set when this change made the lead qualify. */
  readonly qualified?: Qualification;
  /** Rules whose points this event added. */
  readonly hits: readonly string[];
}

const MS_PER_DAY = 86_400_000;
const HITS_SHOWN = 5;
/** Cap periods are consecutive windows counted from a Monday (UTC), so a 7-day period is a calendar week. */
const PERIOD_ORIGIN = Date.UTC(1970, 0, 5);

/** Scores are shown to two decimals; stored values keep full precision so replays stay exact. */
export const round = (value: number) => Math.round(value * 100) / 100;

export function gradeFor(fit: number, ruleset: Pick<Ruleset, 'grades'>): Grade {
  return GRADES.find((grade) => grade === 'F' || fit >= ruleset.grades[grade]) ?? 'F';
}

const gradeAtLeast = (grade: Grade, minimum: Grade) => GRADES.indexOf(grade) <= GRADES.indexOf(minimum);
const meetsCriteria = (score: { total: number; grade: Grade }, ruleset: Ruleset) =>
  score.total >= ruleset.mql.minScore && gradeAtLeast(score.grade, ruleset.mql.minGrade);
const later = (a: string, b: string) => (a >= b ? a : b);
const decayFactor = (fromMs: number, toMs: number, halfLifeDays: number) => (toMs === fromMs ? 1 : 0.5 ** ((toMs - fromMs) / MS_PER_DAY / halfLifeDays));

/** Events in the order replay applies them: by time, then id, so equal times are still one order. */
export function compareEvents(a: { at: string; eventId: string }, b: { at: string; eventId: string }): number {
  if (a.at !== b.at) return a.at < b.at ? -1 : 1;
  return a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0;
}

/** Times are compared as text, so every time the engine keeps is in one form: `toISOString()`. */
const normalised = (at: string) => (at.length === 24 && at.endsWith('Z') ? at : new Date(at).toISOString());

const periodOf = (rule: Rule, at: string) =>
  rule.cap?.periodDays ? Math.floor((Date.parse(at) - PERIOD_ORIGIN) / (rule.cap.periodDays * MS_PER_DAY)) : 0;

/** A lead nobody has scored yet. */
export function initialState(ruleset: Ruleset, at: string): ScoreState {
  return {
    rulesetVersion: ruleset.version,
    fit: 0,
    engagement: 0,
    engagementAt: normalised(at),
    eventCount: 0,
    grade: gradeFor(0, ruleset),
    total: 0,
    qualified: false,
    qualifications: 0,
    tallies: {},
  };
}

interface EventRuleOutcome {
  readonly tally: RuleTally;
  readonly scored: boolean;
}

/**
 * Adds one event to an event rule's tally. A cap keeps the earliest `max` hits of each period, so the
 * result depends on which events arrived, never on the order they arrived in: an earlier event that
 * arrives late takes the place of the latest hit of a full period.
 */
function addEventHit(rule: Rule, tally: RuleTally | undefined, hit: Hit, engagementAt: string, halfLifeDays: number): EventRuleOutcome {
  const hits = tally?.hits ?? [];
  const endMs = Date.parse(engagementAt);
  const worth = (at: string) => rule.points * decayFactor(Date.parse(at), endMs, halfLifeDays);
  const base = { description: rule.description, score: rule.score, kind: 'event' as const };
  if (!rule.cap) {
    const tallyAfter: RuleTally = {
      ...base,
      points: (tally?.points ?? 0) + rule.points,
      times: (tally?.times ?? 0) + 1,
      value: (tally?.value ?? 0) + worth(hit.at),
      hits: [...hits, hit].sort(compareEvents).slice(-HITS_SHOWN),
    };
    return { tally: tallyAfter, scored: true };
  }
  const period = periodOf(rule, hit.at);
  const samePeriod = hits.filter((counted) => periodOf(rule, counted.at) === period);
  const latest = samePeriod.at(-1);
  if (samePeriod.length < rule.cap.max) {
    const tallyAfter: RuleTally = {
      ...base,
      points: (tally?.points ?? 0) + rule.points,
      times: (tally?.times ?? 0) + 1,
      value: (tally?.value ?? 0) + worth(hit.at),
      hits: [...hits, hit].sort(compareEvents),
    };
    return { tally: tallyAfter, scored: true };
  }
  if (!tally || !latest || compareEvents(hit, latest) >= 0) return { tally: tally ?? { ...base, points: 0, times: 0, value: 0, hits: [] }, scored: false };
  const tallyAfter: RuleTally = {
    ...tally,
    value: tally.value - worth(latest.at) + worth(hit.at),
    hits: [...hits.filter((counted) => counted !== latest), hit].sort(compareEvents),
  };
  return { tally: tallyAfter, scored: true };
}

/** Profile facts for activity rules: `{ activity: ... }` in a rule condition. */
function activityOf(eventEngagement: number, eventCount: number, lastEventAt: string, asOf: string) {
  return {
    daysSinceLastEvent: Math.max(0, (Date.parse(asOf) - Date.parse(lastEventAt)) / MS_PER_DAY),
    eventCount,
    engagement: eventEngagement,
  };
}

/** Fit rules over `{ lead }` and activity rules over `{ lead, activity }`: they hold or not, as of now. */
function standingTallies(
  ruleset: Ruleset,
  lead: Readonly<Record<string, unknown>>,
  activity: ReturnType<typeof activityOf>,
): Record<string, RuleTally> {
  const tallies: Record<string, RuleTally> = {};
  for (const rule of ruleset.rules) {
    const kind = ruleKind(rule);
    if (kind === 'event') continue;
    const context = kind === 'profile' ? { lead } : { lead, activity };
    if (!matchesPattern(rule.when, context)) continue;
    tallies[rule.id] = { description: rule.description, score: rule.score, kind, points: rule.points, times: 1, value: rule.points, hits: [] };
  }
  return tallies;
}

/** A rule's tally by id, own properties only: a rule with id `constructor` must not find Object's constructor. */
const tallyOf = (tallies: Readonly<Record<string, RuleTally>>, ruleId: string) => (Object.hasOwn(tallies, ruleId) ? tallies[ruleId] : undefined);

/** Sums tallies into scores, in ruleset order so every path adds the same numbers in the same order. */
function totals(ruleset: Ruleset, tallies: Readonly<Record<string, RuleTally>>) {
  let fit = 0;
  let engagement = 0;
  for (const rule of ruleset.rules) {
    const tally = tallyOf(tallies, rule.id);
    if (!tally) continue;
    if (rule.score === 'fit') fit += tally.value;
    else engagement += tally.value;
  }
  const grade = gradeFor(fit, ruleset);
  return { fit, engagement, total: fit + engagement, grade };
}

/** What event rules add to engagement: the figure activity rules see as `activity.engagement`. */
function eventEngagementOf(ruleset: Ruleset, eventTallies: Readonly<Record<string, RuleTally>>) {
  let engagement = 0;
  for (const rule of ruleset.rules) {
    const tally = tallyOf(eventTallies, rule.id);
    if (tally && tally.score === 'engagement') engagement += tally.value;
  }
  return engagement;
}

/** Event-rule tallies decayed from the state's time to `to`. */
function eventTalliesAt(state: ScoreState, to: string, halfLifeDays: number): Record<string, RuleTally> {
  const factor = decayFactor(Date.parse(state.engagementAt), Date.parse(to), halfLifeDays);
  const tallies: Record<string, RuleTally> = {};
  for (const [ruleId, tally] of Object.entries(state.tallies)) {
    if (tally.kind !== 'event') continue;
    tallies[ruleId] = factor === 1 || tally.score !== 'engagement' ? tally : { ...tally, value: tally.value * factor };
  }
  return tallies;
}

/**
 * The score as of `now`: event points decayed since the latest event, fit and activity rules evaluated
 * against the lead and its activity now. Reading never qualifies a lead, but a qualified lead whose
 * score has decayed below the recycle threshold reads as no longer qualified.
 */
export function scoreAt(state: ScoreState, lead: Readonly<Record<string, unknown>>, ruleset: Ruleset, now: string) {
  const asOf = later(normalised(now), state.engagementAt);
  const eventTallies = eventTalliesAt(state, asOf, ruleset.halfLifeDays);
  const eventEngagement = eventEngagementOf(ruleset, eventTallies);
  const tallies = { ...standingTallies(ruleset, lead, activityOf(eventEngagement, state.eventCount, state.engagementAt, asOf)), ...eventTallies };
  const { fit, engagement, total, grade } = totals(ruleset, tallies);
  return {
    asOf,
    fit,
    engagement,
    total,
    grade,
    qualified: state.qualified && total >= ruleset.mql.recycleBelowScore,
    meetsCriteria: meetsCriteria({ total, grade }, ruleset),
    tallies,
  };
}

/**
 * Applies one event to a lead's score. Event rules over `{ event, lead }` add their points within
 * caps, decayed to the latest event time; fit and activity rules are re-evaluated; the MQL criteria are
 * checked with hysteresis: a qualified lead stays qualified until its score, just before an event,
 * has fallen below the recycle threshold. Pure: the caller stores the state it returns.
 *
 * The score part of the state depends only on the set of events applied, not their order; the
 * qualifications follow the order of arrival, because an alert, once sent, is part of history.
 */
export function apply(previous: ScoreState | undefined, input: ScoringInput, ruleset: Ruleset): ScoreChange {
  const { lead } = input;
  const event = input.event.occurredAt === normalised(input.event.occurredAt) ? input.event : { ...input.event, occurredAt: normalised(input.event.occurredAt) };
  const start = previous ?? initialState(ruleset, event.occurredAt);
  if (start.rulesetVersion !== ruleset.version) {
    throw new Error(`State was scored with ruleset ${start.rulesetVersion}; replay the history under ${ruleset.version} instead`);
  }
  if (start.engagementSince && event.occurredAt < start.engagementSince) return { state: start, hits: [] };
  const arrivedInOrder = event.occurredAt >= start.engagementAt;
  const stillQualified = start.qualified && (!arrivedInOrder || scoreAt(start, lead, ruleset, event.occurredAt).qualified);

  const engagementAt = later(event.occurredAt, start.engagementAt);
  const tallies = eventTalliesAt(start, engagementAt, ruleset.halfLifeDays);
  const hits: string[] = [];
  for (const rule of ruleset.rules) {
    if (ruleKind(rule) !== 'event' || !matchesPattern(rule.when, { event, lead })) continue;
    const outcome = addEventHit(rule, tallyOf(tallies, rule.id), { eventId: event.id, at: event.occurredAt }, engagementAt, ruleset.halfLifeDays);
    if (!outcome.scored) continue;
    tallies[rule.id] = outcome.tally;
    hits.push(rule.id);
  }
  const eventCount = start.eventCount + 1;
  const eventEngagement = eventEngagementOf(ruleset, tallies);
  const allTallies = { ...standingTallies(ruleset, lead, activityOf(eventEngagement, eventCount, engagementAt, engagementAt)), ...tallies };
  const { fit, engagement, total, grade } = totals(ruleset, allTallies);
  const base = {
    rulesetVersion: ruleset.version, fit, engagement, engagementAt, eventCount, grade, total, tallies: allTallies,
    ...(start.engagementSince ? { engagementSince: start.engagementSince } : {}),
  };

  if (!stillQualified && meetsCriteria({ total, grade }, ruleset)) {
    const qualified = { qualification: start.qualifications + 1, qualifiedAt: event.occurredAt };
    return { state: { ...base, qualified: true, qualifications: qualified.qualification, qualifiedAt: qualified.qualifiedAt }, qualified, hits };
  }
  const qualified = stillQualified && total >= ruleset.mql.recycleBelowScore;
  return {
    state: { ...base, qualified, qualifications: start.qualifications, ...(qualified && start.qualifiedAt ? { qualifiedAt: start.qualifiedAt } : {}) },
    hits,
  };
}

export interface Replay {
  readonly state: ScoreState | undefined;
  /** Every time the lead qualified along the way, oldest first. */
  readonly qualifications: readonly Qualification[];
}

/**
 * Scores a whole history from nothing: events in time order, each once. With `recycledAt`, the lead
 * is sent back to nurture at that time, as sales did live: its engagement resets there and only
 * later events earn a new qualification.
 */
export function replay(events: readonly ScoredEvent[], lead: Readonly<Record<string, unknown>>, ruleset: Ruleset, recycledAt?: string): Replay {
  const unique = [...new Map(events.map((event) => [event.id, { ...event, occurredAt: normalised(event.occurredAt) }])).values()];
  unique.sort((a, b) => compareEvents({ at: a.occurredAt, eventId: a.id }, { at: b.occurredAt, eventId: b.id }));
  let state: ScoreState | undefined;
  let recycle = recycledAt ? normalised(recycledAt) : undefined;
  const qualifications: Qualification[] = [];
  for (const event of unique) {
    if (recycle && event.occurredAt >= recycle) {
      if (state) state = recycledScore(state, recycle);
      recycle = undefined;
    }
    const change = apply(state, { event, lead }, ruleset);
    state = change.state;
    if (change.qualified) qualifications.push(change.qualified);
  }
  return { state, qualifications };
}

/**
 * Scores a lead's history under a newly active ruleset. The qualification carries over: a lead that
 * was qualified and still is keeps its qualification (so it is not alerted twice); one that was not
 * and now meets the criteria qualifies anew, as of `now`.
 */
export function rescore(
  previous: ScoreState | undefined,
  events: readonly ScoredEvent[],
  lead: Readonly<Record<string, unknown>>,
  ruleset: Ruleset,
  now: string,
): ScoreChange | undefined {
  const since = previous?.engagementSince;
  const { state: replayed } = replay(since ? events.filter((event) => normalised(event.occurredAt) >= since) : events, lead, ruleset);
  // A recycled lead with nothing since its recycle starts again from nothing under the new ruleset.
  const state = replayed ?? (since ? initialState(ruleset, since) : undefined);
  if (!state) return undefined;
  const current = scoreAt(state, lead, ruleset, now);
  const wasQualified = previous?.qualified ?? false;
  const qualifications = previous?.qualifications ?? 0;
  const base = { ...state, qualifications, ...(since ? { engagementSince: since } : {}) };
  if (wasQualified && current.total >= ruleset.mql.recycleBelowScore) {
    return { state: { ...base, qualified: true, ...(previous?.qualifiedAt ? { qualifiedAt: previous.qualifiedAt } : {}) }, hits: [] };
  }
  if (!wasQualified && current.meetsCriteria) {
    const qualified = { qualification: qualifications + 1, qualifiedAt: now };
    return { state: { ...base, qualified: true, qualifications: qualified.qualification, qualifiedAt: now }, qualified, hits: [] };
  }
  const { qualifiedAt: _dropped, ...unqualified } = base;
  return { state: { ...unqualified, qualified: false }, hits: [] };
}

/** The rules that added the most points, for alerts and explanations. */
export function topContributors(state: Pick<ScoreState, 'tallies'>, count = 3) {
  return Object.entries(state.tallies)
    .filter(([, tally]) => tally.points > 0)
    .sort(([, a], [, b]) => b.points - a.points)
    .slice(0, count)
    .map(([ruleId, tally]) => ({ ruleId, description: tally.description, points: tally.points, times: tally.times }));
}

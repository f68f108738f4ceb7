import { matchesPattern } from '../pattern';
import type { Grade, Rule, Ruleset } from './ruleset';
import { GRADES } from './ruleset';

/** An engagement event as scoring sees it: `{ event: ... }` in a rule condition. */
export interface ScoredEvent {
  readonly id: string;
  readonly type: string;
  readonly occurredAt: string;
  readonly properties: Readonly<Record<string, unknown>>;
}

/** What one rule has contributed to a lead: the ledger line that explains the score. */
export interface RuleTally {
  readonly description: string;
  readonly score: 'fit' | 'engagement';
  /** Points as awarded, before decay. */
  readonly points: number;
  readonly times: number;
  /** Times of the hits still inside the rule's cap period, for `cap.periodDays`. */
  readonly recentHits: readonly string[];
  /** The latest events behind the points (fit rules have none). */
  readonly eventIds: readonly string[];
}

export interface ScoreState {
  readonly rulesetVersion: string;
  readonly fit: number;
  /** Engagement as of `engagementAt`; its value at any later time is `decayed(...)`. */
  readonly engagement: number;
  readonly engagementAt: string;
  readonly grade: Grade;
  readonly total: number;
  readonly qualified: boolean;
  /** How many times this lead has qualified; with the ruleset version it keys the alert. */
  readonly qualifications: number;
  readonly qualifiedAt?: string;
  readonly tallies: Readonly<Record<string, RuleTally>>;
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
const EVENT_IDS_KEPT = 5;

/** Scores are shown to two decimals; stored values keep full precision so replays stay exact. */
export const round = (value: number) => Math.round(value * 100) / 100;

/** Engagement `value` measured at `from`, decayed to `to` with the ruleset's half-life. */
export function decayed(value: number, from: string, to: string, halfLifeDays: number): number {
  const days = (Date.parse(to) - Date.parse(from)) / MS_PER_DAY;
  return value * 0.5 ** (days / halfLifeDays);
}

export function gradeFor(fit: number, ruleset: Ruleset): Grade {
  return GRADES.find((grade) => grade === 'F' || fit >= ruleset.grades[grade]) ?? 'F';
}

const gradeAtLeast = (grade: Grade, minimum: Grade) => GRADES.indexOf(grade) <= GRADES.indexOf(minimum);

function fitOf(lead: Record<string, unknown>, ruleset: Ruleset): { fit: number; tallies: Record<string, RuleTally> } {
  const tallies: Record<string, RuleTally> = {};
  let fit = 0;
  for (const rule of ruleset.rules) {
    if (rule.score !== 'fit' || !matchesPattern(rule.when, { lead })) continue;
    fit += rule.points;
    tallies[rule.id] = { description: rule.description, score: 'fit', points: rule.points, times: 1, recentHits: [], eventIds: [] };
  }
  return { fit, tallies };
}

/** Whether the rule's cap still lets an event at `at` score, given the rule's tally so far. */
function withinCap(rule: Rule, tally: RuleTally | undefined, at: string): boolean {
  if (!rule.cap || !tally) return true;
  if (rule.cap.periodDays === undefined) return tally.times < rule.cap.max;
  const windowStart = Date.parse(at) - rule.cap.periodDays * MS_PER_DAY;
  const hitsInWindow = tally.recentHits.filter((hit) => Date.parse(hit) > windowStart && hit <= at).length;
  return hitsInWindow < rule.cap.max;
}

function recordHit(rule: Rule, tally: RuleTally | undefined, event: ScoredEvent): RuleTally {
  const periodMs = (rule.cap?.periodDays ?? 0) * MS_PER_DAY;
  const hits = [...(tally?.recentHits ?? []), event.occurredAt].sort();
  const latest = Date.parse(hits.at(-1) ?? event.occurredAt);
  // Only hits that can still count against the period cap are kept, so the list stays short.
  const recentHits = periodMs ? hits.filter((hit) => latest - Date.parse(hit) < periodMs) : [];
  return {
    description: rule.description,
    score: 'engagement',
    points: (tally?.points ?? 0) + rule.points,
    times: (tally?.times ?? 0) + 1,
    recentHits,
    eventIds: [...(tally?.eventIds ?? []), event.id].slice(-EVENT_IDS_KEPT),
  };
}

/** A lead nobody has scored yet. */
export function initialState(ruleset: Ruleset, at: string): ScoreState {
  return {
    rulesetVersion: ruleset.version,
    fit: 0,
    engagement: 0,
    engagementAt: at,
    grade: gradeFor(0, ruleset),
    total: 0,
    qualified: false,
    qualifications: 0,
    tallies: {},
  };
}

/**
 * Applies one engagement event to a lead's score: fit is recomputed from the lead as it is now,
 * matching engagement rules add their points (within caps), decayed to the latest event time, and
 * the MQL criteria are checked with hysteresis. Pure: the caller stores the state it returns.
 */
export function applyEvent(
  previous: ScoreState | undefined,
  event: ScoredEvent,
  lead: Record<string, unknown>,
  ruleset: Ruleset,
): ScoreChange {
  const start = previous ?? initialState(ruleset, event.occurredAt);
  const engagementTallies = Object.fromEntries(
    Object.entries(start.tallies).filter(([, tally]) => tally.score === 'engagement'),
  );
  const hits: string[] = [];
  let points = 0;
  for (const rule of ruleset.rules) {
    if (rule.score !== 'engagement' || !matchesPattern(rule.when, { event, lead })) continue;
    if (!withinCap(rule, engagementTallies[rule.id], event.occurredAt)) continue;
    engagementTallies[rule.id] = recordHit(rule, engagementTallies[rule.id], event);
    points += rule.points;
    hits.push(rule.id);
  }

  // Engagement is kept as its value at the latest event time, so events arriving out of order add
  // the same decayed amount they would have added in order.
  const engagementAt = event.occurredAt > start.engagementAt ? event.occurredAt : start.engagementAt;
  const engagement =
    decayed(start.engagement, start.engagementAt, engagementAt, ruleset.halfLifeDays) +
    decayed(points, event.occurredAt, engagementAt, ruleset.halfLifeDays);
  const { fit, tallies: fitTallies } = fitOf(lead, ruleset);
  const grade = gradeFor(fit, ruleset);
  const total = fit + engagement;
  const tallies = { ...fitTallies, ...engagementTallies };
  const base = { rulesetVersion: ruleset.version, fit, engagement, engagementAt, grade, total, tallies };

  const meetsCriteria = total >= ruleset.mql.minScore && gradeAtLeast(grade, ruleset.mql.minGrade);
  if (!start.qualified && meetsCriteria) {
    const qualified = { qualification: start.qualifications + 1, qualifiedAt: event.occurredAt };
    return {
      state: { ...base, qualified: true, qualifications: qualified.qualification, qualifiedAt: qualified.qualifiedAt },
      qualified,
      hits,
    };
  }
  const stillQualified = start.qualified && total >= ruleset.mql.recycleBelowScore;
  return {
    state: {
      ...base,
      qualified: stillQualified,
      qualifications: start.qualifications,
      ...(stillQualified && start.qualifiedAt ? { qualifiedAt: start.qualifiedAt } : {}),
    },
    hits,
  };
}

/** The rules that added the most points, for alerts and explanations. */
export function topContributors(state: ScoreState, count = 3) {
  return Object.entries(state.tallies)
    .filter(([, tally]) => tally.points > 0)
    .sort(([, a], [, b]) => b.points - a.points)
    .slice(0, count)
    .map(([ruleId, tally]) => ({ ruleId, description: tally.description, points: tally.points, times: tally.times }));
}

/** The score as of `now`: engagement decayed since the last event. */
export function currentScore(state: ScoreState, now: string, ruleset: Pick<Ruleset, 'halfLifeDays'>) {
  const asOf = now > state.engagementAt ? now : state.engagementAt;
  const engagement = round(decayed(state.engagement, state.engagementAt, asOf, ruleset.halfLifeDays));
  return { fit: state.fit, engagement, total: round(state.fit + engagement), grade: state.grade };
}

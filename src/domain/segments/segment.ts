import * as z from 'zod/mini';
import { CUSTOMER_FIELDS, customerFields } from '../care/customer';
import type { Lifespan } from '../care/lifetime-value';
import { currentStage, type LifecycleStage } from '../handoff/lifecycle';
import type { Lead } from '../lead';
import { scoringView } from '../lead';
import { matchesPattern, PatternError, validatePattern } from '../pattern';
import type { PurchaseProfile } from '../purchases';
import type { Grade } from '../scoring/ruleset';
import { neverMatching, RULE_CONDITION_FIELDS, type ConditionFields } from '../scoring/validate';
import { conditionRoots } from '../scoring/ruleset';
import { SubscriptionTypeId } from '../subscriptions';

const MS_PER_DAY = 86_400_000;

/**
 * What a segment's `where` condition sees, root by root. The lead's own fields are the scoring
 * rules' (plus custom attributes and the lifecycle stage); `score` is as of now (decayed); `activity`
 * is the lead's recency; `purchases` its buying behaviour with RFM scores; `customer` its tickets,
 * latest NPS and CSAT, churn risk and exit reason ("detractors with an open ticket"), and its projected
 * lifetime value with the formula's inputs.
 */
export const SEGMENT_FIELDS: ConditionFields = {
  lead: { ...RULE_CONDITION_FIELDS.lead, attributes: 'object', stage: 'string', daysSinceCreated: 'number' },
  score: { fit: 'number', engagement: 'number', total: 'number', grade: 'string', qualified: 'any' },
  activity: { daysSinceLastEvent: 'number', eventCount: 'number', lastEventAt: 'string' },
  purchases: {
    count: 'number',
    total: 'number',
    currency: 'string',
    firstAt: 'string',
    lastAt: 'string',
    averageOrderValue: 'number',
    lifetimeValue: 'number',
    daysSinceLastPurchase: 'number',
    recency: 'number',
    frequency: 'number',
    monetary: 'number',
    rfmSegment: 'string',
  },
  customer: CUSTOMER_FIELDS,
};

/** What a history condition's `event` pattern sees: the stored engagement event. */
const EVENT_FIELDS: ConditionFields = { event: RULE_CONDITION_FIELDS.event ?? {} };

export const MAX_HISTORY_DAYS = 730;

/**
 * "Did (or did not) do X": at least `atLeast` events matching `event` in the last `withinDays` days
 * (all recorded history when absent), or none of them with `absent`.
 */
export const HistoryCondition = z
  .strictObject({
    event: z.record(z.string(), z.unknown()).check(z.describe('A pattern over the event: `type`, `properties`, `occurredAt`.')),
    withinDays: z.optional(z.int().check(z.gte(1), z.lte(MAX_HISTORY_DAYS))),
    atLeast: z.optional(z.int().check(z.gte(1), z.lte(1000))),
    absent: z.optional(z.literal(true)),
  }).check(z.refine((condition) => !(condition.absent && condition.atLeast), { message: 'use atLeast or absent, not both', path: ['absent'] }));
export type HistoryCondition = z.infer<typeof HistoryCondition>;

const Condition = z.record(z.string(), z.unknown());

/** Who is in a segment: a condition on the lead as it is now, and conditions on its event history. */
export const SegmentRule = z.strictObject({
  where: z.optional(Condition).check(z.describe('A pattern over `{ lead, score, activity, purchases, customer }`; absent: every lead.')),
  history: z.optional(z.array(HistoryCondition).check(z.maxLength(10, 'must hold at most 10 conditions'))),
});
export type SegmentRule = z.infer<typeof SegmentRule>;

/** Refuses a segment whose conditions are malformed or can never match, each problem at its path. */
const checkConditions = (rule: SegmentRule, context: z.core.$RefinementCtx) => {
  for (const issue of segmentIssues(rule)) context.addIssue({ code: 'custom', path: issue.path, message: issue.message });
};

const SegmentFields = z.extend(SegmentRule, {
  name: z.string().check(z.trim(), z.minLength(1), z.maxLength(200)),
  description: z.optional(z.string().check(z.trim(), z.maxLength(1000))),
  tracked: z.optional(z
    .boolean()).check(z.describe('Membership is kept per lead as leads change (score, profile, stage, events), with `lead.segment_entered` and `lead.segment_left` on the bus: what journeys enter on.')),
});

/** A saved segment as a marketer defines it. */
export const SegmentDefinition = SegmentFields.check(z.superRefine(checkConditions), z.meta({ id: 'SegmentDefinition' }));
export type SegmentDefinition = z.infer<typeof SegmentDefinition>;

/** A new version of a saved segment; `expectedVersion` guards against overwriting someone else's edit. */
export const SegmentUpdate = z.extend(SegmentFields, { expectedVersion: z.optional(z.int().check(z.positive())) }).check(z.superRefine(checkConditions), z.meta({ id: 'SegmentUpdate' }));

/** A definition tried before it is saved, optionally among the subscribers of one type only. */
export const SegmentPreviewRequest = z.extend(SegmentRule, { subscription: z.optional(SubscriptionTypeId) }).check(z.superRefine(checkConditions), z.meta({ id: 'SegmentPreviewRequest' }));

/** One problem of a segment, at its path (`where.lead.industy`, `history.0.event.type`). */
export interface SegmentIssue {
  readonly path: (string | number)[];
  readonly message: string;
}

function patternIssues(pattern: Record<string, unknown>, path: (string | number)[], roots: ConditionFields): SegmentIssue[] {
  try {
    validatePattern(pattern);
  } catch (error) {
    if (!(error instanceof PatternError)) throw error;
    return [{ path: [...path, ...(error.path ? error.path.split('.') : [])], message: error.message.replace(/^[^:]*: /, '') }];
  }
  const issues: SegmentIssue[] = [];
  for (const root of conditionRoots(pattern)) {
    if (!(root in roots)) issues.push({ path: [...path, root], message: `\`${root}\` is nothing a segment can look at; use ${Object.keys(roots).map((name) => `\`${name}\``).join(', ')}` });
  }
  const prefix = path.join('.');
  for (const issue of neverMatching(pattern, prefix, roots)) issues.push({ path: [...path, ...issue.path.slice(prefix.length + 1).split('.')], message: issue.message });
  return issues;
}

/**
 * Everything wrong with a segment's conditions, each at its path: bad operators, unknown roots or
 * fields, conditions no lead can meet. A segment that can never match anyone is refused, not saved.
 */
export function segmentIssues(rule: SegmentRule): SegmentIssue[] {
  const issues = rule.where ? patternIssues(rule.where, ['where'], SEGMENT_FIELDS) : [];
  (rule.history ?? []).forEach((condition, index) => {
    issues.push(...patternIssues({ event: condition.event }, ['history', index], EVENT_FIELDS));
  });
  return issues;
}

/**
 * A lead's place in the lifecycle as segments see it: its recorded stage; for a lead whose stage was
 * never recorded, customer once it has bought, mql while it qualifies, else lead or subscriber.
 */
export function lifecycleStage(lead: Pick<Lead, 'purchases' | 'stage' | 'firstTouch' | 'lastTouch'>, qualified: boolean): LifecycleStage {
  if (lead.stage) return lead.stage;
  if ((lead.purchases?.count ?? 0) > 0) return 'customer';
  return qualified ? 'mql' : currentStage(lead);
}

/** A lead's scores as of now, as the scoring engine reads them (decayed engagement, current grade). */
export interface CurrentScore {
  readonly fit: number;
  readonly engagement: number;
  readonly total: number;
  readonly grade: Grade;
  readonly qualified: boolean;
}

/**
 * The document a segment's `where` is matched against. `purchases` is the lead's purchase profile
 * (RFM and lifetime value) as of `now`; `lifespan` the team's average customer lifespan (learned from
 * churned customers once enough churned) projected lifetime values are computed with.
 */
export function segmentView(lead: Lead, score: CurrentScore | undefined, purchases: PurchaseProfile, now: string, lifespan: Pick<Lifespan, 'years' | 'source'>): Record<string, unknown> {
  const asOf = Date.parse(now);
  const lastEventAt = lead.score?.engagementAt;
  return {
    lead: {
      ...scoringView(lead),
      attributes: lead.attributes ?? {},
      stage: lifecycleStage(lead, score?.qualified ?? false),
      daysSinceCreated: Math.max(0, (asOf - Date.parse(lead.createdAt)) / MS_PER_DAY),
    },
    score: score ? { fit: score.fit, engagement: score.engagement, total: score.total, grade: score.grade, qualified: score.qualified } : { fit: 0, engagement: 0, total: 0, qualified: false },
    activity: {
      eventCount: lead.score?.eventCount ?? 0,
      ...(lastEventAt ? { lastEventAt, daysSinceLastEvent: Math.max(0, (asOf - Date.parse(lastEventAt)) / MS_PER_DAY) } : {}),
    },
    purchases,
    customer: customerFields(lead, now, lifespan),
  };
}

/** Whether the lead as it is now meets the segment's `where`. */
export function matchesWhere(rule: SegmentRule, view: Record<string, unknown>): boolean {
  return !rule.where || matchesPattern(rule.where, view);
}

/** The earliest event time the history conditions look at: undefined for none, '' for all history. */
export function historySince(rule: SegmentRule, now: string): string | undefined {
  const conditions = rule.history ?? [];
  if (conditions.length === 0) return undefined;
  if (conditions.some((condition) => condition.withinDays === undefined)) return '';
  const days = Math.max(...conditions.map((condition) => condition.withinDays ?? 0));
  return new Date(Date.parse(now) - days * MS_PER_DAY).toISOString();
}

/** A recorded event as history conditions see it. */
export interface HistoryEvent {
  readonly type: string;
  readonly occurredAt: string;
  readonly properties: Readonly<Record<string, unknown>>;
  readonly id?: string;
}

/** Whether a lead's events (any order, at least those since `historySince`) meet every history condition. */
export function historyHolds(rule: SegmentRule, events: readonly HistoryEvent[], now: string): boolean {
  const asOf = Date.parse(now);
  return (rule.history ?? []).every((condition) => {
    const since = condition.withinDays === undefined ? -Infinity : asOf - condition.withinDays * MS_PER_DAY;
    let count = 0;
    for (const event of events) {
      const at = Date.parse(event.occurredAt);
      if (at >= since && at <= asOf && matchesPattern({ event: condition.event }, { event })) count += 1;
    }
    return condition.absent ? count === 0 : count >= (condition.atLeast ?? 1);
  });
}

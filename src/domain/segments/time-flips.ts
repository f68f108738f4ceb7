import type { Lifespan } from '../care/lifetime-value';
import type { Lead } from '../lead';
import { purchaseProfile, RFM_BREAKPOINTS } from '../purchases';
import { historyHolds, matchesWhere, segmentView, type CurrentScore, type HistoryEvent, type SegmentRule } from './segment';

const DAY_MS = 86_400_000;
/** How far ahead a flip is looked for: a lead whose next possible flip lies further is looked at again then. */
export const FLIP_HORIZON_MS = 400 * DAY_MS;
/**
 * `customer.*` fields (tickets' ages, projected lifetime value) change with time in ways this module
 * does not model: a segment looking at them is looked at again this often.
 */
export const OPAQUE_RECHECK_MS = 3_600_000;
/** Steps of the score's course looked for, at most: decay moves each bound's side once. */
const SCORE_CHANGES = 16;

/** A lead as time moves on with no new event: its scores at any instant (decayed), its events, the lifespan values are projected with. */
export interface TimedLead {
  readonly lead: Lead;
  /** Its events since at least the furthest history window of the rule looks back from now. */
  readonly events: readonly HistoryEvent[];
  readonly scoreAt: (at: string) => CurrentScore | undefined;
  readonly lifespan: Pick<Lifespan, 'years' | 'source'>;
}

/** Whether the lead is in the segment at `atMs`, nothing changing but time. */
export function memberAt(rule: SegmentRule, subject: TimedLead, atMs: number): boolean {
  const at = new Date(atMs).toISOString();
  // The view (scores decayed, purchases profiled) only when the rule has a condition on it.
  if (rule.where && !matchesWhere(rule, segmentView(subject.lead, subject.scoreAt(at), purchaseProfile(subject.lead.purchases, at), at, subject.lifespan))) return false;
  return historyHolds(rule, subject.events, at);
}

const OPERATOR_KEYS = new Set(['prefix', 'suffix', 'equals-ignore-case', 'numeric', 'anything-but', 'exists', 'wildcard', 'cidr', '$or']);

/** Every number in the `where` pattern, by the dotted path of the field it is compared with (`score.engagement`). */
function numbersByField(pattern: unknown, path: readonly string[] = [], found = new Map<string, number[]>()): Map<string, number[]> {
  if (typeof pattern === 'number') {
    const field = path.join('.');
    found.set(field, [...(found.get(field) ?? []), pattern]);
  } else if (Array.isArray(pattern)) {
    for (const item of pattern) numbersByField(item, path, found);
  } else if (pattern && typeof pattern === 'object') {
    for (const [key, value] of Object.entries(pattern)) numbersByField(value, OPERATOR_KEYS.has(key) ? path : [...path, key], found);
  }
  return found;
}

/** The fields of the `where` pattern, dotted, whatever they are compared with. */
function fieldsOf(pattern: unknown, path: readonly string[] = [], found = new Set<string>()): Set<string> {
  if (Array.isArray(pattern)) for (const item of pattern) fieldsOf(item, path, found);
  else if (pattern && typeof pattern === 'object') {
    for (const [key, value] of Object.entries(pattern)) fieldsOf(value, OPERATOR_KEYS.has(key) ? path : [...path, key], found);
  } else found.add(path.join('.'));
  return found;
}

/** The whole milliseconds around a real instant: a comparison computed in floating point flips at one of them. */
const around = (instant: number) => {
  const whole = Math.floor(instant);
  return [whole - 1, whole, whole + 1, whole + 2];
};

/**
 * The instants after `nowMs` at which something the rule looks at may change with time alone: a
 * "days since" field crossing a bound the rule names (linear in time, or in whole days), an event
 * leaving (or, dated ahead, entering) a history window, the decayed score crossing a bound or
 * changing grade or qualification. Between two consecutive instants membership cannot change.
 * `opaque` says the rule looks at fields whose course is not modelled (`customer.*`).
 */
export function flipCandidates(rule: SegmentRule, subject: TimedLead, nowMs: number, horizonMs: number): { instants: number[]; opaque: boolean } {
  const { lead } = subject;
  const numbers = numbersByField(rule.where ?? {});
  const fields = fieldsOf(rule.where ?? {});
  const instants: number[] = [];
  const linear = (field: string, origin: string | undefined) => {
    if (!origin) return;
    for (const bound of numbers.get(field) ?? []) instants.push(...around(Date.parse(origin) + bound * DAY_MS));
  };
  linear('lead.daysSinceCreated', lead.createdAt);
  linear('activity.daysSinceLastEvent', lead.score?.engagementAt);

  // Whole days since the last purchase: they step at the purchase's time of day.
  const lastPurchase = lead.purchases?.count ? Date.parse(lead.purchases.lastAt) : undefined;
  if (lastPurchase !== undefined) {
    const days = [...(numbers.get('purchases.daysSinceLastPurchase') ?? []).flatMap((bound) => [Math.floor(bound), Math.ceil(bound) + 1])];
    if (fields.has('purchases.recency') || fields.has('purchases.rfmSegment')) days.push(...RFM_BREAKPOINTS.recencyDays.map((limit) => limit + 1));
    for (const day of days) for (const shift of [-1, 0, 1]) instants.push(...around(lastPurchase + (day + shift) * DAY_MS));
  }

  for (const condition of rule.history ?? []) {
    for (const event of subject.events) {
      const at = Date.parse(event.occurredAt);
      if (at > nowMs) instants.push(...around(at));
      // An event already out of the window never comes back into it.
      const leaves = condition.withinDays === undefined ? undefined : at + condition.withinDays * DAY_MS;
      if (leaves !== undefined && leaves + 2 > nowMs) instants.push(...around(leaves));
    }
  }

  // The decayed score (and the stage of a lead whose stage follows its qualification): its course is
  // monotone between events, so each change of which side of a bound it is on is found by bisection.
  const scoreFields = [...fields].filter((field) => field.startsWith('score.'));
  // The stage of a lead with none recorded follows its qualification.
  const qualification = fields.has('score.qualified') || (fields.has('lead.stage') && !lead.stage);
  if ((scoreFields.length || qualification) && lead.score) {
    const bounds = scoreFields.flatMap((field) => (numbers.get(field) ?? []).map((bound) => [field.slice('score.'.length), bound] as const));
    const grade = fields.has('score.grade');
    // Only what the rule looks at: which side of each bound it names, the grade, the qualification.
    const key = (atMs: number) => {
      const score = subject.scoreAt(new Date(atMs).toISOString());
      if (!score) return '';
      const sides = bounds.map(([field, bound]) => {
        const value = (score as unknown as Record<string, number>)[field] ?? 0;
        return value < bound ? '<' : value === bound ? '=' : '>';
      });
      return `${sides.join('')}|${grade ? score.grade : ''}|${qualification ? score.qualified : ''}`;
    };
    let from = nowMs;
    for (let change = 0; change < SCORE_CHANGES; change += 1) {
      const start = key(from);
      if (key(horizonMs) === start) break;
      let low = from;
      let high = horizonMs;
      while (high - low > 1) {
        const middle = Math.floor((low + high) / 2);
        if (key(middle) === start) low = middle;
        else high = middle;
      }
      instants.push(high);
      from = high;
    }
  }
  return { instants, opaque: [...fields].some((field) => field.startsWith('customer.')) };
}

/**
 * The next instant after `now` at which the lead's membership of the segment may flip with time
 * alone (no new event, no change to the lead); undefined when it never does. Membership at every
 * instant before the one returned equals membership now. A rule looking at `customer.*` fields is
 * looked at again within OPAQUE_RECHECK_MS; a flip past FLIP_HORIZON_MS is looked at again then.
 * With `until` (a flip already found for another segment), nothing is looked for past it: the answer
 * is then a flip before it, `until` itself, or undefined.
 */
export function nextMembershipFlip(rule: SegmentRule, subject: TimedLead, now: string, until?: string): string | undefined {
  const nowMs = Date.parse(now);
  const horizonMs = Math.min(nowMs + FLIP_HORIZON_MS, until ? Date.parse(until) : Number.POSITIVE_INFINITY);
  const { instants, opaque } = flipCandidates(rule, subject, nowMs, horizonMs);
  const limitMs = opaque ? Math.min(nowMs + OPAQUE_RECHECK_MS, horizonMs) : horizonMs;
  const member = memberAt(rule, subject, nowMs);
  const ahead = [...new Set(instants)].filter((instant) => instant > nowMs).sort((a, b) => a - b);
  for (const instant of ahead) {
    if (instant > limitMs) return new Date(limitMs).toISOString();
    if (memberAt(rule, subject, instant) !== member) return new Date(instant).toISOString();
  }
  return opaque ? new Date(limitMs).toISOString() : undefined;
}

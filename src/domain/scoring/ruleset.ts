import * as z from 'zod/mini';
import type { EventPattern } from '../pattern';

export const GRADES = ['A', 'B', 'C', 'D', 'F'] as const;
export type Grade = (typeof GRADES)[number];

/**
 * How often an event rule may add points: at most `max` times, or at most `max` times in each period
 * of `periodDays` (periods are consecutive windows from a Monday, UTC: 1 = a day, 7 = a calendar week).
 * The earliest events of a period are the ones that count.
 */
const Cap = z.object({
  max: z.number().check(z.int(), z.positive()),
  periodDays: z.optional(z.number().check(z.positive())),
});

/** Names a ruleset in URLs, keys and alert ids: `2026-11-q4`, `starter-1`. */
export const RulesetVersion = z.string().check(z.regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1-64 letters, digits, ., _ or -'));

export const Rule = z.object({
  id: z.string().check(z.regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be kebab-case, at most 63 characters')),
  description: z.string().check(z.minLength(1), z.maxLength(200)),
  /**
   * `fit` rules look at `{ lead }`. `engagement` rules that name `event` look at `{ event, lead }` and
   * add points per matching event (decayed, capped); the others look at `{ lead, activity }` and hold
   * or not at the time the score is read (for example "no event for 30 days").
   */
  score: z.enum(['fit', 'engagement']),
  /** An EventBridge-style pattern: the one condition language of the product. */
  when: z.record(z.string(), z.unknown()),
  points: z.number().check(z.int(), z.gte(-1000), z.lte(1000), z.refine((points) => points !== 0, 'must not be 0')),
  cap: z.optional(Cap),
});
export type Rule = z.infer<typeof Rule> & { readonly when: EventPattern };

export const Ruleset = z.object({
  version: RulesetVersion,
  /** Engagement halves every this many days, computed on read and write (no nightly job). */
  halfLifeDays: z.number().check(z.positive()),
  /** Minimum fit score for each grade; below D's minimum the grade is F. */
  grades: z.object({ A: z.number(), B: z.number(), C: z.number(), D: z.number() }),
  mql: z.object({
    minScore: z.number(),
    minGrade: z.enum(GRADES),
    /**
     * Hysteresis: a qualified lead stays qualified until its score falls below this, so a lead
     * hovering at the threshold is alerted once; re-crossing `minScore` afterwards is a new qualification.
     */
    recycleBelowScore: z.number(),
  }),
  rules: z.array(Rule).check(z.minLength(1)),
});
export type Ruleset = z.infer<typeof Ruleset> & { readonly rules: readonly Rule[] };

/** The top-level names a condition refers to, `$or` branches included. */
export function conditionRoots(when: Readonly<Record<string, unknown>>): Set<string> {
  const roots = new Set<string>();
  for (const [key, value] of Object.entries(when)) {
    if (key !== '$or') roots.add(key);
    else if (Array.isArray(value)) for (const branch of value) if (branch && typeof branch === 'object') conditionRoots(branch as Record<string, unknown>).forEach((root) => roots.add(root));
  }
  return roots;
}

/** How a rule scores: per event, from the profile, or from the lead's activity as of now. */
export function ruleKind(rule: Pick<Rule, 'score' | 'when'>): RuleKind {
  if (rule.score === 'fit') return 'profile';
  const known = kinds.get(rule.when);
  if (known) return known;
  const kind = conditionRoots(rule.when).has('event') ? 'event' : 'activity';
  kinds.set(rule.when, kind);
  return kind;
}

export type RuleKind = 'profile' | 'event' | 'activity';
const kinds = new WeakMap<object, RuleKind>();

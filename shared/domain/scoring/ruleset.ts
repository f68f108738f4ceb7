import { z } from 'zod';
import type { EventPattern } from '../../manifest/types';

export const GRADES = ['A', 'B', 'C', 'D', 'F'] as const;
export type Grade = (typeof GRADES)[number];

/** How often a rule may add points: at most `max` times, optionally within a sliding `periodDays`. */
const Cap = z.object({
  max: z.number().int().positive(),
  periodDays: z.number().positive().optional(),
});

export const Rule = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be kebab-case, at most 63 characters'),
  description: z.string().min(1).max(200),
  /** `fit` rules look at `{ lead }`; `engagement` rules at `{ event, lead }`. */
  score: z.enum(['fit', 'engagement']),
  /** An EventBridge-style pattern: the one condition language of the product. */
  when: z.record(z.string(), z.unknown()),
  points: z.number().int().min(-1000).max(1000).refine((points) => points !== 0, 'must not be 0'),
  cap: Cap.optional(),
});
export type Rule = z.infer<typeof Rule> & { readonly when: EventPattern };

export const Ruleset = z.object({
  version: z.string().min(1).max(64),
  /** Engagement halves every this many days, computed on read and write (no nightly job). */
  halfLifeDays: z.number().positive(),
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
  rules: z.array(Rule).min(1),
});
export type Ruleset = z.infer<typeof Ruleset> & { readonly rules: readonly Rule[] };

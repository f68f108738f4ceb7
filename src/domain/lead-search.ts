import * as z from 'zod/mini';
import { LIFECYCLE_STAGES, currentStage } from './handoff/lifecycle';
import type { Lead } from './lead';
import { GRADES } from './scoring/ruleset';

/** What the console's lead list filters by; every field optional, all given ones must hold. */
export const LeadFilter = z.object({
  q: z.optional(z.string().check(z.trim(), z.minLength(1, 'must not be empty'), z.maxLength(200, 'must be at most 200 characters'))).check(z.meta({ description: 'Part of the email, name or company (any case).' })),
  stage: z.optional(z.enum(LIFECYCLE_STAGES)),
  grade: z.optional(z.enum(GRADES)),
  owner: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(100))).check(z.meta({ description: "The owning rep's id." })),
  segment: z.optional(z.uuid('must be a segment id (UUID)')).check(z.meta({ description: 'Members of this tracked saved segment only.' })),
});
export type LeadFilter = z.output<typeof LeadFilter>;

const folded = (text: string | undefined) => (text ?? '').toLocaleLowerCase('en');

/** Whether a lead's profile (not its score) matches the filter's text, stage and owner. */
export function profileMatches(lead: Pick<Lead, 'email' | 'firstName' | 'lastName' | 'company' | 'stage' | 'firstTouch' | 'lastTouch' | 'owner'>, filter: LeadFilter): boolean {
  if (filter.stage && currentStage(lead) !== filter.stage) return false;
  if (filter.owner && lead.owner?.repId !== filter.owner) return false;
  if (!filter.q) return true;
  const wanted = folded(filter.q);
  const name = `${lead.firstName ?? ''} ${lead.lastName ?? ''}`;
  return [lead.email, name, lead.company].some((field) => folded(field).includes(wanted));
}

/** Whether a lead matches the whole filter, its stored grade included. */
export const leadMatches = (lead: Lead, filter: LeadFilter): boolean => profileMatches(lead, filter) && (!filter.grade || lead.score?.grade === filter.grade);

/** A lead as the list shows it: who, where in the funnel, whose, and its stored score. */
export function leadSummary(lead: Lead) {
  return {
    id: lead.id,
    email: lead.email,
    ...(lead.firstName ? { firstName: lead.firstName } : {}),
    ...(lead.lastName ? { lastName: lead.lastName } : {}),
    ...(lead.company ? { company: lead.company } : {}),
    createdAt: lead.createdAt,
    stage: currentStage(lead),
    ...(lead.owner ? { owner: { repId: lead.owner.repId, teamId: lead.owner.teamId } } : {}),
    ...(lead.score
      ? { score: { total: lead.score.total, fit: lead.score.fit, engagement: lead.score.engagement, grade: lead.score.grade, qualified: lead.score.qualified, asOf: lead.score.engagementAt } }
      : {}),
  };
}
export type LeadSummary = ReturnType<typeof leadSummary>;

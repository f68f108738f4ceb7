import * as z from 'zod/mini';
import type { RiskBand } from './churn-risk';
import { SURVEY_KINDS, type LatestSatisfaction } from './surveys';
import { ticketsWithin, type Ticket } from './tickets';

/**
 * Triggers as data: a condition on a customer and who hears of it. A trigger fires once per episode:
 * when its condition becomes true; while it stays true nothing more is sent; once it is false again, a
 * later return starts a new episode.
 */
const TriggerCondition = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('satisfaction_below'), survey: z.enum(SURVEY_KINDS), below: z.int().check(z.gte(1), z.lte(10), z.describe('Fires when the latest answer is below this.')) }),
  z.strictObject({ kind: z.literal('tickets_within'), atLeast: z.int().check(z.gte(1), z.lte(1000)), withinDays: z.int().check(z.gte(1), z.lte(365)) }),
  z.strictObject({ kind: z.literal('risk_band'), band: z.enum(['medium', 'high']).check(z.describe('Fires when the churn risk enters this band or a higher one.')) }),
]);
export type TriggerCondition = z.infer<typeof TriggerCondition>;

export const CareTrigger = z.strictObject({
  id: z.string().check(z.regex(/^[a-z][a-z0-9-]{1,39}$/, 'must be 2-40 lower-case letters, digits or -, starting with a letter')),
  when: TriggerCondition,
  notify: z._default(z.enum(['owner', 'inbox']), 'owner').check(z.describe("`owner`: the customer's sales owner when it has one, else the customer-success inbox.")),
});
export type CareTrigger = z.output<typeof CareTrigger>;

export const CareTriggers = z
  .array(CareTrigger).check(z.maxLength(20), z.superRefine((triggers, context) => {
    const seen = new Set<string>();
    triggers.forEach((trigger, index) => {
      if (seen.has(trigger.id)) context.addIssue({ code: 'custom', path: [index, 'id'], message: `repeats ${trigger.id}` });
      seen.add(trigger.id);
    });
  }), z.meta({ id: 'CareTriggers' }));

export const DEFAULT_TRIGGERS: readonly CareTrigger[] = [
  { id: 'detractor', when: { kind: 'satisfaction_below', survey: 'nps', below: 7 }, notify: 'owner' },
  { id: 'unhappy-csat', when: { kind: 'satisfaction_below', survey: 'csat', below: 3 }, notify: 'inbox' },
  { id: 'ticket-pile-up', when: { kind: 'tickets_within', atLeast: 3, withinDays: 14 }, notify: 'inbox' },
  { id: 'high-risk', when: { kind: 'risk_band', band: 'high' }, notify: 'owner' },
];

/** What triggers look at. */
export interface TriggerFacts {
  readonly satisfaction: LatestSatisfaction;
  readonly tickets: readonly Ticket[];
  readonly riskBand: RiskBand;
  readonly riskScore: number;
}

const BAND_ORDER: Readonly<Record<RiskBand, number>> = { low: 0, medium: 1, high: 2 };

/** The reason a trigger's condition holds, or undefined when it does not. */
export function triggerReason(condition: TriggerCondition, facts: TriggerFacts, now: string): string | undefined {
  switch (condition.kind) {
    case 'satisfaction_below': {
      const answer = facts.satisfaction[condition.survey];
      return answer && answer.score < condition.below ? `latest ${condition.survey.toUpperCase()} answer ${answer.score} is below ${condition.below} (${answer.category})` : undefined;
    }
    case 'tickets_within': {
      const count = ticketsWithin(facts.tickets, condition.withinDays, now);
      return count >= condition.atLeast ? `${count} tickets in the last ${condition.withinDays} days (threshold ${condition.atLeast})` : undefined;
    }
    case 'risk_band':
      return BAND_ORDER[facts.riskBand] >= BAND_ORDER[condition.band] ? `churn risk ${facts.riskScore} is in the ${facts.riskBand} band` : undefined;
  }
}

/** The open episodes of a customer's triggers: trigger id -> when the episode started. */
export type Episodes = Readonly<Record<string, string>>;

export interface EpisodeStep {
  /** Every trigger whose condition holds now, with when its episode started. */
  readonly open: Episodes;
  /** Triggers whose episode starts now, with the reasons: each is alerted once. */
  readonly started: readonly { readonly trigger: CareTrigger; readonly reason: string; readonly startedAt: string }[];
  /** Whether `open` differs from the episodes before. */
  readonly changed: boolean;
}

/**
 * The episodes after looking at the customer now: a trigger that holds keeps its episode (or starts
 * one), a trigger that no longer holds ends it. Episodes of triggers since deleted end too.
 */
export function stepEpisodes(triggers: readonly CareTrigger[], before: Episodes | undefined, facts: TriggerFacts, now: string): EpisodeStep {
  const previous = before ?? {};
  const open: Record<string, string> = {};
  const started: { trigger: CareTrigger; reason: string; startedAt: string }[] = [];
  for (const trigger of triggers) {
    const reason = triggerReason(trigger.when, facts, now);
    if (!reason) continue;
    const since = Object.hasOwn(previous, trigger.id) ? previous[trigger.id] : undefined;
    if (since) open[trigger.id] = since;
    else {
      open[trigger.id] = now;
      started.push({ trigger, reason, startedAt: now });
    }
  }
  const keys = (episodes: Episodes) => Object.entries(episodes).sort().join('|');
  return { open, started, changed: keys(open) !== keys(previous) };
}

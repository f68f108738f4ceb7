import type { LeadQualifiedDetail } from '../events';
import { scoringView, type Lead } from '../lead';
import type { Qualification, ScoredEvent, ScoreState } from './engine';
import { rescore, round } from './engine';
import type { Ruleset } from './ruleset';

/** The `lead.qualified` detail for a qualification, naming the rules that carried the lead over. */
export function qualifiedDetail(
  leadId: string,
  state: ScoreState,
  qualification: Qualification,
  correlationId: string,
  signalReceivedAt?: string,
): LeadQualifiedDetail {
  return {
    ...(signalReceivedAt ? { signalReceivedAt } : {}),
    version: 1,
    correlationId,
    leadId,
    rulesetVersion: state.rulesetVersion,
    qualification: qualification.qualification,
    qualifiedAt: qualification.qualifiedAt,
    fit: state.fit,
    engagement: round(state.engagement),
    score: round(state.total),
    grade: state.grade,
    topContributors: [...qualification.topContributors],
  };
}

/**
 * A lead's score recomputed from its scored history under `ruleset`, with the qualification to
 * publish: a new one when the lead newly qualifies, else whatever the lead's outbox already holds.
 */
export function rescoredLead(lead: Lead, history: readonly ScoredEvent[], ruleset: Ruleset, correlationId: string, now: string) {
  const change = rescore(lead.score, history, scoringView(lead), ruleset, now);
  const pending = change?.qualified ? qualifiedDetail(lead.id, change.state, change.qualified, correlationId) : lead.pendingQualification;
  return { state: change?.state, pending };
}

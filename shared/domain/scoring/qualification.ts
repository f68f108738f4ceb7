import type { LeadQualifiedDetail } from '../events';
import type { Qualification, ScoreState } from './engine';
import { round, topContributors } from './engine';

/** The `lead.qualified` detail for a qualification, naming the rules that carried the lead over. */
export function qualifiedDetail(
  leadId: string,
  state: ScoreState,
  qualification: Qualification,
  correlationId: string,
): LeadQualifiedDetail {
  return {
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
    topContributors: topContributors(state),
  };
}

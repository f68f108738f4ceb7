import type { Logger } from '@aws-lambda-powertools/logger';
import type { EventPublisher } from '../adapters/event-publisher';
import type { ScoreStore } from '../adapters/score-store';
import { DetailType, type LeadQualifiedDetail } from '../domain/events';

/**
 * Publishes a qualification kept in the lead's outbox, then clears it. Scoring and rescoring store a
 * qualification with the score in one write and call this after, so `lead.qualified` is published at
 * least once even if the process dies between the two; the alert is keyed so it is sent once.
 */
export async function publishPendingQualification(
  leadId: string,
  pending: LeadQualifiedDetail | undefined,
  dependencies: { readonly publisher: EventPublisher; readonly scores: Pick<ScoreStore, 'clearPendingQualification'>; readonly logger: Logger },
): Promise<void> {
  if (!pending) return;
  await dependencies.publisher.publish([{ detailType: DetailType.LeadQualified, detail: pending }]);
  await dependencies.scores.clearPendingQualification(leadId, pending.qualification);
  dependencies.logger.info('Lead qualified', { leadId, qualification: pending.qualification, rulesetVersion: pending.rulesetVersion });
}

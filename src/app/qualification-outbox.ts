import type { EventPublisher, Log } from './ports';
import { DetailType, type LeadQualifiedDetail } from '../domain/events';

/** Where a lead's pending qualification (its outbox of one) is cleared once published. */
export interface QualificationOutbox {
  clearPendingQualification(leadId: string, qualification: number): Promise<void>;
}

/**
 * Publishes a qualification kept in the lead's outbox, then clears it. Scoring and rescoring store a
 * qualification with the score in one write and call this after, so `lead.qualified` is published at
 * least once even if the process dies between the two; the alert is keyed so it is sent once.
 */
export async function publishPendingQualification(
  leadId: string,
  pending: LeadQualifiedDetail | undefined,
  dependencies: { readonly publisher: EventPublisher; readonly store: QualificationOutbox; readonly logger: Log },
): Promise<void> {
  if (!pending) return;
  await dependencies.publisher.publish([{ detailType: DetailType.LeadQualified, detail: pending }]);
  await dependencies.store.clearPendingQualification(leadId, pending.qualification);
  dependencies.logger.info('Lead qualified', { leadId, qualification: pending.qualification, rulesetVersion: pending.rulesetVersion });
}

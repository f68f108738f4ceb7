import type { EventPublisher, LeadReader, Log } from './ports';
import { describeError } from '../domain/errors';
import { OPTIMISTIC_ATTEMPTS, pauseBeforeRetry } from './optimistic-retry';
import { LeadBusy } from '../domain/errors';
import { DetailType, type LeadStageChangedDetail } from '../domain/events';
import { currentStage, type Deal, type LeadChange, type LeadChangeWrite, type LifecycleStage, type StageTransition, type TransitionResult } from '../domain/handoff/lifecycle';
import type { Lead } from '../domain/lead';
import { recycledScore } from '../domain/scoring/recycle';

export type Refusal = Extract<TransitionResult, { ok: false }>;

/** What a caller decides to do with a lead, given the lead as it is now and its stage. */
export type Decision =
  | { readonly kind: 'write'; readonly transition?: StageTransition; readonly deal?: Deal; readonly contact?: LeadChange['contact']; readonly crmUpdatedAt?: string }
  | { readonly kind: 'refused'; readonly refusal: Refusal }
  | { readonly kind: 'unchanged'; readonly why: string };

export type ChangeOutcome =
  | { readonly outcome: 'changed'; readonly transition?: StageTransition; readonly published: boolean }
  | { readonly outcome: 'refused'; readonly refusal: Refusal }
  | { readonly outcome: 'unchanged'; readonly why: string }
  | { readonly outcome: 'duplicate' }
  | { readonly outcome: 'no-lead' };

/** Where a lead's stage changes are written: one transaction per change, each origin applied once, and the outbox cleared after publishing. */
export interface LifecycleWrites {
  apply(change: LeadChange): Promise<LeadChangeWrite>;
  wasApplied(leadId: string, onceKey: string): Promise<boolean>;
  clearPendingStageChange(leadId: string, at: string): Promise<void>;
}

export interface StageChangeDependencies {
  readonly leads: LeadReader;
  readonly lifecycle: LifecycleWrites;
  readonly publisher: EventPublisher;
  readonly logger: Log;
}

/**
 * Changes a lead's stage (and what goes with it) the one way every path uses: read the lead, decide,
 * then write the stage, the append-only transition record and the outbox entry in one transaction
 * guarded by the lead's version, retried when the lead changed meanwhile; then publish
 * `lead.stage-changed`. A lead moved to `recycled` has its engagement reset in the same write, so it
 * must earn a new qualification.
 */
export class StageChanges {
  constructor(private readonly dependencies: StageChangeDependencies) {}

  async change(
    leadId: string,
    options: { readonly onceKey?: string; readonly correlationId: string },
    decide: (lead: Lead, stage: LifecycleStage, at: string) => Decision,
  ): Promise<ChangeOutcome> {
    const { leads, lifecycle } = this.dependencies;
    for (let attempt = 0; attempt < OPTIMISTIC_ATTEMPTS; attempt += 1) {
      if (attempt > 0) await pauseBeforeRetry(attempt);
      const lead = await leads.getLead(leadId);
      if (!lead) return { outcome: 'no-lead' };
      await this.publishPending(lead);
      if (options.onceKey && (await lifecycle.wasApplied(lead.id, options.onceKey))) return { outcome: 'duplicate' };
      const at = new Date().toISOString();
      const decision = decide(lead, currentStage(lead), at);
      if (decision.kind === 'refused') return { outcome: 'refused', refusal: decision.refusal };
      if (decision.kind === 'unchanged') return { outcome: 'unchanged', why: decision.why };
      const { transition } = decision;
      const stageChanged: LeadStageChangedDetail | undefined = transition
        ? { version: 1, correlationId: options.correlationId, leadId: lead.id, from: transition.from, to: transition.to, at: transition.at, cause: transition.cause, actor: transition.actor }
        : undefined;
      const write = await lifecycle.apply({
        lead,
        at,
        ...(transition ? { transition } : {}),
        ...(decision.deal ? { deal: decision.deal } : {}),
        ...(decision.contact ? { contact: decision.contact } : {}),
        ...(decision.crmUpdatedAt ? { crmUpdatedAt: decision.crmUpdatedAt } : {}),
        ...(transition?.to === 'recycled' && lead.score ? { score: recycledScore(lead.score, at) } : {}),
        ...(options.onceKey ? { onceKey: options.onceKey } : {}),
        ...(stageChanged ? { stageChanged } : {}),
      });
      if (write === 'already-applied') return { outcome: 'duplicate' };
      if (write === 'lead-changed') continue;
      const published = stageChanged ? await this.publish(lead.id, stageChanged) : true;
      return { outcome: 'changed', ...(transition ? { transition } : {}), published };
    }
    throw new LeadBusy(leadId, OPTIMISTIC_ATTEMPTS);
  }

  /** A stage change left in the outbox by an earlier write whose publish failed goes out first. */
  private async publishPending(lead: Lead): Promise<void> {
    if (lead.pendingStageChange) await this.publish(lead.id, lead.pendingStageChange);
  }

  /** Publishes and clears the outbox; a failure leaves it there for the lead's next change (false). */
  private async publish(leadId: string, detail: LeadStageChangedDetail): Promise<boolean> {
    try {
      await this.dependencies.publisher.publish([{ detailType: DetailType.LeadStageChanged, detail }]);
      await this.dependencies.lifecycle.clearPendingStageChange(leadId, detail.at);
      this.dependencies.logger.info('Lead stage changed', { leadId, from: detail.from, to: detail.to, cause: detail.cause });
      return true;
    } catch (error) {
      this.dependencies.logger.warn('Stage change stored but not yet published; it goes out with the lead\'s next change', { leadId, error: describeError(error) });
      return false;
    }
  }
}

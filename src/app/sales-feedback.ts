import { describeError, Forbidden, InvalidInput, LeadBusy, NotFound, Unavailable } from '../domain/errors';
import { DetailType, type DomainEvent } from '../domain/events';
import { feedbackTarget, type FeedbackAction } from '../domain/handoff/feedback';
import { transition, type Deal, type LeadChange, type LifecycleStage, type StageTransition } from '../domain/handoff/lifecycle';
import type { SalesReasons } from '../domain/handoff/reasons';
import type { Lead } from '../domain/lead';
import type { EventPublisher, Log } from './ports';
import type { ChangeOutcome, Refusal, StageChanges } from './stage-changes';

/** The reject, won and lost reason lists feedback is checked against. */
export interface SalesReasonSettings {
  salesReasons(): Promise<SalesReasons>;
  saveSalesReasons(reasons: SalesReasons, at: string): Promise<void>;
}

/** Finds the lead an email belongs to. */
export interface LeadsByEmail {
  leadIdForEmail(email: string): Promise<string | undefined>;
}

export interface SalesFeedbackDependencies {
  readonly stageChanges: Pick<StageChanges, 'change'>;
  readonly reasons: SalesReasonSettings;
  readonly emails: LeadsByEmail;
  readonly publisher: EventPublisher;
  readonly log: Log;
  /** Whether a failed store call means the table refused more writes for now. */
  readonly throttled: (error: unknown) => boolean;
}

/** What sales says became of a lead handed to them. */
export interface SalesFeedback {
  readonly action: FeedbackAction;
  readonly reason?: string | undefined;
  readonly amount?: number | undefined;
  readonly currency?: string | undefined;
  readonly billingFrequency?: Deal['billingFrequency'];
  readonly actor: string;
  /** Whether the one giving it may act on a lead with this owner (a sales rep on their own leads); anyone when absent. */
  readonly mayActOn?: (owner: Lead['owner']) => boolean;
}

/** Feedback as recorded: the lead's new stage, the transition that moved it and the deal reported with it. */
export interface FeedbackRecorded {
  readonly leadId: string;
  readonly stage: LifecycleStage;
  readonly transition: StageTransition;
  readonly deal?: Deal;
}

/** Recorded, or refused because the lead's stage does not allow the change. */
export type FeedbackOutcome = { readonly outcome: 'recorded'; readonly recorded: FeedbackRecorded } | { readonly outcome: 'refused'; readonly refusal: Refusal };

/** A change made in the CRM to one lead, named by its id or its email. */
export interface CrmUpdate {
  readonly updateId: string;
  readonly occurredAt: string;
  readonly leadId?: string | undefined;
  readonly email?: string | undefined;
  readonly stage?: LifecycleStage | undefined;
  readonly contact?: LeadChange['contact'];
  readonly actor?: string | undefined;
}

export interface CrmUpdateResult {
  readonly updateId: string;
  readonly status: 'applied' | 'duplicate' | 'stale' | 'invalid_transition' | 'unknown_lead';
  readonly leadId?: string;
  readonly stage?: LifecycleStage;
  readonly allowed?: LifecycleStage[];
  readonly message?: string;
}

/** Seconds a caller waits before repeating a request the table or the bus turned away. */
const RETRY_AFTER_SECONDS = 2;

/**
 * Sales feedback and CRM updates: both move a lead's stage through the transition table, each change
 * once, and a request the table turned away can be repeated as it was.
 */
export class SalesFeedbackUseCases {
  constructor(private readonly dependencies: SalesFeedbackDependencies) {}

  /** Sales says what became of a lead handed to them; the stage moves by the transition table. */
  async giveFeedback(leadId: string, feedback: SalesFeedback, correlationId: string): Promise<FeedbackOutcome> {
    const target = feedbackTarget(feedback.action, feedback.reason, await this.dependencies.reasons.salesReasons());
    if (!target.ok) throw InvalidInput.field('reason', target.message);
    const deal: Deal | undefined =
      feedback.amount !== undefined && feedback.currency
        ? { amount: feedback.amount, currency: feedback.currency, ...(feedback.billingFrequency ? { billingFrequency: feedback.billingFrequency } : {}) }
        : undefined;
    const outcome = await this.dependencies.stageChanges
      .change(leadId, { correlationId }, (lead, stage, at) => {
        if (feedback.mayActOn && !feedback.mayActOn(lead.owner)) throw new Forbidden(`Lead ${leadId} is not yours: sales reps give feedback on the leads they own`);
        const change = transition(stage, target.to, target.cause, feedback.actor, at, feedback.reason);
        return change.ok ? { kind: 'write', transition: change.transition, ...(deal ? { deal } : {}) } : { kind: 'refused', refusal: change };
      })
      .catch((error: unknown) => this.retryLater(error, `Lead ${leadId} is changing; nothing was recorded`));
    if (outcome.outcome === 'no-lead') throw new NotFound(`No lead with id ${leadId}`);
    if (outcome.outcome === 'refused') return { outcome: 'refused', refusal: outcome.refusal };
    if (outcome.outcome !== 'changed' || !outcome.transition) throw new Error(`Feedback on lead ${leadId} ended ${outcome.outcome}`);
    this.dependencies.log.info('Sales feedback recorded', { leadId, action: feedback.action, from: outcome.transition.from, to: outcome.transition.to });
    return { outcome: 'recorded', recorded: { leadId, stage: outcome.transition.to, transition: outcome.transition, ...(deal ? { deal } : {}) } };
  }

  salesReasons(): Promise<SalesReasons> {
    return this.dependencies.reasons.salesReasons();
  }

  async replaceSalesReasons(reasons: SalesReasons): Promise<SalesReasons> {
    await this.dependencies.reasons.saveSalesReasons(reasons, new Date().toISOString());
    this.dependencies.log.info('Sales reasons saved', { reject: reasons.reject.length, won: reasons.won.length, lost: reasons.lost.length });
    return reasons;
  }

  /** Changes made in the CRM: applied once per update id, in the CRM's order, through the same transition table. */
  async applyCrmUpdates(updates: readonly CrmUpdate[], correlationId: string): Promise<CrmUpdateResult[]> {
    const { emails, publisher, log } = this.dependencies;
    const leadIds = await Promise.all(updates.map((update) => (update.email ? emails.leadIdForEmail(update.email) : Promise.resolve(update.leadId))));
    // Oldest first, so a batch that holds two updates of one lead applies both rather than calling one stale.
    const order = updates.map((_, index) => index).sort((a, b) => (updates[a]?.occurredAt ?? '').localeCompare(updates[b]?.occurredAt ?? '') || a - b);
    const results: CrmUpdateResult[] = [];
    for (const index of order) {
      const update = updates[index] as CrmUpdate;
      results[index] = await this.applyCrmUpdate(update, leadIds[index], correlationId).catch((error: unknown) =>
        this.retryLater(error, `Updates were applied up to the one before ${update.updateId}, oldest first; repeated ones report duplicate`),
      );
    }
    try {
      await publisher.publish(contactChanges(updates, results, correlationId));
    } catch (error) {
      log.error('CRM updates applied but their contact changes not published', { updates: updates.length, error: describeError(error) });
      throw new Unavailable('Updates applied, but their contact changes are not announced yet; repeat the same request', RETRY_AFTER_SECONDS);
    }
    const count = (status: CrmUpdateResult['status']) => results.filter((result) => result.status === status).length;
    log.info('CRM updates applied', { updates: updates.length, applied: count('applied'), duplicates: count('duplicate'), stale: count('stale'), refused: count('invalid_transition') + count('unknown_lead') });
    return results;
  }

  /** One CRM update: idempotent by its id, ordered by the CRM's own time, stage changes by the transition table. */
  private async applyCrmUpdate(update: CrmUpdate, leadId: string | undefined, correlationId: string): Promise<CrmUpdateResult> {
    const { updateId } = update;
    if (!leadId) return { updateId, status: 'unknown_lead', message: update.email ? 'No lead with this email' : `No lead with id ${update.leadId ?? ''}` };
    const actor = update.actor ?? 'crm';
    const { contact } = update;
    const outcome: ChangeOutcome = await this.dependencies.stageChanges.change(leadId, { onceKey: `crm#${updateId}`, correlationId }, (lead, stage) => {
      if (lead.crmUpdatedAt && update.occurredAt < lead.crmUpdatedAt) return { kind: 'unchanged', why: `an update of ${lead.crmUpdatedAt} was applied already` };
      const base = { kind: 'write' as const, crmUpdatedAt: update.occurredAt, ...(contact ? { contact } : {}) };
      if (!update.stage || update.stage === stage) return base;
      // The transition keeps the CRM's time: reports count it in the month it happened.
      const change = transition(stage, update.stage, 'crm', actor, update.occurredAt);
      return change.ok ? { ...base, transition: change.transition } : { kind: 'refused', refusal: change };
    });
    switch (outcome.outcome) {
      case 'changed':
        return { updateId, status: 'applied', leadId, ...(outcome.transition ? { stage: outcome.transition.to } : update.stage ? { stage: update.stage } : {}) };
      case 'duplicate':
        return { updateId, status: 'duplicate', leadId };
      case 'unchanged':
        return { updateId, status: 'stale', leadId, message: outcome.why };
      case 'refused':
        return { updateId, status: 'invalid_transition', leadId, stage: outcome.refusal.from, allowed: [...outcome.refusal.allowed], message: outcome.refusal.message };
      case 'no-lead':
        return { updateId, status: 'unknown_lead', message: `No lead with id ${leadId}` };
    }
  }

  private retryable(error: unknown): boolean {
    return error instanceof LeadBusy || this.dependencies.throttled(error);
  }

  /** The table refused more writes, or a lead changed under every attempt: nothing is lost by repeating the request. */
  private retryLater(error: unknown, what: string): never {
    if (this.retryable(error)) throw new Unavailable(`${what}; repeat the same request`, RETRY_AFTER_SECONDS);
    throw error;
  }
}

/**
 * Two-way sync: tools subscribed to contact changes hear of the CRM's too, as `source: crm` with
 * `changeId` `crm:<updateId>`, so the CRM can skip its own. A repeated update announces again (the
 * webhook event id comes from the change id, so a receiver gets it once): that is how a request whose
 * announcement failed is finished. The announcement also has the lead's score filed anew under the
 * band of its new profile (refile-score-bands: fit may change with no score write).
 */
function contactChanges(updates: readonly CrmUpdate[], results: readonly CrmUpdateResult[], correlationId: string): DomainEvent[] {
  return updates.flatMap((update, index) => {
    const result = results[index];
    const fields = Object.entries(update.contact ?? {})
      .filter(([, value]) => value !== undefined)
      .map(([field]) => field);
    if (!fields.length || !result?.leadId || (result.status !== 'applied' && result.status !== 'duplicate')) return [];
    return [{ detailType: DetailType.LeadContactChanged, detail: { version: 1, correlationId, leadId: result.leadId, changeId: `crm:${update.updateId}`, fields, at: update.occurredAt, source: 'crm' } }];
  });
}

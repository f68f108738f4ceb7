import { Logger } from '@aws-lambda-powertools/logger';
import { documentClient, eventBridgeClient } from '../../src/adapters/clients';
import { isThrottling } from '../../src/adapters/throttling';
import { EventBridgePublisher } from '../../src/adapters/event-publisher';
import { describeError, LeadBusy } from '../../src/domain/errors';
import { DetailType, type DomainEvent } from '../../src/domain/events';
import { EmailIndex } from '../../src/adapters/email-index';
import { LeadStore } from '../../src/adapters/lead-store';
import { LifecycleStore } from '../../src/adapters/lifecycle-store';
import type { CrmUpdate, CrmUpdatesApplied } from './schemas';
import { positiveInteger, readConfig, setting } from '../../src/config';
import { feedbackTarget } from '../../src/domain/handoff/feedback';
import { transition } from '../../src/domain/handoff/lifecycle';
import { HttpError } from '../../src/http/errors';
import { json } from '../../src/http/middleware';
import { routesHandler } from '../../src/http/routes';
import { StageChanges, type ChangeOutcome } from '../../src/app/stage-changes';
import { salesFeedbackRoutes } from './routes';

const config = readConfig({ TABLE_NAME: setting, EVENT_BUS_NAME: setting, MAX_BODY_BYTES: positiveInteger });
const logger = new Logger();
const client = documentClient();
const leads = new LeadStore(client, config.TABLE_NAME);
const emailIndex = new EmailIndex(client, config.TABLE_NAME);
const lifecycle = new LifecycleStore(client, config.TABLE_NAME);
const publisher = new EventBridgePublisher(eventBridgeClient(), config.EVENT_BUS_NAME);
const stageChanges = new StageChanges({ leads, lifecycle, publisher, logger });

type CrmResult = CrmUpdatesApplied['updates'][number];

/** The table refused more writes, or a lead changed under every attempt: nothing is lost by repeating the request. */
function retryLater(error: unknown, what: string): never {
  if (error instanceof LeadBusy || isThrottling(error)) {
    throw new HttpError(503, `${what}; repeat the same request`, undefined, { 'retry-after': '2' });
  }
  throw error;
}

/** One CRM update: idempotent by its id, ordered by the CRM's own time, stage changes by the transition table. */
async function applyCrmUpdate(update: CrmUpdate, leadId: string | undefined, correlationId: string): Promise<CrmResult> {
  const { updateId } = update;
  if (!leadId) return { updateId, status: 'unknown_lead', message: update.email ? 'No lead with this email' : `No lead with id ${update.leadId ?? ''}` };
  const actor = update.actor ?? 'crm';
  const outcome: ChangeOutcome = await stageChanges.change(leadId, { onceKey: `crm#${updateId}`, correlationId }, (lead, stage) => {
    if (lead.crmUpdatedAt && update.occurredAt < lead.crmUpdatedAt) return { kind: 'unchanged', why: `an update of ${lead.crmUpdatedAt} was applied already` };
    const base = { kind: 'write' as const, crmUpdatedAt: update.occurredAt, ...(update.contact ? { contact: update.contact } : {}) };
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

/**
 * Two-way sync: tools subscribed to contact changes hear of the CRM's too, as `source: crm` with
 * `changeId` `crm:<updateId>`, so the CRM can skip its own. A repeated update announces again (the
 * webhook event id comes from the change id, so a receiver gets it once): that is how a request whose
 * announcement failed is finished.
 */
function contactChanges(updates: readonly CrmUpdate[], results: readonly CrmResult[], correlationId: string): DomainEvent[] {
  return updates.flatMap((update, index) => {
    const result = results[index];
    const fields = Object.entries(update.contact ?? {}).filter(([, value]) => value !== undefined).map(([field]) => field);
    if (!fields.length || !result?.leadId || (result.status !== 'applied' && result.status !== 'duplicate')) return [];
    return [{ detailType: DetailType.LeadContactChanged, detail: { version: 1, correlationId, leadId: result.leadId, changeId: `crm:${update.updateId}`, fields, at: update.occurredAt, source: 'crm' } }];
  });
}

export const handler = routesHandler({ logger, maxBodyBytes: config.MAX_BODY_BYTES }, salesFeedbackRoutes, {
  // Sales says what became of a lead handed to them; the stage moves by the transition table.
  giveFeedback: async ({ params: { leadId }, body: feedback }, event) => {
    const target = feedbackTarget(feedback.action, feedback.reason, await lifecycle.salesReasons());
    if (!target.ok) throw new HttpError(400, `Invalid request: reason ${target.message}`, [{ field: 'reason', message: target.message }]);
    const deal = feedback.amount !== undefined && feedback.currency ? { amount: feedback.amount, currency: feedback.currency, ...(feedback.billingFrequency ? { billingFrequency: feedback.billingFrequency } : {}) } : undefined;
    const outcome = await stageChanges
      .change(leadId, { correlationId: event.requestContext.requestId }, (_lead, stage, at) => {
        const change = transition(stage, target.to, target.cause, feedback.actor, at, feedback.reason);
        return change.ok ? { kind: 'write', transition: change.transition, ...(deal ? { deal } : {}) } : { kind: 'refused', refusal: change };
      })
      .catch((error: unknown) => retryLater(error, `Lead ${leadId} is changing; nothing was recorded`));
    if (outcome.outcome === 'no-lead') throw new HttpError(404, `No lead with id ${leadId}`);
    if (outcome.outcome === 'refused') {
      const { refusal } = outcome;
      return json(409, { message: refusal.message, issues: [{ field: 'action', message: refusal.message }], stage: refusal.from, requested: refusal.to, allowed: refusal.allowed });
    }
    if (outcome.outcome !== 'changed' || !outcome.transition) throw new Error(`Feedback on lead ${leadId} ended ${outcome.outcome}`);
    logger.info('Sales feedback recorded', { leadId, action: feedback.action, from: outcome.transition.from, to: outcome.transition.to });
    return json(200, { leadId, stage: outcome.transition.to, transition: outcome.transition, ...(deal ? { deal } : {}) });
  },

  getSalesReasons: async () => json(200, await lifecycle.salesReasons()),

  replaceSalesReasons: async ({ body: reasons }) => {
    await lifecycle.saveSalesReasons(reasons, new Date().toISOString());
    logger.info('Sales reasons saved', { reject: reasons.reject.length, won: reasons.won.length, lost: reasons.lost.length });
    return json(200, reasons);
  },

  // Changes made in the CRM: applied once per update id, in the CRM's order, through the same transition table.
  applyCrmUpdates: async ({ body: { updates } }, event) => {
    const leadIds = await Promise.all(updates.map((update) => (update.email ? emailIndex.leadIdForEmail(update.email) : Promise.resolve(update.leadId))));
    // Oldest first, so a batch that holds two updates of one lead applies both rather than calling one stale.
    const order = updates.map((_, index) => index).sort((a, b) => (updates[a]?.occurredAt ?? '').localeCompare(updates[b]?.occurredAt ?? '') || a - b);
    const results: CrmResult[] = [];
    for (const index of order) {
      const update = updates[index] as CrmUpdate;
      results[index] = await applyCrmUpdate(update, leadIds[index], event.requestContext.requestId).catch((error: unknown) =>
        retryLater(error, `Updates were applied up to the one before ${update.updateId}, oldest first; repeated ones report duplicate`),
      );
    }
    try {
      await publisher.publish(contactChanges(updates, results, event.requestContext.requestId));
    } catch (error) {
      logger.error('CRM updates applied but their contact changes not published', { updates: updates.length, error: describeError(error) });
      throw new HttpError(503, 'Updates applied, but their contact changes are not announced yet; repeat the same request', undefined, { 'retry-after': '2' });
    }
    const count = (status: CrmResult['status']) => results.filter((result) => result.status === status).length;
    logger.info('CRM updates applied', { updates: updates.length, applied: count('applied'), duplicates: count('duplicate'), stale: count('stale'), refused: count('invalid_transition') + count('unknown_lead') });
    return json(200, { updates: results } satisfies CrmUpdatesApplied);
  },
});

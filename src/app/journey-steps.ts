import type { StepActions, StepOutcome } from './journey-runner';
import type { EventPublisher } from './ports';
import type { StageChanges } from './stage-changes';
import { DetailType } from '../domain/events';
import type { StepOf } from '../domain/journeys/definition';
import { onceKey, type StepKey } from '../domain/journeys/records';
import { allowedFrom, transition } from '../domain/handoff/lifecycle';
import type { Lead } from '../domain/lead';
import type { SubscriptionStatus, SubscriptionType } from '../domain/subscriptions';
import type { ConsentChange } from '../domain/consent/preferences';

export interface JourneyStepDependencies {
  readonly stageChanges: Pick<StageChanges, 'change'>;
  readonly consents: { recordConsentChange(leadId: string, change: ConsentChange, requestId: string): Promise<'recorded' | 'unchanged' | 'no-lead'> };
  /** Hands webhook steps to deliver-webhooks, email and notify steps to send-journey-email. */
  readonly publisher: EventPublisher;
}

/**
 * What a journey's steps with an effect do from the runner: lead updates through the lifecycle's
 * transition rules and the consent records; webhook, email and notify steps handed on by event.
 */
export class JourneyStepActions implements StepActions {
  constructor(private readonly deps: JourneyStepDependencies) {}

  /**
   * Custom attributes and the stage in one change, applied once per step run; a stage the transition
   * rules do not allow from the lead's stage is skipped (reported). A subscription change is recorded
   * with a consent record naming the journey.
   */
  async updateLead(lead: Lead, step: StepOf<'update_lead'>, key: StepKey): Promise<StepOutcome> {
    let refused: string | undefined;
    if (step.attributes || step.stage) {
      const outcome = await this.deps.stageChanges.change(lead.id, { onceKey: onceKey(key), correlationId: onceKey(key) }, (current, stage, at) => {
        const moved = step.stage && step.stage !== stage ? transition(stage, step.stage, 'journey', `journey:${key.journeyId}`, at) : undefined;
        if (moved && !moved.ok) refused = `stage ${stage} -> ${step.stage} not allowed (allowed: ${allowedFrom(stage).join(', ') || 'none'})`;
        const contact = step.attributes ? { attributes: { ...current.attributes, ...step.attributes } } : undefined;
        if (!contact && !(moved?.ok)) return { kind: 'unchanged', why: refused ?? 'already there' };
        return { kind: 'write', ...(moved?.ok ? { transition: moved.transition } : {}), ...(contact ? { contact } : {}) };
      });
      if (outcome.outcome === 'no-lead') return { outcome: 'skipped', reason: 'no_lead' };
    }
    if (step.subscription) {
      const { type, status } = step.subscription as { type: SubscriptionType; status: SubscriptionStatus };
      if (lead.subscriptions[type] !== status) {
        const at = new Date().toISOString();
        await this.deps.consents.recordConsentChange(lead.id, { subscriptions: { [type]: status }, records: [{ subscription: type, status, at, method: 'journey_step', consentText: `journey ${key.journeyId}` }] }, onceKey(key));
      }
    }
    return refused ? { outcome: 'skipped', reason: 'stage_not_allowed' } : { outcome: 'done' };
  }

  /**
   * Hands the step to deliver-webhooks, which POSTs it signed to the step's endpoint after its address
   * checks, retrying with backoff; the step's claim makes this once per step run, and the event id the
   * endpoint sees derives from the step run, so a repeated publish is delivered once.
   */
  async webhook(lead: Lead, step: StepOf<'webhook'>, key: StepKey): Promise<StepOutcome> {
    const detail = { version: 1 as const, correlationId: onceKey(key), webhookId: step.webhookId, leadId: lead.id, journeyId: key.journeyId, stepId: step.id, run: key.run, seq: key.seq, at: new Date().toISOString() };
    await this.deps.publisher.publish([{ detailType: DetailType.JourneyWebhookStepReached, detail }]);
    return { outcome: 'done' };
  }

  /**
   * Hands an email or notify step to send-journey-email, which checks a marketing email against the
   * send-time policy, renders and sends it, or notifies sales, once per step run: it takes the step's
   * claim record over from the runner, so a repeated publish sends once.
   */
  async email(lead: Lead, step: StepOf<'send_email'> | StepOf<'notify'>, key: StepKey, version: number): Promise<StepOutcome> {
    const detail = { version: 1 as const, correlationId: onceKey(key), leadId: lead.id, journeyId: key.journeyId, journeyVersion: version, stepId: step.id, run: key.run, seq: key.seq, at: new Date().toISOString() };
    await this.deps.publisher.publish([{ detailType: DetailType.JourneyEmailStepReached, detail }]);
    return { outcome: 'handed' };
  }
}

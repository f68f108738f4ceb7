import type { StepActions, StepOutcome } from './journey-runner';
import type { EmailSender, EventPublisher } from './ports';
import type { StageChanges } from './stage-changes';
import { DetailType } from '../domain/events';
import { escapeHtml } from '../domain/html';
import type { StepOf } from '../domain/journeys/definition';
import type { SalesTask, StepKey } from '../domain/journeys/records';
import { allowedFrom, transition } from '../domain/handoff/lifecycle';
import type { RoutingConfig } from '../domain/handoff/routing';
import type { Lead } from '../domain/lead';
import type { SubscriptionStatus, SubscriptionType } from '../domain/subscriptions';
import type { ConsentChange } from '../domain/consent/preferences';

export interface JourneyStepDependencies {
  readonly stageChanges: Pick<StageChanges, 'change'>;
  readonly consents: { recordConsentChange(leadId: string, change: ConsentChange, requestId: string): Promise<'recorded' | 'unchanged' | 'no-lead'> };
  readonly routing: { get(): Promise<{ readonly config: RoutingConfig } | undefined> };
  readonly tasks: { put(task: SalesTask, onceKey: string): Promise<void> };
  readonly mailer: EmailSender;
  /** Hands webhook steps to deliver-webhooks. */
  readonly publisher: EventPublisher;
  /** Where notifications go when no rep or team inbox is known. */
  readonly salesInbox: string;
}

const onceKey = (key: StepKey) => `journey:${key.journeyId}:${key.run}:${key.seq}`;

/**
 * What a journey's non-email steps do: lead updates through the lifecycle's transition rules and
 * the consent records, notifications to the owner or a team inbox with an optional follow-up task.
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

  /** Emails the owner (or the owner's team inbox, or the sales inbox) or a named team's inbox, and files the task. */
  async notify(lead: Lead, step: StepOf<'notify'>, key: StepKey): Promise<StepOutcome> {
    const routing = (await this.deps.routing.get())?.config;
    const teams = routing?.teams ?? [];
    let to = this.deps.salesInbox;
    if (step.to === 'owner') {
      const team = teams.find((candidate) => candidate.id === lead.owner?.teamId);
      to = team?.reps.find((rep) => rep.id === lead.owner?.repId)?.email ?? team?.inbox ?? to;
    } else {
      const named = step.to.team;
      to = teams.find((candidate) => candidate.id === named)?.inbox ?? to;
    }
    const now = new Date();
    if (step.task) {
      const dueAt = new Date(now.getTime() + step.task.dueInDays * 86_400_000).toISOString();
      await this.deps.tasks.put({ leadId: lead.id, title: step.task.title, dueAt, createdAt: now.toISOString(), source: `journey:${key.journeyId}`, assignee: to }, onceKey(key));
    }
    const who = [lead.firstName, lead.lastName].filter(Boolean).join(' ') || lead.email;
    const task = step.task ? `\nTask: ${step.task.title} (due in ${step.task.dueInDays} day(s))` : '';
    await this.deps.mailer.send({
      to: [to],
      subject: `Journey: ${step.message.slice(0, 80)}`.replace(/[\r\n]+/g, ' '),
      text: `${step.message}\n\nLead: ${who} (${lead.id})${task}`,
      html: `<p>${escapeHtml(step.message)}</p><p>Lead: ${escapeHtml(who)} (${escapeHtml(lead.id)})</p>${step.task ? `<p>Task: ${escapeHtml(step.task.title)} (due in ${step.task.dueInDays} day(s))</p>` : ''}`,
      tags: { journey: key.journeyId, kind: 'notification' },
    });
    return { outcome: 'done' };
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
}

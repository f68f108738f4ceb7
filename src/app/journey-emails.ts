import type { JourneyVersions, StepOutcome } from './journey-runner';
import type { DeliveryAttempt, EmailSender, EventPublisher, LeadReader, Log, SubscriptionCatalogueReader } from './ports';
import type { SendTimeCheck } from './send-time-check';
import { withSubscriberFooter } from '../domain/campaigns/footer';
import { renderTemplate, type Template } from '../domain/campaigns/template';
import { listUnsubscribeHeaders } from '../domain/consent/send-policy';
import type { TokenClaims, TokenPurpose } from '../domain/consent/signed-token';
import { describeError } from '../domain/errors';
import { DetailType } from '../domain/events';
import type { RoutingConfig } from '../domain/handoff/routing';
import { escapeHtml } from '../domain/html';
import { isEmailStep, type StepOf } from '../domain/journeys/definition';
import { onceKey, type EmailStepEnd, type EmailStepTake, type ReportCount, type SalesTask, type StepKey } from '../domain/journeys/records';
import type { Lead } from '../domain/lead';

/**
 * The records of step runs the runner handed over (its step claims): taken for sending, then ended
 * with the report's counters in the same write, or given back when the send failed.
 */
export interface EmailStepRuns {
  /**
   * Takes a step run's record for sending at `at`: it must be the runner's claim, still held (`claimed`,
   * its runner not yet done marking it handed) or `handed`. `exists` with the record when it is not
   * (being sent, or ended); `not-handed` when there is no record of `stepId` or its claim was given back.
   */
  take(key: StepKey, stepId: string, at: string): Promise<EmailStepTake>;
  /** Ends a run being sent with its counts; false (nothing written) when it was no longer being sent. */
  finish(key: StepKey, end: EmailStepEnd, counts: readonly ReportCount[]): Promise<boolean>;
  /** Gives a run being sent back after its send failed, so the retry takes it again. */
  release(key: StepKey): Promise<void>;
}

/** A step run handed over by the runner: what `journey.email-step-reached` says. */
export interface EmailStepReached {
  readonly leadId: string;
  readonly journeyId: string;
  readonly journeyVersion: number;
  readonly stepId: string;
  readonly run: number;
  readonly seq: number;
}

export interface JourneyEmailDependencies {
  readonly steps: EmailStepRuns;
  readonly journeys: Pick<JourneyVersions, 'definition'>;
  readonly leads: LeadReader;
  readonly sendCheck: SendTimeCheck;
  readonly mailer: EmailSender;
  readonly link: (path: string, purpose: TokenPurpose, claims: TokenClaims) => Promise<string>;
  /** The subscription types, for the name in each email's footer. */
  readonly subscriptionTypes: SubscriptionCatalogueReader;
  readonly routing: { get(): Promise<{ readonly config: RoutingConfig } | undefined> };
  readonly tasks: { put(task: SalesTask, onceKey: string): Promise<void> };
  /** Where notifications go when no rep or team inbox is known. */
  readonly salesInbox: string;
  /** Tells run-journeys a step run ended (`journey.email-step-ended`), so the enrolment waiting there goes on. */
  readonly publisher: EventPublisher;
  readonly log: Log;
  /** A run taken for sending longer ago was left by a sender that died mid-send. */
  readonly abandonedSendMs: number;
  readonly clock?: () => Date;
}

/** Another delivery of the same step run is sending it now: retried later, when it has ended. */
export class EmailStepBeingSent extends Error {
  override readonly name = 'EmailStepBeingSent';
}

export type EmailStepResult = 'done' | 'skipped' | 'already-ended' | 'not-handed' | 'interrupted';

type HandedStep = StepOf<'send_email'> | StepOf<'notify'>;

/**
 * Sends a journey's email and notify steps that run-journeys hands over, each once per step run:
 * the step's claim record is taken (a conditional write) before the send and ended after it with
 * the step's email counters, so a duplicate or concurrent delivery finds it taken or ended and sends
 * nothing; a send the provider refused gives it back for the retry. A run left taken by a sender that
 * died mid-send is counted as interrupted, never sent again (sending twice is the worse failure).
 * However the run ended, `journey.email-step-ended` then tells run-journeys to go on with the steps
 * after it; a delivery that finds the run ended publishes that again (ending the run and publishing
 * are two writes: the retry after a failed publish makes it good; the runner goes on once).
 */
export class JourneyEmails {
  constructor(private readonly deps: JourneyEmailDependencies) {}

  private now(): Date {
    return this.deps.clock?.() ?? new Date();
  }

  /**
   * A step found taken by another delivery is retried later, until the claim is older than
   * `abandonedSendMs`; on the last delivery the queue allows it is counted as interrupted instead of
   * being dead-lettered (DeliveryAttempt says why its sender is gone by then): counting a sent email as
   * interrupted can at worst misreport it, never send it twice.
   */
  async deliver(reached: EmailStepReached, attempt: DeliveryAttempt = { last: false }): Promise<EmailStepResult> {
    const { steps, log } = this.deps;
    const key: StepKey = { leadId: reached.leadId, journeyId: reached.journeyId, run: reached.run, seq: reached.seq };
    const found = (await this.deps.journeys.definition(reached.journeyId, reached.journeyVersion))?.steps.find((candidate) => candidate.id === reached.stepId);
    const step = isEmailStep(found) ? found : undefined;
    const at = this.now();
    const taken = await steps.take(key, reached.stepId, at.toISOString());
    if (taken.outcome === 'not-handed') {
      // The runner gave its claim back (its publish failed as far as it knows): its retry hands the step again.
      log.warn('Journey email step not handed over; left to the runner', { journeyId: key.journeyId, stepId: reached.stepId, seq: key.seq });
      return 'not-handed';
    }
    const counts = (outcome: 'sent' | 'skipped' | 'interrupted', reason?: string): ReportCount[] =>
      step?.type === 'send_email' ? [{ metric: 'email', stepId: step.id, outcome, ...(reason ? { reason } : {}) }] : [];
    if (taken.outcome === 'exists') {
      if (taken.record.status !== 'sending') {
        await this.ended(reached);
        return 'already-ended';
      }
      if (Date.parse(taken.record.sendingAt ?? taken.record.claimedAt) > at.getTime() - this.deps.abandonedSendMs && !attempt.last) {
        throw new EmailStepBeingSent(`Journey ${key.journeyId} step ${reached.stepId} is being sent by another invocation`);
      }
      // The sender that took it died before or after the send: not sent again.
      if (await steps.finish(key, { status: 'interrupted', reason: 'sender stopped mid-step' }, counts('interrupted'))) {
        log.error('Journey email step interrupted mid-send; not repeated, counted as interrupted', { journeyId: key.journeyId, leadId: key.leadId, stepId: reached.stepId, seq: key.seq });
      }
      await this.ended(reached);
      return 'interrupted';
    }
    let outcome: StepOutcome;
    try {
      outcome = await this.perform(step, key);
    } catch (error) {
      // Nothing went out (the provider refused the call): the retry takes the run again and sends.
      await steps.release(key).catch((releaseError: unknown) => log.warn('Journey email step not given back', { journeyId: key.journeyId, error: describeError(releaseError) }));
      throw error;
    }
    const end: EmailStepEnd = outcome.outcome === 'skipped' ? { status: 'skipped', ...(outcome.reason ? { reason: outcome.reason } : {}) } : { status: 'done' };
    await steps.finish(key, end, counts(end.status === 'done' ? 'sent' : 'skipped', end.reason));
    await this.ended(reached);
    return end.status;
  }

  /** Tells run-journeys the step run has ended: the enrolment waiting at it goes on (once, however often this is said). */
  private async ended(reached: EmailStepReached): Promise<void> {
    const { leadId, journeyId, stepId, run, seq } = reached;
    const detail = { version: 1 as const, correlationId: onceKey({ leadId, journeyId, run, seq }), leadId, journeyId, stepId, run, seq, at: this.now().toISOString() };
    await this.deps.publisher.publish([{ detailType: DetailType.JourneyEmailStepEnded, detail }]);
  }

  private async perform(step: HandedStep | undefined, key: StepKey): Promise<StepOutcome> {
    // Versions never change, so a step handed over is in its version unless the version was deleted.
    if (!step) return { outcome: 'skipped', reason: 'step_not_found' };
    const lead = await this.deps.leads.getLead(key.leadId);
    if (!lead) return { outcome: 'skipped', reason: 'no_lead' };
    return step.type === 'send_email' ? this.sendEmail(step, lead, key) : this.notify(step, lead, key);
  }

  /** One journey email through the send-time check, with the subscriber footer and one-click unsubscribe. */
  private async sendEmail(step: StepOf<'send_email'>, lead: Lead, key: StepKey): Promise<StepOutcome> {
    const { sendCheck, mailer, link } = this.deps;
    const decision = await sendCheck.decide(step.subscription, { journeyId: key.journeyId, leadId: lead.id, run: key.run, stepId: step.id }, this.now());
    if (!decision.send) return { outcome: 'skipped', reason: decision.reason };
    // Publishing copies stored templates into the version, so a published step always holds its content.
    if ('templateId' in step.template) return { outcome: 'skipped', reason: 'template_not_resolved' };
    const template: Template = step.template;
    const unsubscribeUrl = await link('/v1/unsubscribe', 'unsubscribe', { leadId: lead.id, subscription: step.subscription });
    const preferencesUrl = await link('/v1/preferences', 'preferences', { leadId: lead.id });
    const email = withSubscriberFooter(renderTemplate(template, { lead }), { subscription: step.subscription, unsubscribeUrl, preferencesUrl }, await this.deps.subscriptionTypes());
    // The run and step number name the step's claim, where its opens and clicks are counted once.
    const tags = { journey: key.journeyId, step: step.id, lead: lead.id, run: String(key.run), seq: String(key.seq) };
    await mailer.send({ to: [lead.email], ...email, headers: listUnsubscribeHeaders(unsubscribeUrl), tags });
    return { outcome: 'done' };
  }

  /** Emails the owner (or the owner's team inbox, or the sales inbox) or a named team's inbox, and files the task. */
  private async notify(step: StepOf<'notify'>, lead: Lead, key: StepKey): Promise<StepOutcome> {
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
    const now = this.now();
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
}

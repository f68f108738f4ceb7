import { createHash } from 'node:crypto';
import { CareClaimInProgress } from './care-claims';
import type { CareSettingsReader, SavedCare } from './customer-care';
import type { OneTimeSchedules } from './follow-up-timers';
import { DAY_MS, surveyTimer } from './care-timers';
import { OPTIMISTIC_ATTEMPTS, pauseBeforeRetry } from './optimistic-retry';
import type { DeliveryAttempt, EmailSender, LeadReader, Log } from './ports';
import { lastSurveyedAt, type CustomerCare } from '../domain/care/customer';
import type { SurveyLink } from '../domain/care/survey-links';
import { composeSurveyEmail } from '../domain/care/survey-links';
import { answerDeadline, surveyDue, type SurveyDefinition, type SurveyLinkClaims } from '../domain/care/surveys';
import { listUnsubscribeHeaders, sendDecision } from '../domain/consent/send-policy';
import { describeError, LeadBusy } from '../domain/errors';
import type { SurveyDueDetail } from '../domain/events';
import type { SurveySendClaim } from '../domain/care/surveys';
import { currentStage } from '../domain/handoff/lifecycle';

/**
 * Survey-send records claimed before their email (a stale claim is taken over, and with `takeOverHeld`
 * any held one), marked after, given back when the email failed.
 */
export interface SurveySendRecords extends SavedCare {
  claimSend(send: { readonly leadId: string; readonly sendId: string; readonly surveyId: string; readonly kind: SurveyDefinition['kind'] }, now: Date, options?: { readonly takeOverHeld?: boolean }): Promise<SurveySendClaim>;
  markSendSent(leadId: string, sendId: string, token: string, messageId: string, at: Date): Promise<void>;
  releaseSend(leadId: string, sendId: string, token: string): Promise<void>;
}

/** Signed survey links and the unsubscribe link of a survey email; whether an address is suppressed. */
export interface SurveyMail {
  links(survey: SurveyDefinition, claims: Omit<SurveyLinkClaims, 'score' | 'surveyId'>): Promise<SurveyLink[]>;
  unsubscribeUrl(leadId: string, subscription: string): Promise<string>;
  isSuppressed(email: string): Promise<boolean>;
}

export interface SurveySenderDependencies {
  readonly leads: LeadReader;
  readonly settings: Pick<CareSettingsReader, 'settings'>;
  readonly records: SurveySendRecords;
  readonly surveyMail: SurveyMail;
  readonly schedules: Pick<OneTimeSchedules, 'put'>;
  readonly mailer: EmailSender;
  readonly log: Log;
  readonly now: () => Date;
}

/** One survey email per request or timer: the same request delivered twice names the same send. */
export const sendIdOf = (surveyId: string, requestId: string) => createHash('sha256').update(`${surveyId}#${requestId}`).digest('base64url').slice(0, 24);

/**
 * Sends the customers' surveys: each request or timer once (a send record claimed before the email),
 * and a recurring survey's next round's timer from what happened.
 */
export class SurveySender {
  constructor(private readonly deps: SurveySenderDependencies) {}

  /**
   * Sends a survey when it may go: the customer opted in and not suppressed, no survey within the
   * minimum gap, and for a timer the customer still in a surveyed stage and due. Each request or timer
   * sends once; a recurring survey's next timer is set from what happened. A send another invocation
   * holds is retried later, until its claim is stale; on the queue's last delivery it is taken over
   * (DeliveryAttempt: its holder is gone), so the survey and its next round are not left in the DLQ.
   */
  async surveyDue(detail: SurveyDueDetail, attempt: DeliveryAttempt = { last: false }): Promise<void> {
    const { leads, settings, surveyMail, records, mailer, log } = this.deps;
    const lead = await leads.getLead(detail.leadId);
    const { surveys, surveyGapDays } = await settings.settings();
    const survey = surveys.find((candidate) => candidate.id === detail.surveyId);
    if (!lead || !survey) {
      log.info('Survey not sent: no such lead or survey', { leadId: detail.leadId, surveyId: detail.surveyId });
      return;
    }
    const now = this.deps.now();
    const recurrence = survey.recurrence;
    if (detail.cause === 'schedule' && recurrence && !recurrence.stages.includes(currentStage(lead))) {
      log.info('Recurring survey stopped: the lead left the surveyed stages', { leadId: lead.id, surveyId: survey.id });
      return;
    }
    const lastOfThis = lead.care?.surveyedAt && Object.hasOwn(lead.care.surveyedAt, survey.id) ? lead.care.surveyedAt[survey.id] : undefined;
    const everyDays = detail.cause === 'schedule' ? (recurrence?.everyDays ?? 0) : 0;
    if (!surveyDue(everyDays, surveyGapDays, lastOfThis, lastSurveyedAt(lead.care), now.toISOString())) {
      log.info('Survey not sent: another went out too recently', { leadId: lead.id, surveyId: survey.id });
      if (detail.cause === 'schedule') await this.scheduleNext(lead.id, survey, lastOfThis ?? now.toISOString(), detail.correlationId);
      return;
    }
    const decision = sendDecision(lead, survey.subscription, await surveyMail.isSuppressed(lead.email));
    if (!decision.send) {
      log.info('Survey not sent', { leadId: lead.id, surveyId: survey.id, reason: decision.reason });
      if (detail.cause === 'schedule') await this.scheduleNext(lead.id, survey, now.toISOString(), detail.correlationId);
      return;
    }
    const sendId = sendIdOf(survey.id, detail.requestId);
    const claim = await records.claimSend({ leadId: lead.id, sendId, surveyId: survey.id, kind: survey.kind }, now, { takeOverHeld: attempt.last });
    if (claim.outcome === 'already-sent') {
      // The email went out, but the invocation that sent it may have ended before noting it on the
      // customer (else the minimum gap would have stopped this one) and before setting the next
      // round: both say what already happened, so they are done again.
      await this.noteSurveyed(lead.id, survey.id, claim.sentAt);
      if (recurrence) await this.scheduleNext(lead.id, survey, claim.sentAt, detail.correlationId);
      return;
    }
    if (claim.outcome === 'in-progress') throw new CareClaimInProgress(`Survey ${sendId} for lead ${lead.id} is being sent by another invocation`);
    const sentAt = now.toISOString();
    try {
      const links = await surveyMail.links(survey, { leadId: lead.id, sendId, expiresAt: answerDeadline(survey, sentAt) });
      const unsubscribeUrl = await surveyMail.unsubscribeUrl(lead.id, survey.subscription);
      const messageId = await mailer.send({
        to: [lead.email],
        ...composeSurveyEmail(survey, links, lead.firstName, unsubscribeUrl),
        headers: listUnsubscribeHeaders(unsubscribeUrl),
        tags: { kind: 'survey', survey: survey.id },
      });
      await records.markSendSent(lead.id, sendId, claim.token, messageId, now);
    } catch (error) {
      await records.releaseSend(lead.id, sendId, claim.token);
      throw error;
    }
    await this.noteSurveyed(lead.id, survey.id, sentAt);
    log.info('Survey sent', { leadId: lead.id, surveyId: survey.id, sendId, cause: detail.cause });
    if (recurrence) await this.scheduleNext(lead.id, survey, sentAt, detail.correlationId);
  }

  private async scheduleNext(leadId: string, survey: SurveyDefinition, from: string, correlationId: string): Promise<void> {
    if (!survey.recurrence) return;
    const next = new Date(Math.max(Date.parse(from) + survey.recurrence.everyDays * DAY_MS, this.deps.now().getTime() + DAY_MS));
    await this.deps.schedules.put(surveyTimer(leadId, survey, next, correlationId));
  }

  /** When the survey went out, on the care record (the minimum gap reads it). */
  private async noteSurveyed(leadId: string, surveyId: string, sentAt: string): Promise<void> {
    for (let attempt = 0; attempt < OPTIMISTIC_ATTEMPTS; attempt += 1) {
      if (attempt > 0) await pauseBeforeRetry(attempt);
      const lead = await this.deps.leads.getLead(leadId);
      if (!lead) return;
      const care: CustomerCare = { ...lead.care, surveyedAt: { ...lead.care?.surveyedAt, [surveyId]: sentAt } };
      if ((await this.deps.records.saveCare(lead, care, sentAt)) === 'saved') return;
    }
    // The email is out and its send record says so; only the gap check lacks it.
    this.deps.log.error('Survey sent but not noted on the customer', { leadId, surveyId, error: describeError(new LeadBusy(leadId, OPTIMISTIC_ATTEMPTS)) });
  }
}

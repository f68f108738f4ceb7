import { createHash } from 'node:crypto';
import type { OneTimeSchedules } from './follow-up-timers';
import type { RecentActivity } from './mql-alert';
import { OPTIMISTIC_ATTEMPTS, pauseBeforeRetry } from './optimistic-retry';
import type { EmailSender, EventPublisher, LeadReader, LifespanReader, Log } from './ports';
import { composeCustomerAlertEmail } from '../domain/care/alert-email';
import { assessCustomer } from '../domain/care/assessment';
import type { StoredRiskFormula } from '../domain/care/churn-risk';
import { lastSurveyedAt, type CareSettings, type CustomerCare } from '../domain/care/customer';
import type { SurveyLink } from '../domain/care/survey-links';
import { composeSurveyEmail } from '../domain/care/survey-links';
import { answerDeadline, surveyDue, type SurveyDefinition, type SurveyLinkClaims } from '../domain/care/surveys';
import { backfilledReassessmentAt, backfilledSurveyAt } from '../domain/care/timer-backfill';
import { triggerReason } from '../domain/care/triggers';
import { listUnsubscribeHeaders, sendDecision } from '../domain/consent/send-policy';
import { describeError, LeadBusy } from '../domain/errors';
import { DetailType, type DetailByType, type OneTimeSchedule, type SurveyAnsweredDetail, type SurveyDueDetail } from '../domain/events';
import type { AlertClaim } from '../domain/handoff/alert-email';
import { currentStage } from '../domain/handoff/lifecycle';
import type { Lead, LeadOwner } from '../domain/lead';

export interface CareSettingsReader extends LifespanReader {
  settings(): Promise<CareSettings>;
  activeFormula(): Promise<StoredRiskFormula>;
}

/**
 * The customer's care record, written against the lead's version it was computed from; alert and
 * survey-send records claimed before their email (a stale claim is taken over), marked after, given
 * back when the email failed.
 */
export interface CareRecords {
  saveCare(lead: Pick<Lead, 'id' | 'version'>, care: CustomerCare, at: string): Promise<'saved' | 'lead-changed'>;
  claimAlert(leadId: string, triggerId: string, episodeStartedAt: string, now: Date): Promise<AlertClaim>;
  markAlertSent(leadId: string, triggerId: string, episodeStartedAt: string, token: string, messageId: string, at: Date): Promise<void>;
  releaseAlert(leadId: string, triggerId: string, episodeStartedAt: string, token: string): Promise<void>;
  claimSend(send: { readonly leadId: string; readonly sendId: string; readonly surveyId: string; readonly kind: SurveyDefinition['kind'] }, now: Date): Promise<AlertClaim>;
  markSendSent(leadId: string, sendId: string, token: string, messageId: string, at: Date): Promise<void>;
  releaseSend(leadId: string, sendId: string, token: string): Promise<void>;
}

/** Records an answer as an engagement event on the lead (scored once per event id, like any tracked event). */
export interface EngagementRecorder {
  accept(
    events: readonly { readonly id: string; readonly type: string; readonly occurredAt: string; readonly properties: Readonly<Record<string, unknown>>; readonly email: string }[],
    correlationId: string,
  ): Promise<unknown>;
}

/** Signed survey links and the unsubscribe link of a survey email; whether an address is suppressed. */
export interface SurveyMail {
  links(survey: SurveyDefinition, claims: Omit<SurveyLinkClaims, 'score' | 'surveyId'>): Promise<SurveyLink[]>;
  unsubscribeUrl(leadId: string, subscription: string): Promise<string>;
  isSuppressed(email: string): Promise<boolean>;
}

/** The address of a lead's sales owner, from the routing configuration. */
export interface OwnerDirectory {
  addressOf(owner: LeadOwner): Promise<string | undefined>;
}

/** Timers put by name (made, or moved when one exists), and made only where none of that name exists (never moved). */
export interface CareTimers extends Pick<OneTimeSchedules, 'put'> {
  create<T extends keyof DetailByType>(schedule: OneTimeSchedule<T>): Promise<'created' | 'exists'>;
}

export interface CustomerCareDependencies {
  readonly leads: LeadReader;
  readonly settings: CareSettingsReader;
  readonly records: CareRecords;
  readonly activity: RecentActivity;
  readonly engagement: EngagementRecorder;
  readonly surveyMail: SurveyMail;
  readonly owners: OwnerDirectory;
  readonly schedules: CareTimers;
  readonly mailer: EmailSender;
  readonly publisher: EventPublisher;
  readonly log: Log;
  /** Where alerts go without an owner or a customer-success inbox in the settings. */
  readonly salesInbox: string;
  readonly now: () => Date;
}

/** Another invocation holds the claim: the record is retried later. */
export class CareClaimInProgress extends Error {
  override readonly name = 'CareClaimInProgress';
}

/** The engagement events the trend looks at: 60 days, at most this many. */
const TREND_EVENTS = 500;
const DAY_MS = 86_400_000;

/** A late recurring survey is still wanted within a day; then the next round's timer takes over. */
const SURVEY_RETRY_POLICY = { MaximumRetryAttempts: 20, MaximumEventAgeInSeconds: 86_400 };

/** One timer per customer and recurring survey, named without the lead id in clear (64 characters at most). */
export const surveyScheduleName = (surveyId: string, leadId: string) => `survey-${createHash('sha256').update(`${surveyId}#${leadId}`).digest('hex').slice(0, 40)}`;

/** One reassessment timer per customer, named without the lead id in clear. */
export const reassessmentScheduleName = (leadId: string) => `reassess-${createHash('sha256').update(leadId).digest('hex').slice(0, 40)}`;

/** How long a customer's risk goes without being reassessed: time alone moves it (days since purchase, renewal). */
const REASSESS_EVERY_MS = DAY_MS;

/** One survey email per request or timer: the same request delivered twice names the same send. */
export const sendIdOf = (surveyId: string, requestId: string) => createHash('sha256').update(`${surveyId}#${requestId}`).digest('base64url').slice(0, 24);

/** `yyyy-mm-ddThh:mm:ss` in UTC, the form of an `at()` schedule. */
const scheduleTime = (at: Date) => at.toISOString().slice(0, 19);

/**
 * The customer-success worker: after each ticket, survey answer or timer it recomputes the customer's
 * churn risk under the active formula, steps its trigger episodes and alerts once per episode (email
 * to the owner or the customer-success inbox, `care.customer-alerted` for signed webhooks); it sends
 * surveys when they are due and keeps each recurring survey's next timer.
 */
export class CustomerCareWorker {
  constructor(private readonly deps: CustomerCareDependencies) {}

  /** A survey answer becomes an engagement event on the lead, then the risk moves. */
  async surveyAnswered(detail: SurveyAnsweredDetail): Promise<void> {
    const lead = await this.deps.leads.getLead(detail.leadId);
    if (!lead) return;
    await this.deps.engagement.accept(
      [
        {
          id: `survey-${detail.sendId}-${detail.score}`,
          type: 'survey_answered',
          occurredAt: detail.answeredAt,
          properties: { surveyId: detail.surveyId, kind: detail.kind, score: detail.score, category: detail.category },
          email: lead.email,
        },
      ],
      detail.correlationId,
    );
    await this.reassess(detail.leadId, detail.correlationId);
  }

  /** Recomputes the churn risk and trigger episodes, stores them when they changed, and alerts each open episode once. */
  async reassess(leadId: string, correlationId: string): Promise<void> {
    const settings = await this.deps.settings.settings();
    const formula = await this.deps.settings.activeFormula();
    const lifespan = await this.deps.settings.lifespan();
    for (let attempt = 0; attempt < OPTIMISTIC_ATTEMPTS; attempt += 1) {
      if (attempt > 0) await pauseBeforeRetry(attempt);
      const lead = await this.deps.leads.getLead(leadId);
      if (!lead) return;
      const now = this.deps.now().toISOString();
      const since = Date.parse(now) - 60 * DAY_MS;
      const events = await this.deps.activity.eventsOf({ kind: 'lead', id: leadId }, { newestFirst: true, limit: TREND_EVENTS });
      const eventTimes = events.map((event) => event.occurredAt).filter((at) => Date.parse(at) >= since);
      const assessment = assessCustomer(lead, settings, formula, eventTimes, now, lifespan);
      if (assessment.changed && (await this.deps.records.saveCare(lead, assessment.care, now)) === 'lead-changed') continue;
      // The next reassessment a day on, while a customer: written before the alerts, so a failure retries the whole record.
      if (currentStage(lead) === 'customer') await this.putReassessmentTimer(leadId, correlationId);
      const assessed: Lead = { ...lead, care: assessment.care };
      this.deps.log.info('Churn risk assessed', { leadId, score: assessment.risk.score, band: assessment.risk.band, formulaVersion: formula.version, openEpisodes: Object.keys(assessment.episodes.open).length });
      // Every open episode, not only those starting now: a crash after storing an episode must not lose its alert.
      for (const [triggerId, startedAt] of Object.entries(assessment.episodes.open)) {
        const trigger = settings.triggers.find((candidate) => candidate.id === triggerId);
        const reason = trigger && triggerReason(trigger.when, { satisfaction: assessed.care?.satisfaction ?? {}, tickets: assessed.care?.tickets ?? [], riskBand: assessment.risk.band, riskScore: assessment.risk.score }, now);
        if (trigger && reason) await this.alert(assessed, settings, trigger.id, trigger.notify, startedAt, [reason], correlationId);
      }
      return;
    }
    throw new LeadBusy(leadId, OPTIMISTIC_ATTEMPTS);
  }

  private async alert(lead: Lead, settings: CareSettings, triggerId: string, notify: 'owner' | 'inbox', startedAt: string, reasons: readonly string[], correlationId: string): Promise<void> {
    const { records, mailer, publisher, owners, log } = this.deps;
    const risk = lead.care?.risk;
    if (!risk) return;
    const claim = await records.claimAlert(lead.id, triggerId, startedAt, this.deps.now());
    if (claim.outcome === 'already-sent') return;
    if (claim.outcome === 'in-progress') throw new CareClaimInProgress(`Alert ${triggerId} for lead ${lead.id} is being sent by another invocation`);
    try {
      const ownerAddress = notify === 'owner' && lead.owner ? await owners.addressOf(lead.owner) : undefined;
      const recipient = ownerAddress ? 'owner' : 'inbox';
      // Webhook receivers dedupe on lead + trigger + episode, so announcing again on a retry is harmless.
      await publisher.publish([
        {
          detailType: DetailType.CustomerAlerted,
          detail: { version: 1, correlationId, leadId: lead.id, triggerId, episodeStartedAt: startedAt, reasons: [...reasons], riskScore: risk.score, riskBand: risk.band, recipient },
        },
      ]);
      const messageId = await mailer.send({
        to: [ownerAddress ?? settings.inbox ?? this.deps.salesInbox],
        ...composeCustomerAlertEmail(lead, triggerId, reasons, risk, this.deps.now().toISOString()),
        tags: { kind: 'customer-alert', trigger: triggerId },
      });
      await records.markAlertSent(lead.id, triggerId, startedAt, claim.token, messageId, this.deps.now());
      log.info('Customer alert sent', { leadId: lead.id, triggerId, to: recipient });
    } catch (error) {
      await records.releaseAlert(lead.id, triggerId, startedAt, claim.token);
      throw error;
    }
  }

  /**
   * Sends a survey when it may go: the customer opted in and not suppressed, no survey within the
   * minimum gap, and for a timer the customer still in a surveyed stage and due. Each request or timer
   * sends once; a recurring survey's next timer is set from what happened.
   */
  async surveyDue(detail: SurveyDueDetail): Promise<void> {
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
    const claim = await records.claimSend({ leadId: lead.id, sendId, surveyId: survey.id, kind: survey.kind }, now);
    if (claim.outcome === 'already-sent') return;
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

  /** A new customer: each recurring survey's first timer, `firstAfterDays` from now. */
  async becameCustomer(leadId: string, correlationId: string): Promise<void> {
    const settings = await this.deps.settings.settings();
    const now = this.deps.now();
    for (const survey of settings.surveys) {
      if (!survey.recurrence?.stages.includes('customer')) continue;
      await this.putTimer(leadId, survey, new Date(now.getTime() + survey.recurrence.firstAfterDays * DAY_MS), correlationId);
    }
  }

  /**
   * The timer backfill's part per customer: each timer a customer of its stage should have (the daily
   * reassessment while a customer, each recurring survey of its stage) is made where none exists, at
   * a time that honours the survey's interval since the last one sent; an existing timer is never
   * moved, so a repeat (or a customer whose timers are all there) changes nothing.
   */
  async ensureTimers(leadId: string, correlationId: string): Promise<{ created: number; existing: number }> {
    const lead = await this.deps.leads.getLead(leadId);
    if (!lead) return { created: 0, existing: 0 };
    const { surveys } = await this.deps.settings.settings();
    const now = this.deps.now();
    const stage = currentStage(lead);
    const timers: OneTimeSchedule<keyof DetailByType>[] = [];
    if (stage === 'customer') timers.push(this.reassessmentTimer(leadId, backfilledReassessmentAt(leadId, now), correlationId));
    for (const survey of surveys) {
      const recurrence = survey.recurrence;
      if (!recurrence?.stages.includes(stage)) continue;
      const lastSurveyedAt = lead.care?.surveyedAt && Object.hasOwn(lead.care.surveyedAt, survey.id) ? lead.care.surveyedAt[survey.id] : undefined;
      const inStageSince = lead.stageChangedAt ?? (stage === 'customer' ? lead.wonAt : undefined);
      timers.push(this.surveyTimer(leadId, survey, backfilledSurveyAt({ id: survey.id, recurrence }, { leadId, lastSurveyedAt, inStageSince }, now), correlationId));
    }
    let created = 0;
    for (const timer of timers) if ((await this.deps.schedules.create(timer)) === 'created') created += 1;
    this.deps.log.info('Care timers backfilled', { leadId, created, existing: timers.length - created });
    return { created, existing: timers.length - created };
  }

  private async scheduleNext(leadId: string, survey: SurveyDefinition, from: string, correlationId: string): Promise<void> {
    if (!survey.recurrence) return;
    const next = new Date(Math.max(Date.parse(from) + survey.recurrence.everyDays * DAY_MS, this.deps.now().getTime() + DAY_MS));
    await this.putTimer(leadId, survey, next, correlationId);
  }

  private async putTimer(leadId: string, survey: SurveyDefinition, at: Date, correlationId: string): Promise<void> {
    await this.deps.schedules.put(this.surveyTimer(leadId, survey, at, correlationId));
  }

  private surveyTimer(leadId: string, survey: Pick<SurveyDefinition, 'id'>, at: Date, correlationId: string): OneTimeSchedule<typeof DetailType.SurveyDue> {
    const when = scheduleTime(at);
    return {
      name: surveyScheduleName(survey.id, leadId),
      description: `Survey ${survey.id} round`,
      at: when,
      timeZone: 'UTC',
      detailType: DetailType.SurveyDue,
      detail: { version: 1, correlationId, leadId, surveyId: survey.id, cause: 'schedule', requestId: `schedule-${when}` },
      retryPolicy: SURVEY_RETRY_POLICY,
    };
  }

  private async putReassessmentTimer(leadId: string, correlationId: string): Promise<void> {
    await this.deps.schedules.put(this.reassessmentTimer(leadId, new Date(this.deps.now().getTime() + REASSESS_EVERY_MS), correlationId));
  }

  private reassessmentTimer(leadId: string, at: Date, correlationId: string): OneTimeSchedule<typeof DetailType.ReassessmentDue> {
    return {
      name: reassessmentScheduleName(leadId),
      description: 'Daily churn-risk reassessment',
      at: scheduleTime(at),
      timeZone: 'UTC',
      detailType: DetailType.ReassessmentDue,
      detail: { version: 1, correlationId, leadId },
      retryPolicy: SURVEY_RETRY_POLICY,
    };
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

import { createHash } from 'node:crypto';
import type { CareSettingsReader } from './customer-care';
import type { OneTimeSchedules } from './follow-up-timers';
import type { LeadReader, Log } from './ports';
import type { SurveyDefinition } from '../domain/care/surveys';
import { backfilledReassessmentAt, backfilledSurveyAt } from '../domain/care/timer-backfill';
import { DetailType, utcScheduleTime, type DetailByType, type OneTimeSchedule } from '../domain/events';
import { currentStage } from '../domain/handoff/lifecycle';

/** Timers put by name (made, or moved when one exists), and made only where none of that name exists (never moved). */
export interface CareTimers extends Pick<OneTimeSchedules, 'put'> {
  create<T extends keyof DetailByType>(schedule: OneTimeSchedule<T>): Promise<'created' | 'exists'>;
}

export interface CustomerTimersDependencies {
  readonly leads: LeadReader;
  readonly settings: Pick<CareSettingsReader, 'settings'>;
  readonly schedules: CareTimers;
  readonly log: Log;
  readonly now: () => Date;
}

export const DAY_MS = 86_400_000;

/** A late recurring survey is still wanted within a day; then the next round's timer takes over. */
const SURVEY_RETRY_POLICY = { MaximumRetryAttempts: 20, MaximumEventAgeInSeconds: 86_400 };

/** One timer per customer and recurring survey, named without the lead id in clear (64 characters at most). */
export const surveyScheduleName = (surveyId: string, leadId: string) => `survey-${createHash('sha256').update(`${surveyId}#${leadId}`).digest('hex').slice(0, 40)}`;

/** One reassessment timer per customer, named without the lead id in clear. */
export const reassessmentScheduleName = (leadId: string) => `reassess-${createHash('sha256').update(leadId).digest('hex').slice(0, 40)}`;

/** How long a customer's risk goes without being reassessed: time alone moves it (days since purchase, renewal). */
const REASSESS_EVERY_MS = DAY_MS;

/** The timer of a customer's next round of a recurring survey. */
export function surveyTimer(leadId: string, survey: Pick<SurveyDefinition, 'id'>, at: Date, correlationId: string): OneTimeSchedule<typeof DetailType.SurveyDue> {
  const when = utcScheduleTime(at);
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

function reassessmentTimer(leadId: string, at: Date, correlationId: string): OneTimeSchedule<typeof DetailType.ReassessmentDue> {
  return {
    name: reassessmentScheduleName(leadId),
    description: 'Daily churn-risk reassessment',
    at: utcScheduleTime(at),
    timeZone: 'UTC',
    detailType: DetailType.ReassessmentDue,
    detail: { version: 1, correlationId, leadId },
    retryPolicy: SURVEY_RETRY_POLICY,
  };
}

/**
 * A customer's timers in EventBridge Scheduler: the daily churn-risk reassessment (started when the
 * lead becomes a customer, set a day on by each one that fires) and each recurring survey's first
 * round (SurveySender sets the rounds after it); the backfill's part, making the timers a customer
 * lacks. The reassessment itself is CustomerCareWorker's.
 */
export class CustomerTimers {
  constructor(private readonly deps: CustomerTimersDependencies) {}

  /** A new customer: the daily reassessment's first timer a day on, and each recurring survey's `firstAfterDays` from now. */
  async becameCustomer(leadId: string, correlationId: string): Promise<void> {
    const settings = await this.deps.settings.settings();
    const now = this.deps.now();
    await this.deps.schedules.put(reassessmentTimer(leadId, new Date(now.getTime() + REASSESS_EVERY_MS), correlationId));
    for (const survey of settings.surveys) {
      if (!survey.recurrence?.stages.includes('customer')) continue;
      await this.deps.schedules.put(surveyTimer(leadId, survey, new Date(now.getTime() + survey.recurrence.firstAfterDays * DAY_MS), correlationId));
    }
  }

  /** The daily reassessment fired: the next one a day on, while the lead is a customer (a churned one's timer lapses). */
  async reassessmentDue(leadId: string, correlationId: string): Promise<void> {
    const lead = await this.deps.leads.getLead(leadId);
    if (!lead || currentStage(lead) !== 'customer') return;
    await this.deps.schedules.put(reassessmentTimer(leadId, new Date(this.deps.now().getTime() + REASSESS_EVERY_MS), correlationId));
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
    if (stage === 'customer') timers.push(reassessmentTimer(leadId, backfilledReassessmentAt(leadId, now), correlationId));
    for (const survey of surveys) {
      const recurrence = survey.recurrence;
      if (!recurrence?.stages.includes(stage)) continue;
      const lastSurveyedAt = lead.care?.surveyedAt && Object.hasOwn(lead.care.surveyedAt, survey.id) ? lead.care.surveyedAt[survey.id] : undefined;
      const inStageSince = lead.stageChangedAt ?? (stage === 'customer' ? lead.wonAt : undefined);
      timers.push(surveyTimer(leadId, survey, backfilledSurveyAt({ id: survey.id, recurrence }, { leadId, lastSurveyedAt, inStageSince }, now), correlationId));
    }
    let created = 0;
    for (const timer of timers) if ((await this.deps.schedules.create(timer)) === 'created') created += 1;
    this.deps.log.info('Care timers backfilled', { leadId, created, existing: timers.length - created });
    return { created, existing: timers.length - created };
  }
}

import { OPTIMISTIC_ATTEMPTS, pauseBeforeRetry } from './optimistic-retry';
import type { EventPublisher, LeadReader, Log } from './ports';
import type { StageChanges } from './stage-changes';
import { TimerBackfill, type LeadStagePages, type TimerBackfillPage } from './timer-backfill';
import { customerFields, hasReason, type CareSettings, type CustomerCare, type CustomerView } from '../domain/care/customer';
import { lifespanDays, lifetimeValue, type Lifespan, type LifetimeValue } from '../domain/care/lifetime-value';
import { careReport, type CareReport } from '../domain/care/report';
import type { SurveyAnswer, SurveySend } from '../domain/care/surveys';
import type { Ticket } from '../domain/care/tickets';
import { Conflict, InvalidInput, LeadBusy, NotFound } from '../domain/errors';
import { DetailType } from '../domain/events';
import { transition, type StageTransition } from '../domain/handoff/lifecycle';
import type { Lead } from '../domain/lead';

export interface CareAdminStore {
  settings(): Promise<CareSettings>;
  saveCare(lead: Pick<Lead, 'id' | 'version'>, care: CustomerCare, at: string): Promise<'saved' | 'lead-changed'>;
  /** The average customer lifespan, learned or configured: the figure segments and scoring value customers with. */
  lifespan(): Promise<Lifespan>;
  addChurnedLifespan(leadId: string, churnedAt: string, days: number): Promise<void>;
  ticketsOpenedIn(month: string): Promise<readonly Ticket[]>;
  answersIn(month: string): Promise<readonly SurveySend[]>;
  riskDistribution(limit: number): Promise<NonNullable<CareReport['riskDistribution']>>;
}

export interface CareAdminDependencies {
  readonly store: CareAdminStore;
  readonly listing: LeadStagePages;
  readonly leads: LeadReader;
  readonly stageChanges: Pick<StageChanges, 'change'>;
  readonly churnedIn: (month: string) => Promise<readonly { readonly to: string; readonly reason?: string | undefined }[]>;
  readonly publisher: EventPublisher;
  readonly log: Log;
}

/** The most leads the report's risk distribution counts within the API's 30 s. */
const RISK_DISTRIBUTION_LIMIT = 50_000;

/** A customer's after-sale record as the admin API shows it. */
export interface CustomerCarePage {
  readonly leadId: string;
  readonly fields: CustomerView;
  readonly care: CustomerCare;
  readonly lifetimeValue: LifetimeValue;
}

/** Survey requests, churn, the timer backfill, a customer's record and the report (the settings are CareSettingsAdmin's, src/app/care-settings.ts). */
export class CareAdmin {
  private readonly timers: TimerBackfill;

  constructor(private readonly deps: CareAdminDependencies) {
    this.timers = new TimerBackfill({ listing: deps.listing, settings: deps.store, publisher: deps.publisher, log: deps.log });
  }

  /** Asks for a survey to each lead now (a journey step can publish the same event); consent and the gap are checked when it is sent. */
  async requestSurvey(surveyId: string, leadIds: readonly string[], requestId: string, correlationId: string): Promise<void> {
    const { surveys } = await this.deps.store.settings();
    if (!surveys.some((survey) => survey.id === surveyId)) throw new NotFound(`No survey ${surveyId}`);
    await this.deps.publisher.publish(leadIds.map((leadId) => ({ detailType: DetailType.SurveyDue, detail: { version: 1, correlationId, leadId, surveyId, cause: 'request' as const, requestId } })));
  }

  /**
   * A customer leaves: the stage moves to churned with a reason from the exit list, the reason and time
   * are kept on the care record, and the customer's lifespan teaches the lifetime value.
   */
  async churn(leadId: string, reason: string, actor: string, correlationId: string): Promise<StageTransition> {
    const { store, stageChanges } = this.deps;
    const settings = await store.settings();
    if (!hasReason(settings.reasons, 'exit', reason)) {
      throw InvalidInput.field('reason', `must be one of the exit reasons: ${settings.reasons.exit.map((entry) => entry.code).join(', ')}`);
    }
    const outcome = await stageChanges.change(leadId, { correlationId }, (_lead, stage, at) => {
      const change = transition(stage, 'churned', 'churned', actor, at, reason);
      return change.ok ? { kind: 'write', transition: change.transition } : { kind: 'refused', refusal: change };
    });
    if (outcome.outcome === 'no-lead') throw new NotFound(`No lead with id ${leadId}`);
    if (outcome.outcome === 'refused') throw new Conflict(outcome.refusal.message);
    if (outcome.outcome !== 'changed' || !outcome.transition) throw new Error(`Churn of lead ${leadId} ended ${outcome.outcome}`);
    const churnedAt = outcome.transition.at;
    const lead = await this.noteChurn(leadId, reason, churnedAt);
    const since = lead?.wonAt ?? lead?.purchases?.firstAt ?? lead?.createdAt;
    if (since) await store.addChurnedLifespan(leadId, churnedAt, lifespanDays(since, churnedAt));
    this.deps.log.info('Customer churned', { leadId, reason });
    return outcome.transition;
  }

  private async noteChurn(leadId: string, exitReason: string, churnedAt: string): Promise<Lead | undefined> {
    for (let attempt = 0; attempt < OPTIMISTIC_ATTEMPTS; attempt += 1) {
      if (attempt > 0) await pauseBeforeRetry(attempt);
      const lead = await this.deps.leads.getLead(leadId);
      if (!lead) return undefined;
      if ((await this.deps.store.saveCare(lead, { ...lead.care, exitReason, churnedAt }, churnedAt)) === 'saved') return lead;
    }
    throw new LeadBusy(leadId, OPTIMISTIC_ATTEMPTS);
  }

  /** One page of the timer backfill (see `TimerBackfill`): each customer of the page gets the timers it lacks; the cursor resumes the walk. */
  backfillTimers(cursor: string | undefined, limit: number, correlationId: string): Promise<TimerBackfillPage> {
    return this.timers.page(cursor, limit, correlationId);
  }

  async customer(leadId: string, now: string): Promise<CustomerCarePage> {
    const lead = await this.deps.leads.getLead(leadId);
    if (!lead) throw new NotFound(`No lead with id ${leadId}`);
    const lifespan = await this.deps.store.lifespan();
    return { leadId, fields: customerFields(lead, now, lifespan), care: lead.care ?? {}, lifetimeValue: lifetimeValue(lead.purchases, lifespan, now) };
  }

  async report(months: readonly string[]): Promise<CareReport> {
    const { store, churnedIn } = this.deps;
    const [sends, tickets, transitions, riskDistribution] = await Promise.all([
      Promise.all(months.map((month) => store.answersIn(month))),
      Promise.all(months.map((month) => store.ticketsOpenedIn(month))),
      Promise.all(months.map((month) => churnedIn(month))),
      store.riskDistribution(RISK_DISTRIBUTION_LIMIT),
    ]);
    const answers = sends.flat().flatMap((send): SurveyAnswer[] => (send.answer ? [send.answer] : []));
    const churned = transitions.flat().filter((change) => change.to === 'churned');
    return careReport(months, answers, tickets.flat(), churned, riskDistribution);
  }
}

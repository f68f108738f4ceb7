import { OPTIMISTIC_ATTEMPTS, pauseBeforeRetry } from './optimistic-retry';
import type { RequesterDirectory } from './help-desk-intake';
import type { EventPublisher, LeadReader, Log, SubscriptionCatalogueReader } from './ports';
import type { StageChanges } from './stage-changes';
import { TimerBackfill, type LeadStagePages, type TimerBackfillPage } from './timer-backfill';
import type { ChurnRiskFormula, StoredRiskFormula } from '../domain/care/churn-risk';
import { customerFields, hasReason, type CareSettings, type CustomerCare, type CustomerView } from '../domain/care/customer';
import { recurringSurveysChanged } from '../domain/care/timer-backfill';
import { lifespanDays, lifetimeValue, type Lifespan, type LifetimeValue } from '../domain/care/lifetime-value';
import { careReport, type CareReport } from '../domain/care/report';
import type { SurveyAnswer, SurveySend } from '../domain/care/surveys';
import type { HelpDeskKind, Ticket } from '../domain/care/tickets';
import { Conflict, describeError, InvalidInput, LeadBusy, NotFound, Unavailable } from '../domain/errors';
import { DetailType } from '../domain/events';
import { transition, type StageTransition } from '../domain/handoff/lifecycle';
import type { Lead } from '../domain/lead';
import { subscriptionTypeIssue } from '../domain/subscriptions';

export interface CareAdminStore {
  settings(): Promise<CareSettings>;
  saveSettings(settings: CareSettings, at: string): Promise<void>;
  activeFormula(): Promise<StoredRiskFormula>;
  saveFormula(formula: ChurnRiskFormula, previousVersion: number, at: string): Promise<StoredRiskFormula | 'version-changed'>;
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
  readonly emails: { leadIdForEmail(email: string): Promise<string | undefined> };
  readonly requesters: Pick<RequesterDirectory, 'rememberRequester'>;
  readonly leads: LeadReader;
  readonly stageChanges: Pick<StageChanges, 'change'>;
  readonly churnedIn: (month: string) => Promise<readonly { readonly to: string; readonly reason?: string | undefined }[]>;
  readonly publisher: EventPublisher;
  /** The stored subscription types: a survey names one of them. */
  readonly subscriptionTypes: SubscriptionCatalogueReader;
  readonly log: Log;
}

/** When to repeat a settings change whose backfill the bus refused. */
const BUS_RETRY_AFTER_SECONDS = 2;

/** The most leads the report's risk distribution counts within the API's 30 s. */
const RISK_DISTRIBUTION_LIMIT = 50_000;

/** A customer's after-sale record as the admin API shows it. */
export interface CustomerCarePage {
  readonly leadId: string;
  readonly fields: CustomerView;
  readonly care: CustomerCare;
  readonly lifetimeValue: LifetimeValue;
}

/** Settings, the versioned risk formula, survey requests, churn, a customer's record and the report. */
export class CareAdmin {
  private readonly timers: TimerBackfill;

  constructor(private readonly deps: CareAdminDependencies) {
    this.timers = new TimerBackfill({ listing: deps.listing, settings: deps.store, publisher: deps.publisher, log: deps.log });
  }

  settings(): Promise<CareSettings> {
    return this.deps.store.settings();
  }

  /**
   * Saves the settings; when the recurring surveys changed (one added, its interval or stages), starts
   * the timer backfill, so customers who were customers before get the new timers too.
   */
  async replaceSettings(settings: CareSettings, correlationId: string): Promise<CareSettings> {
    const catalogue = await this.deps.subscriptionTypes();
    const issues = settings.surveys.flatMap((survey, index) => subscriptionTypeIssue(catalogue, survey.subscription, `surveys[${index}].subscription`) ?? []);
    const [first] = issues;
    if (first) throw new InvalidInput(`Invalid request: ${first.field} ${first.message}`, issues);
    const before = await this.deps.store.settings();
    await this.deps.store.saveSettings(settings, new Date().toISOString());
    const backfill = recurringSurveysChanged(before.surveys, settings.surveys);
    this.deps.log.info('Care settings saved', { surveys: settings.surveys.length, triggers: settings.triggers.length, timerBackfill: backfill });
    if (backfill) {
      try {
        await this.deps.publisher.publish([{ detailType: DetailType.CareTimersBackfillRequested, detail: { version: 1, correlationId } }]);
      } catch (error) {
        this.deps.log.error('Care timer backfill not started', { error: describeError(error) });
        throw new Unavailable('The settings are saved, but the bus refused the timer backfill: run `leadflow care backfill-timers`', BUS_RETRY_AFTER_SECONDS);
      }
    }
    return settings;
  }

  activeFormula(): Promise<StoredRiskFormula> {
    return this.deps.store.activeFormula();
  }

  /** Saves the formula as the next version when `expectedVersion` is still the latest (409 otherwise). */
  async saveFormula(formula: ChurnRiskFormula, expectedVersion: number): Promise<StoredRiskFormula> {
    const saved = await this.deps.store.saveFormula(formula, expectedVersion, new Date().toISOString());
    if (saved === 'version-changed') throw new Conflict(`The risk formula is no longer at version ${expectedVersion}; read it and repeat`);
    this.deps.log.info('Risk formula saved', { version: saved.version });
    return saved;
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

  /** Records which lead each of the help desk's requester ids is (by the lead's address or id); an unknown lead is reported, not kept. */
  async mapRequesters(
    kind: HelpDeskKind,
    entries: readonly { readonly requesterId: string; readonly email?: string | undefined; readonly leadId?: string | undefined }[],
    at: string,
  ): Promise<{ requesterId: string; status: 'mapped' | 'unknown_lead'; leadId?: string }[]> {
    const results: { requesterId: string; status: 'mapped' | 'unknown_lead'; leadId?: string }[] = [];
    for (const entry of entries) {
      const leadId = entry.email ? await this.deps.emails.leadIdForEmail(entry.email) : entry.leadId;
      const lead = leadId ? await this.deps.leads.getLead(leadId) : undefined;
      if (!lead) {
        results.push({ requesterId: entry.requesterId, status: 'unknown_lead' });
        continue;
      }
      await this.deps.requesters.rememberRequester(kind, entry.requesterId, lead.id, at);
      results.push({ requesterId: entry.requesterId, status: 'mapped', leadId: lead.id });
    }
    this.deps.log.info('Help desk requesters mapped', { kind, mapped: results.filter((result) => result.status === 'mapped').length, unknown: results.filter((result) => result.status !== 'mapped').length });
    return results;
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

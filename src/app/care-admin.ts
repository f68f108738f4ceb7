import { OPTIMISTIC_ATTEMPTS, pauseBeforeRetry } from './optimistic-retry';
import type { RequesterDirectory } from './help-desk-intake';
import type { EventPublisher, LeadReader, Log } from './ports';
import type { StageChanges } from './stage-changes';
import type { ChurnRiskFormula, StoredRiskFormula } from '../domain/care/churn-risk';
import { customerFields, hasReason, type CareSettings, type CustomerCare, type CustomerView } from '../domain/care/customer';
import { lifespanDays, lifetimeValue, type Lifespan, type LifetimeValue } from '../domain/care/lifetime-value';
import { careReport, type CareReport } from '../domain/care/report';
import type { SurveyAnswer, SurveySend } from '../domain/care/surveys';
import type { HelpDeskKind, Ticket } from '../domain/care/tickets';
import { Conflict, describeError, InvalidInput, LeadBusy, NotFound, Unavailable } from '../domain/errors';
import { DetailType } from '../domain/events';
import { transition, type StageTransition } from '../domain/handoff/lifecycle';
import type { Lead } from '../domain/lead';
import { decodeCursor, encodeCursor, LEAD_LISTING_SHARDS, type LeadCursor } from '../domain/lead-listing';

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

/** Pages of every lead's id and lifecycle stage, from a cursor; no cursor back means the listing is done. */
export interface LeadStagePages {
  stagesPage(limit: number, cursor: LeadCursor): Promise<{ leads: readonly { readonly id: string; readonly stage?: string }[]; cursor?: LeadCursor }>;
}

/** One page of the timer backfill: how many leads were looked at, how many customers were asked for, where to go on. */
export interface TimerBackfillPage {
  readonly scanned: number;
  readonly customers: number;
  /** Absent once every lead has been looked at. */
  readonly cursor?: string;
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
  readonly log: Log;
}

/** When to repeat a backfill page the bus refused. */
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
  constructor(private readonly deps: CareAdminDependencies) {}

  settings(): Promise<CareSettings> {
    return this.deps.store.settings();
  }

  async replaceSettings(settings: CareSettings): Promise<CareSettings> {
    await this.deps.store.saveSettings(settings, new Date().toISOString());
    this.deps.log.info('Care settings saved', { surveys: settings.surveys.length, triggers: settings.triggers.length });
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

  /**
   * Gives every customer its daily reassessment timer, a page of leads at a time: customers made before
   * the timers existed get one only at their next care event. Each customer of the page gets a
   * `care.reassessment-due` event; reassessing it puts (or moves) its one timer, so a page repeated
   * after a failure or run twice changes nothing more. The returned cursor resumes the walk.
   */
  async backfillTimers(cursor: string | undefined, limit: number, correlationId: string): Promise<TimerBackfillPage> {
    const page = await this.deps.listing.stagesPage(limit, cursor === undefined ? { shard: 0 } : parseCursor(cursor));
    const customers = page.leads.filter((lead) => lead.stage === 'customer');
    try {
      await this.deps.publisher.publish(customers.map((lead) => ({ detailType: DetailType.ReassessmentDue, detail: { version: 1, correlationId, leadId: lead.id } })));
    } catch (error) {
      this.deps.log.error('Reassessment timers not requested', { customers: customers.length, error: describeError(error) });
      throw new Unavailable('The bus refused part of this page; repeat the same call', BUS_RETRY_AFTER_SECONDS);
    }
    this.deps.log.info('Reassessment timers requested', { scanned: page.leads.length, customers: customers.length, done: !page.cursor });
    return { scanned: page.leads.length, customers: customers.length, ...(page.cursor ? { cursor: encodeCursor(page.cursor) } : {}) };
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

/** A cursor as `backfillTimers` returned it; anything else is refused naming the field. */
function parseCursor(text: string): LeadCursor {
  let cursor: unknown;
  try {
    cursor = decodeCursor(text);
  } catch {
    throw InvalidInput.field('cursor', 'must be a cursor a previous page returned');
  }
  const { shard, startKey } = (typeof cursor === 'object' && cursor !== null ? cursor : {}) as { shard?: unknown; startKey?: unknown };
  const validShard = Number.isInteger(shard) && (shard as number) >= 0 && (shard as number) < LEAD_LISTING_SHARDS.length;
  // The listing index's own key, in the cursor's partition: DynamoDB would refuse any other start key with a 5xx-looking error.
  const key = (typeof startKey === 'object' && startKey !== null ? startKey : {}) as Record<string, unknown>;
  const validKey =
    startKey === undefined ||
    (Object.keys(key).sort().join() === 'gsi1pk,gsi1sk,pk,sk' && Object.values(key).every((value) => typeof value === 'string') && key.gsi1pk === `LEADS#${LEAD_LISTING_SHARDS[shard as number]}`);
  if (!validShard || !validKey) throw InvalidInput.field('cursor', 'must be a cursor a previous page returned');
  return cursor as LeadCursor;
}

import type { RequesterDirectory } from './help-desk-intake';
import type { EventPublisher, LeadReader, Log, SubscriptionCatalogueReader } from './ports';
import type { ChurnRiskFormula, StoredRiskFormula } from '../domain/care/churn-risk';
import type { CareSettings } from '../domain/care/customer';
import { recurringSurveysChanged } from '../domain/care/timer-backfill';
import type { HelpDeskKind } from '../domain/care/tickets';
import { Conflict, describeError, InvalidInput, Unavailable } from '../domain/errors';
import { DetailType } from '../domain/events';
import { subscriptionTypeIssue } from '../domain/subscriptions';

export interface CareSettingsStore {
  settings(): Promise<CareSettings>;
  saveSettings(settings: CareSettings, at: string): Promise<void>;
  activeFormula(): Promise<StoredRiskFormula>;
  saveFormula(formula: ChurnRiskFormula, previousVersion: number, at: string): Promise<StoredRiskFormula | 'version-changed'>;
}

export interface CareSettingsDependencies {
  readonly store: CareSettingsStore;
  readonly emails: { leadIdForEmail(email: string): Promise<string | undefined> };
  readonly requesters: Pick<RequesterDirectory, 'rememberRequester'>;
  readonly leads: LeadReader;
  readonly publisher: EventPublisher;
  /** The stored subscription types: a survey names one of them. */
  readonly subscriptionTypes: SubscriptionCatalogueReader;
  readonly log: Log;
}

/** When to repeat a settings change whose backfill the bus refused. */
const BUS_RETRY_AFTER_SECONDS = 2;

/** The care settings (surveys, reasons, triggers, lifespan), the versioned risk formula and the help desk's requesters. */
export class CareSettingsAdmin {
  constructor(private readonly deps: CareSettingsDependencies) {}

  settings(): Promise<CareSettings> {
    return this.deps.store.settings();
  }

  /**
   * Saves the settings; when the recurring surveys changed (one added, its interval or stages), starts
   * the timer backfill, so customers who were customers before get the new timers too.
   */
  async replaceSettings(settings: CareSettings, correlationId: string): Promise<CareSettings> {
    const catalogue = await this.deps.subscriptionTypes(settings.surveys.map((survey) => survey.subscription));
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
}

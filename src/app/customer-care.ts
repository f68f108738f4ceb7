import { CareClaimInProgress } from './care-claims';
import type { RecentActivity } from './mql-alert';
import { OPTIMISTIC_ATTEMPTS, pauseBeforeRetry } from './optimistic-retry';
import type { DeliveryAttempt, EmailSender, EventPublisher, LeadReader, LifespanReader, Log } from './ports';
import { composeCustomerAlertEmail } from '../domain/care/alert-email';
import { assessCustomer } from '../domain/care/assessment';
import type { StoredRiskFormula } from '../domain/care/churn-risk';
import type { CareSettings, CustomerCare } from '../domain/care/customer';
import { triggerReason } from '../domain/care/triggers';
import { LeadBusy } from '../domain/errors';
import { DetailType, type SurveyAnsweredDetail } from '../domain/events';
import type { AlertClaim } from '../domain/handoff/alert-email';
import type { Lead, LeadOwner } from '../domain/lead';

export interface CareSettingsReader extends LifespanReader {
  settings(): Promise<CareSettings>;
  activeFormula(): Promise<StoredRiskFormula>;
}

/** The customer's care record, written against the lead's version it was computed from. */
export interface SavedCare {
  saveCare(lead: Pick<Lead, 'id' | 'version'>, care: CustomerCare, at: string): Promise<'saved' | 'lead-changed'>;
}

/**
 * The care record and the alert records, claimed before their email (a stale claim is taken over, and
 * with `takeOverHeld` any held one), marked after, given back when the email failed.
 */
export interface CareRecords extends SavedCare {
  claimAlert(leadId: string, triggerId: string, episodeStartedAt: string, now: Date, options?: { readonly takeOverHeld?: boolean }): Promise<AlertClaim>;
  markAlertSent(leadId: string, triggerId: string, episodeStartedAt: string, token: string, messageId: string, at: Date): Promise<void>;
  releaseAlert(leadId: string, triggerId: string, episodeStartedAt: string, token: string): Promise<void>;
}

/** Records an answer as an engagement event on the lead (scored once per event id, like any tracked event). */
export interface EngagementRecorder {
  accept(
    events: readonly { readonly id: string; readonly type: string; readonly occurredAt: string; readonly properties: Readonly<Record<string, unknown>>; readonly email: string }[],
    correlationId: string,
  ): Promise<unknown>;
}

/** The address of a lead's sales owner, from the routing configuration. */
export interface OwnerDirectory {
  addressOf(owner: LeadOwner): Promise<string | undefined>;
}

export interface CustomerCareDependencies {
  readonly leads: LeadReader;
  readonly settings: CareSettingsReader;
  readonly records: CareRecords;
  readonly activity: RecentActivity;
  readonly engagement: EngagementRecorder;
  readonly owners: OwnerDirectory;
  readonly mailer: EmailSender;
  readonly publisher: EventPublisher;
  readonly log: Log;
  /** Where alerts go without an owner or a customer-success inbox in the settings. */
  readonly salesInbox: string;
  readonly now: () => Date;
}

/** The engagement events the trend looks at: 60 days, at most this many. */
const TREND_EVENTS = 500;
const DAY_MS = 86_400_000;

/**
 * The customer-success worker: after each ticket, survey answer or timer it recomputes the customer's
 * churn risk under the active formula, steps its trigger episodes and alerts once per episode (email
 * to the owner or the customer-success inbox, `care.customer-alerted` for signed webhooks). Surveys
 * and the timers (the daily reassessment's among them) are CustomerSurveys'.
 */
export class CustomerCareWorker {
  constructor(private readonly deps: CustomerCareDependencies) {}

  /** A survey answer becomes an engagement event on the lead, then the risk moves. */
  async surveyAnswered(detail: SurveyAnsweredDetail, delivery: DeliveryAttempt = { last: false }): Promise<void> {
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
    await this.reassess(detail.leadId, detail.correlationId, delivery);
  }

  /**
   * Recomputes the churn risk and trigger episodes, stores them when they changed, and alerts each open
   * episode once. An alert another invocation holds is retried later, until its claim is stale; on the
   * queue's last delivery it is taken over (DeliveryAttempt: its holder is gone) rather than left in the
   * DLQ until the next day's reassessment.
   */
  async reassess(leadId: string, correlationId: string, delivery: DeliveryAttempt = { last: false }): Promise<void> {
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
      const assessed: Lead = { ...lead, care: assessment.care };
      this.deps.log.info('Churn risk assessed', { leadId, score: assessment.risk.score, band: assessment.risk.band, formulaVersion: formula.version, openEpisodes: Object.keys(assessment.episodes.open).length });
      // Every open episode, not only those starting now: a crash after storing an episode must not lose its alert.
      for (const [triggerId, startedAt] of Object.entries(assessment.episodes.open)) {
        const trigger = settings.triggers.find((candidate) => candidate.id === triggerId);
        const reason = trigger && triggerReason(trigger.when, { satisfaction: assessed.care?.satisfaction ?? {}, tickets: assessed.care?.tickets ?? [], riskBand: assessment.risk.band, riskScore: assessment.risk.score }, now);
        if (trigger && reason) await this.alert(assessed, settings, trigger.id, trigger.notify, startedAt, [reason], correlationId, delivery);
      }
      return;
    }
    throw new LeadBusy(leadId, OPTIMISTIC_ATTEMPTS);
  }

  private async alert(lead: Lead, settings: CareSettings, triggerId: string, notify: 'owner' | 'inbox', startedAt: string, reasons: readonly string[], correlationId: string, delivery: DeliveryAttempt): Promise<void> {
    const { records, mailer, publisher, owners, log } = this.deps;
    const risk = lead.care?.risk;
    if (!risk) return;
    const claim = await records.claimAlert(lead.id, triggerId, startedAt, this.deps.now(), { takeOverHeld: delivery.last });
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
}

import type { QualificationKey } from './follow-up-handoff';
import { followUpRequested } from './follow-up-timers';
import { routeQualifiedLead, type AssignmentRouting } from './lead-assignment';
import type { EmailSender, EventPublisher, Log } from './ports';
import type { EventSubject, RecordedEvent } from './lead-scoring';
import { DetailType, type DomainEvent, type LeadQualifiedDetail } from '../domain/events';
import { composeAlertEmail, type AlertClaim } from '../domain/handoff/alert-email';
import type { AlertRecipient } from '../domain/handoff/routing';
import type { Lead } from '../domain/lead';

export type { AlertClaim };

/**
 * One alert record per qualification: claimed before the email (a stale claim is taken over), marked
 * sent after, or released for the retry. Marking and releasing need the claim's token.
 */
export interface AlertRecords {
  claim(key: QualificationKey, now: Date): Promise<AlertClaim>;
  markSent(key: QualificationKey, token: string, messageId: string, at: Date): Promise<void>;
  release(key: QualificationKey, token: string): Promise<void>;
}

/**
 * The lead's profile, read consistently, without its score: the alert and the routing rules look only at
 * the profile, and the alert states the score as the qualification carries it. One read instead of two.
 */
export interface LeadProfiles {
  profileOf(leadId: string): Promise<Lead | undefined>;
}

/** The lead's latest engagement, which the alert lists. */
export interface RecentActivity {
  eventsOf(subject: EventSubject, options: { readonly newestFirst: boolean; readonly limit: number }): Promise<RecordedEvent[]>;
}

/** How long a qualification took from its signal being received to its alert being sent. */
export interface AlertLatency {
  record(milliseconds: number): void;
}

export interface MqlAlertDependencies {
  readonly alerts: AlertRecords;
  readonly leads: LeadProfiles;
  readonly activity: RecentActivity;
  readonly routing: AssignmentRouting;
  readonly mailer: EmailSender;
  readonly publisher: EventPublisher;
  readonly latency: AlertLatency;
  readonly log: Log;
  /** Where alerts go without a routing configuration. */
  readonly salesInbox: string;
}

/** Another invocation holds the alert: the record is retried later. */
export class AlertInProgress extends Error {
  override readonly name = 'AlertInProgress';
}

/** How many of the lead's latest events the alert lists. */
const RECENT_ACTIVITY = 10;

/**
 * Hands a qualified lead to sales: exactly one alert per qualification, under duplicates, retries and
 * concurrency. The lead is routed first (given an owner once, `lead.assigned` published), the alert
 * names the owner, the reasons and the lead's latest activity. With the routing's follow-up, the owner's
 * timers are requested (`handoff.follow-up-requested`, started by schedule-follow-ups) before the alert.
 */
export class MqlAlerts {
  constructor(private readonly dependencies: MqlAlertDependencies) {}

  async alert(detail: LeadQualifiedDetail): Promise<void> {
    const { alerts, leads, activity, routing, mailer, publisher, latency, log } = this.dependencies;
    const key: QualificationKey = { leadId: detail.leadId, rulesetVersion: detail.rulesetVersion, qualification: detail.qualification };
    const claim = await alerts.claim(key, new Date());
    if (claim.outcome === 'already-sent') {
      log.info('Alert already sent; duplicate delivery ignored', { ...key });
      return;
    }
    if (claim.outcome === 'in-progress') throw new AlertInProgress(`Alert for lead ${key.leadId} is being sent by another invocation`);

    let messageId: string;
    let recipient: AlertRecipient;
    try {
      const { routing: configured, lead } = await routing.withProfile(detail.leadId);
      if (!lead) throw new Error(`Lead ${detail.leadId} not found`);
      // Assignment is idempotent on its own (keyed like the alert), so a retry after a failed send finds it.
      const routed = await routeQualifiedLead(routing, configured, lead, key, () => leads.profileOf(detail.leadId), new Date().toISOString());
      recipient = routed.recipient;
      // Before the email, so a retry after a failed publish (the claim given back) publishes again: the
      // owner's timers are never lost to an alert that went out, and a repeat only moves them to the same times.
      const events: DomainEvent[] = [
        ...(routed.assigned ? [{ detailType: DetailType.LeadAssigned, detail: { version: 1 as const, correlationId: detail.correlationId, ...key, ...routed.assigned } }] : []),
        ...(routed.followUp ? [followUpRequested(key, routed.followUp.owner, routed.followUp.timing, detail.correlationId)] : []),
      ];
      if (events.length) await publisher.publish(events);
      if (routed.assigned) log.info('Lead assigned', { ...key, repId: routed.assigned.repId, teamId: routed.assigned.teamId });
      const recent = await activity.eventsOf({ kind: 'lead', id: lead.id }, { newestFirst: true, limit: RECENT_ACTIVITY });
      messageId = await mailer.send({
        to: [this.addressOf(recipient)],
        ...composeAlertEmail(lead, detail, recent, recipient),
        tags: { kind: 'mql-alert', ruleset: detail.rulesetVersion.replace(/[^A-Za-z0-9_-]/g, '_') },
      });
    } catch (error) {
      // Nothing was sent: give the claim back so the retry can send.
      await alerts.release(key, claim.token);
      throw error;
    }
    const sentAt = new Date();
    await alerts.markSent(key, claim.token, messageId, sentAt);
    if (detail.signalReceivedAt) latency.record(sentAt.getTime() - Date.parse(detail.signalReceivedAt));
    log.info('MQL alert sent', { ...key, to: recipient.kind, ...(recipient.kind === 'owner' ? { repId: recipient.rep.id } : {}) });
  }

  /** The address an alert goes to: the owner, the team's inbox, or (without routing) the sales inbox. */
  private addressOf(recipient: AlertRecipient): string {
    if (recipient.kind === 'owner') return recipient.rep.email;
    if (recipient.kind === 'team-inbox') return recipient.team.inbox;
    return this.dependencies.salesInbox;
  }
}

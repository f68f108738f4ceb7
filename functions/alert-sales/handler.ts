import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { AlertStore } from '../../src/adapters/alert-store';
import { documentClient, eventBridgeClient, sesClient, sqsClient } from '../../src/adapters/clients';
import { describeError, EventBridgePublisher } from '../../src/adapters/event-publisher';
import { LeadEventStore } from '../../src/adapters/lead-events';
import { LeadStore } from '../../src/adapters/lead-store';
import { SesMailer } from '../../src/adapters/mailer';
import { HeldClaimRetry } from '../../src/adapters/redelivery';
import { RoutingStore } from '../../src/adapters/routing-store';
import { oneTimeSchedules } from '../../src/adapters/scheduler';
import { readConfig, setting } from '../../src/config';
import { METRICS_NAMESPACE, PipelineMetric } from '../../manifest/metrics';
import { processSqsBatch } from '../../src/app/batch';
import { DetailType, LeadQualifiedDetail } from '../../src/domain/events';
import { composeAlertEmail } from '../../src/domain/handoff/alert-email';
import type { AlertRecipient } from '../../src/domain/handoff/routing';
import { FollowUpTimers } from '../../src/app/follow-up-timers';
import { routeQualifiedLead, type Routed } from '../../src/app/lead-assignment';

const config = readConfig({
  TABLE_NAME: setting,
  EVENT_BUS_NAME: setting,
  SENDER_ADDRESS: setting,
  SALES_INBOX: setting,
  SES_CONFIGURATION_SET: setting,
});
const logger = new Logger();
const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'alert-sales' });
const client = documentClient();
const leads = new LeadStore(client, config.TABLE_NAME);
const leadEvents = new LeadEventStore(client, config.TABLE_NAME);
const routing = new RoutingStore(client, config.TABLE_NAME);
const publisher = new EventBridgePublisher(eventBridgeClient(), config.EVENT_BUS_NAME);
// Claims taken over once stale (30 s: the function's timeout in the manifest); a retry that finds one
// held waits until it could be, so an alert a crash cut off is sent late, not dead-lettered.
const heldClaims = new HeldClaimRetry(sqsClient(), 30);
const alerts = new AlertStore(client, config.TABLE_NAME, heldClaims.staleMs);
const mailer = new SesMailer(sesClient(), config.SENDER_ADDRESS, config.SES_CONFIGURATION_SET);
const timers = new FollowUpTimers(
  oneTimeSchedules(),
);

const RECENT_ACTIVITY = 10;

const BusEvent = z.object({ 'detail-type': z.literal(DetailType.LeadQualified), detail: LeadQualifiedDetail });

/** The address an alert goes to: the owner, the team's inbox, or (without routing) the sales inbox. */
function addressOf(recipient: AlertRecipient): string {
  if (recipient.kind === 'owner') return recipient.rep.email;
  if (recipient.kind === 'team-inbox') return recipient.team.inbox;
  return config.SALES_INBOX;
}

/** Raised so the record is retried later, while another invocation holds the alert. */
class AlertInProgress extends Error {
  override readonly name = 'AlertInProgress';
}

async function alertSales(record: SQSRecord): Promise<void> {
  const { detail } = BusEvent.parse(JSON.parse(record.body));
  const key = { leadId: detail.leadId, rulesetVersion: detail.rulesetVersion, qualification: detail.qualification };
  const claim = await alerts.claim(key, new Date());
  if (claim.outcome === 'already-sent') {
    logger.info('Alert already sent; duplicate delivery ignored', key);
    return;
  }
  if (claim.outcome === 'in-progress') {
    await heldClaims.postpone(record, logger, key);
    throw new AlertInProgress(`Alert for lead ${key.leadId} is being sent by another invocation`);
  }

  let messageId: string;
  let recipient: AlertRecipient;
  let routed: Routed;
  try {
    const lead = await leads.getLead(detail.leadId);
    if (!lead) throw new Error(`Lead ${detail.leadId} not found`);
    // Assignment is idempotent on its own (keyed like the alert), so a retry after a failed send finds it.
    routed = await routeQualifiedLead(routing, lead, key, () => leads.getLead(detail.leadId), new Date().toISOString());
    recipient = routed.recipient;
    if (routed.assigned) {
      await publisher.publish([
        { detailType: DetailType.LeadAssigned, detail: { version: 1, correlationId: detail.correlationId, ...key, ...routed.assigned } },
      ]);
      logger.info('Lead assigned', { ...key, repId: routed.assigned.repId, teamId: routed.assigned.teamId });
    }
    const recent = await leadEvents.eventsOf({ kind: 'lead', id: lead.id }, { newestFirst: true, limit: RECENT_ACTIVITY });
    messageId = await mailer.send({
      to: [addressOf(recipient)],
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
  if (detail.signalReceivedAt) metrics.addMetric(PipelineMetric.MqlAlertLatency, MetricUnit.Milliseconds, sentAt.getTime() - Date.parse(detail.signalReceivedAt));
  logger.info('MQL alert sent', { ...key, to: recipient.kind, ...(recipient.kind === 'owner' ? { repId: recipient.rep.id } : {}) });
  if (routed.followUp) {
    // The alert is out and marked sent; a retry could not start the timers without sending it again.
    // So a Scheduler failure is logged for an operator (the rep still has the alert) rather than retried.
    try {
      await timers.start(key, routed.followUp.owner, routed.followUp.timing, detail.correlationId);
    } catch (error) {
      logger.error('Follow-up timers not started; the lead waits for its rep without reminder or reassignment', { ...key, error: describeError(error) });
    }
  }
}

export const handler = async (event: SQSEvent, context: Context) => {
  logger.addContext(context);
  try {
    return await processSqsBatch(event, context, logger, alertSales);
  } finally {
    metrics.publishStoredMetrics();
  }
};

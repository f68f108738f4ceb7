import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { AlertStore } from '../../shared/adapters/alert-store';
import { documentClient, sesClient } from '../../shared/adapters/clients';
import { LeadStore } from '../../shared/adapters/lead-store';
import { SesMailer } from '../../shared/adapters/mailer';
import { readConfig, setting } from '../../shared/config';
import { logFailures } from '../../shared/batch';
import { DetailType, LeadQualifiedDetail } from '../../shared/domain/events';
import { composeAlertEmail } from '../../shared/domain/handoff/alert-email';

const config = readConfig({ TABLE_NAME: setting, SENDER_ADDRESS: setting, SALES_INBOX: setting, SES_CONFIGURATION_SET: setting });
const logger = new Logger();
const client = documentClient();
const leads = new LeadStore(client, config.TABLE_NAME);
// A claim older than five function timeouts belongs to an invocation that is gone.
const alerts = new AlertStore(client, config.TABLE_NAME, 5 * 30_000);
const mailer = new SesMailer(sesClient(), config.SENDER_ADDRESS, config.SES_CONFIGURATION_SET);
const processor = new BatchProcessor(EventType.SQS);

const RECENT_ACTIVITY = 10;

const BusEvent = z.object({ 'detail-type': z.literal(DetailType.LeadQualified), detail: LeadQualifiedDetail });

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
  if (claim.outcome === 'in-progress') throw new AlertInProgress(`Alert for lead ${key.leadId} is being sent by another invocation`);

  let messageId: string;
  try {
    const lead = await leads.getLead(detail.leadId);
    if (!lead) throw new Error(`Lead ${detail.leadId} not found`);
    const recent = await leads.eventsOf({ kind: 'lead', id: lead.id }, { newestFirst: true, limit: RECENT_ACTIVITY });
    messageId = await mailer.send({
      to: [config.SALES_INBOX],
      ...composeAlertEmail(lead, detail, recent),
      tags: { kind: 'mql-alert', ruleset: detail.rulesetVersion.replace(/[^A-Za-z0-9_-]/g, '_') },
    });
  } catch (error) {
    // Nothing was sent: give the claim back so the retry can send.
    await alerts.release(key, claim.token);
    throw error;
  }
  await alerts.markSent(key, claim.token, messageId, new Date());
  logger.info('MQL alert sent', key);
}

export const handler = async (event: SQSEvent, context: Context) => {
  logger.addContext(context);
  return processPartialResponse(event, logFailures(logger, alertSales), processor, { context, throwOnFullBatchFailure: false });
};

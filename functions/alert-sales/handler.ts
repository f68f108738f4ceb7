import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSEvent } from 'aws-lambda';
import { leadflowBusEvent } from '../../src/adapters/bus-events';
import { AlertStore } from '../../src/adapters/alert-store';
import { documentClient, eventBridgeClient, sesClient, sqsClient } from '../../src/adapters/clients';
import { EventBridgePublisher } from '../../src/adapters/event-publisher';
import { LeadEventStore } from '../../src/adapters/lead-events';
import { LeadStore } from '../../src/adapters/lead-store';
import { SesMailer } from '../../src/adapters/mailer';
import { LatencyMetric } from '../../src/adapters/latency-metric';
import { HeldClaimRetry } from '../../src/adapters/redelivery';
import { RoutingStore } from '../../src/adapters/routing-store';
import { processParsedSqsBatch, type ParsedRecordOf } from '../../src/adapters/sqs-records';
import { readConfig, setting } from '../../src/config';
import { METRICS_NAMESPACE, PipelineMetric } from '../../manifest/metrics';

import { AlertInProgress, MqlAlerts } from '../../src/app/mql-alert';
import { DetailType, LeadQualifiedDetail } from '../../src/domain/events';

const config = readConfig({
  TABLE_NAME: setting,
  EVENT_BUS_NAME: setting,
  SENDER_ADDRESS: setting,
  SALES_INBOX: setting,
  SES_CONFIGURATION_SET: setting,
});
const logger = new Logger();
const alertLatency = new LatencyMetric(METRICS_NAMESPACE, 'alert-sales', PipelineMetric.MqlAlertLatency);
const client = documentClient();
// Claims taken over once stale (30 s: the function's timeout in the manifest); a retry that finds one
// held waits until it could be, so an alert a crash cut off is sent late, not dead-lettered.
const heldClaims = new HeldClaimRetry(sqsClient(), 30);
const alerts = new MqlAlerts({
  alerts: new AlertStore(client, config.TABLE_NAME, heldClaims.staleMs),
  leads: new LeadStore(client, config.TABLE_NAME),
  activity: new LeadEventStore(client, config.TABLE_NAME),
  routing: new RoutingStore(client, config.TABLE_NAME),
  mailer: new SesMailer(sesClient(), config.SENDER_ADDRESS, config.SES_CONFIGURATION_SET),
  publisher: new EventBridgePublisher(eventBridgeClient(), config.EVENT_BUS_NAME),
  latency: alertLatency,
  log: logger,
  salesInbox: config.SALES_INBOX,
});

const BusEvent = leadflowBusEvent({ [DetailType.LeadQualified]: LeadQualifiedDetail });

async function alertSales(record: ParsedRecordOf<typeof BusEvent>): Promise<void> {
  const { detail } = record.body;
  try {
    await alerts.alert(detail);
  } catch (error) {
    if (error instanceof AlertInProgress) await heldClaims.postpone(record, logger, { leadId: detail.leadId, rulesetVersion: detail.rulesetVersion, qualification: detail.qualification });
    throw error;
  }
}

export const handler = async (event: SQSEvent, context: Context) => {
  logger.addContext(context);
  try {
    return await processParsedSqsBatch(event, context, logger, BusEvent, alertSales);
  } finally {
    alertLatency.flush();
  }
};

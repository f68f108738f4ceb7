import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSEvent } from 'aws-lambda';
import { leadflowBusEvent } from '../../src/adapters/bus-events';
import { documentClient, eventBridgeClient, sesClient, sqsClient } from '../../src/adapters/clients';
import { HeldClaimRetry } from '../../src/adapters/redelivery';
import { EventBridgePublisher } from '../../src/adapters/event-publisher';
import { FollowUpStore } from '../../src/adapters/follow-up-store';
import { LeadStore } from '../../src/adapters/lead-store';
import { SesMailer } from '../../src/adapters/mailer';
import { RoutingStore } from '../../src/adapters/routing-store';
import { processParsedSqsBatch, type ParsedRecordOf } from '../../src/adapters/sqs-records';

import { FollowUpHandoff, FollowUpInProgress } from '../../src/app/follow-up-handoff';
import { readConfig, setting } from '../../src/config';
import { DetailType, FollowUpDueDetail } from '../../src/domain/events';

const config = readConfig({
  TABLE_NAME: setting,
  EVENT_BUS_NAME: setting,
  SENDER_ADDRESS: setting,
  SES_CONFIGURATION_SET: setting,
});
const logger = new Logger();
const client = documentClient();
// Claims taken over once stale (30 s: the function's timeout in the manifest); a retry that finds a
// step held waits until it could be, so a step a crash cut off is done late, not dead-lettered.
const heldClaims = new HeldClaimRetry(sqsClient(), 30);
const followUps = new FollowUpHandoff({
  leads: new LeadStore(client, config.TABLE_NAME),
  routing: new RoutingStore(client, config.TABLE_NAME),
  steps: new FollowUpStore(client, config.TABLE_NAME, heldClaims.staleMs),
  mailer: new SesMailer(sesClient(), config.SENDER_ADDRESS, config.SES_CONFIGURATION_SET),
  publisher: new EventBridgePublisher(eventBridgeClient(), config.EVENT_BUS_NAME),
  log: logger,
  // Twice the function's timeout: a reassignment claimed longer ago belongs to an invocation that is gone.
  announcingForMs: 2 * 30_000,
});

const BusEvent = leadflowBusEvent({ [DetailType.FollowUpDue]: FollowUpDueDetail });

async function followUp(record: ParsedRecordOf<typeof BusEvent>): Promise<void> {
  const { detail } = record.body;
  const { leadId, rulesetVersion, qualification, round, kind } = detail;
  try {
    return await followUps.due(detail);
  } catch (error) {
    if (error instanceof FollowUpInProgress) await heldClaims.postpone(record, logger, { leadId, rulesetVersion, qualification, round, kind });
    throw error;
  }
}

export const handler = async (event: SQSEvent, context: Context) => {
  logger.addContext(context);
  return processParsedSqsBatch(event, context, logger, BusEvent, followUp);
};

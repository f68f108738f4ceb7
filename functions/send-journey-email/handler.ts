import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSEvent } from 'aws-lambda';
import { leadflowBusEvent } from '../../src/adapters/bus-events';
import { documentClient, eventBridgeClient } from '../../src/adapters/clients';
import { EventBridgePublisher } from '../../src/adapters/event-publisher';
import { EmailStepRunStore, PublishedJourneys, SalesTaskStore } from '../../src/adapters/journey-store';
import { RoutingConfigReader } from '../../src/adapters/routing-store';
import { MarketingSendLedgerStore, SendPolicyStore } from '../../src/adapters/send-policy-store';
import { isLastDelivery, processParsedSqsBatch, type ParsedRecordOf } from '../../src/adapters/sqs-records';
import { subscriberMail } from '../../src/adapters/subscriber-mail';
import { SubscriptionTypeStore } from '../../src/adapters/subscription-type-store';
import { JourneyEmails } from '../../src/app/journey-emails';
import { MarketingSendGate } from '../../src/app/marketing-send-gate';
import { marketingSendPolicy } from '../../src/app/send-time-check';
import { readConfig, setting } from '../../src/config';
import { DetailType, JourneyEmailStepReachedDetail } from '../../src/domain/events';

const config = readConfig({ SALES_INBOX: setting, EVENT_BUS_NAME: setting, MAX_RECEIVE_COUNT: setting });
const logger = new Logger();
const client = documentClient();
const { tableName, leads, mailer, suppressedAmong, link } = subscriberMail();
const subscriptionTypes = new SubscriptionTypeStore(client, tableName).current;
const emails = new JourneyEmails({
  steps: new EmailStepRunStore(client, tableName),
  journeys: new PublishedJourneys(client, tableName),
  leads,
  sendCheck: marketingSendPolicy(new MarketingSendGate({ leads, suppressedAmong, policy: new SendPolicyStore(client, tableName), ledger: new MarketingSendLedgerStore(client, tableName), subscriptionTypes })),
  mailer,
  link,
  subscriptionTypes,
  routing: new RoutingConfigReader(client, tableName),
  tasks: new SalesTaskStore(client, tableName),
  salesInbox: config.SALES_INBOX,
  publisher: new EventBridgePublisher(eventBridgeClient(), config.EVENT_BUS_NAME),
  log: logger,
  // Twice the function's timeout: a step taken longer ago was left by a sender that died mid-send.
  abandonedSendMs: 2 * 30_000,
});

const BusEvent = leadflowBusEvent({ [DetailType.JourneyEmailStepReached]: JourneyEmailStepReachedDetail });

async function sendStep(record: ParsedRecordOf<typeof BusEvent>): Promise<void> {
  const { leadId, journeyId, journeyVersion, stepId, run, seq } = record.body.detail;
  const result = await emails.deliver({ leadId, journeyId, journeyVersion, stepId, run, seq }, { last: isLastDelivery(record, Number(config.MAX_RECEIVE_COUNT)) });
  logger.info('Journey email step', { journeyId, stepId, leadId, run, seq, result });
}

export const handler = async (event: SQSEvent, context: Context) => {
  logger.addContext(context);
  return processParsedSqsBatch(event, context, logger, BusEvent, sendStep);
};

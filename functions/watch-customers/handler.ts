import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSEvent } from 'aws-lambda';
import { AnonymousLinks } from '../../src/adapters/anonymous-links';
import { leadflowBusEvent } from '../../src/adapters/bus-events';
import { CareStore } from '../../src/adapters/care-store';
import { documentClient, eventBridgeClient, secretsManagerClient, sqsClient } from '../../src/adapters/clients';
import { EmailIndex } from '../../src/adapters/email-index';
import { EventBridgePublisher } from '../../src/adapters/event-publisher';
import { LeadEventStore } from '../../src/adapters/lead-events';
import { HeldClaimRetry } from '../../src/adapters/redelivery';
import { RoutingStore } from '../../src/adapters/routing-store';
import { oneTimeSchedules } from '../../src/adapters/scheduler';
import { cachedSecret, keyRingFromSecret } from '../../src/adapters/secrets';
import { processParsedSqsBatch, type ParsedRecordOf } from '../../src/adapters/sqs-records';
import { subscriberMail } from '../../src/adapters/subscriber-mail';
import { CareClaimInProgress, CustomerCareWorker } from '../../src/app/customer-care';
import { EventIntake } from '../../src/app/event-intake';
import { readConfig, setting } from '../../src/config';
import { surveyLinks } from '../../src/domain/care/survey-links';
import { DetailType } from '../../src/domain/events';
import { findOwner } from '../../src/domain/handoff/routing';

const config = readConfig({ EVENT_BUS_NAME: setting, SALES_INBOX: setting, SIGNING_KEYS_SECRET: setting });
const logger = new Logger();
const client = documentClient();
const { leads, mailer, isSuppressed, link, tableName, publicBaseUrl } = subscriberMail();
const keyRing = cachedSecret(secretsManagerClient(), config.SIGNING_KEYS_SECRET, keyRingFromSecret);
// Claims taken over once stale (30 s: the function's timeout in the manifest); a retry that finds one
// held waits until it could be, so an alert or survey a crash cut off is sent late, not dead-lettered.
const heldClaims = new HeldClaimRetry(sqsClient(), 30);
const care = new CareStore(client, tableName, heldClaims.staleMs);
const routing = new RoutingStore(client, tableName);
const publisher = new EventBridgePublisher(eventBridgeClient(), config.EVENT_BUS_NAME);
const history = new LeadEventStore(client, tableName);
const worker = new CustomerCareWorker({
  leads,
  settings: care,
  records: care,
  activity: history,
  engagement: new EventIntake({ emails: new EmailIndex(client, tableName), visitors: new AnonymousLinks(client, tableName), history, publisher, log: logger }),
  surveyMail: {
    links: async (survey, claims) => surveyLinks(await keyRing(), publicBaseUrl, survey, claims),
    unsubscribeUrl: (leadId, subscription) => link('/v1/unsubscribe', 'unsubscribe', { leadId, subscription }),
    isSuppressed,
  },
  owners: {
    addressOf: async (owner) => {
      const stored = await routing.get();
      const found = stored ? findOwner(stored.config, owner) : undefined;
      // A rep who left the team: the team's inbox hears of the customer.
      return found?.kind === 'owner' ? found.rep.email : found?.kind === 'team-inbox' ? found.team.inbox : undefined;
    },
  },
  schedules: oneTimeSchedules(),
  mailer,
  publisher,
  log: logger,
  salesInbox: config.SALES_INBOX,
  now: () => new Date(),
});

const BusEvent = leadflowBusEvent(DetailType.TicketRecorded, DetailType.SurveyAnswered, DetailType.SurveyDue, DetailType.LeadStageChanged);

async function watch(record: ParsedRecordOf<typeof BusEvent>): Promise<void> {
  const event = record.body;
  try {
    switch (event['detail-type']) {
      case DetailType.TicketRecorded:
        return await worker.reassess(event.detail.leadId, event.detail.correlationId);
      case DetailType.SurveyAnswered:
        return await worker.surveyAnswered(event.detail);
      case DetailType.SurveyDue:
        return await worker.surveyDue(event.detail);
      case DetailType.LeadStageChanged:
        if (event.detail.to === 'customer') await worker.becameCustomer(event.detail.leadId, event.detail.correlationId);
        return await worker.reassess(event.detail.leadId, event.detail.correlationId);
    }
  } catch (error) {
    if (error instanceof CareClaimInProgress) await heldClaims.postpone(record, logger, { leadId: event.detail.leadId });
    throw error;
  }
}

export const handler = async (event: SQSEvent, context: Context) => {
  logger.addContext(context);
  return processParsedSqsBatch(event, context, logger, BusEvent, watch);
};

import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSEvent } from 'aws-lambda';
import { AnonymousLinks } from '../../src/adapters/anonymous-links';
import { leadflowBusEvent } from '../../src/adapters/bus-events';
import { CareStore } from '../../src/adapters/care-store';
import { documentClient, eventBridgeClient, sesClient } from '../../src/adapters/clients';
import { EmailIndex } from '../../src/adapters/email-index';
import { EventBridgePublisher } from '../../src/adapters/event-publisher';
import { LeadEventStore } from '../../src/adapters/lead-events';
import { LeadStore } from '../../src/adapters/lead-store';
import { SesMailer } from '../../src/adapters/mailer';
import { RoutingStore } from '../../src/adapters/routing-store';
import { isLastDelivery, processParsedSqsBatch, type ParsedRecordOf } from '../../src/adapters/sqs-records';
import { CustomerCareWorker } from '../../src/app/customer-care';
import { EventIntake } from '../../src/app/event-intake';
import { readConfig, setting } from '../../src/config';
import { DetailType, LeadStageChangedDetail, PurchaseRecordedDetail, ReassessmentDueDetail, SurveyAnsweredDetail, TicketRecordedDetail } from '../../src/domain/events';
import { findOwner } from '../../src/domain/handoff/routing';

const config = readConfig({ TABLE_NAME: setting, EVENT_BUS_NAME: setting, SALES_INBOX: setting, SENDER_ADDRESS: setting, SES_CONFIGURATION_SET: setting, MAX_RECEIVE_COUNT: setting });
const logger = new Logger();
const client = documentClient();
// Claims taken over once stale (twice the function's 30 s timeout). A record that finds one held is
// retried after the queue's visibility timeout (6 x 30 s), by when a claim a crash left is stale: the
// alert is sent late, not lost, with no SQS client in the bundle. On the record's last delivery a held
// claim is taken over (npm start retries within seconds, before a claim a kill -9 left is stale).
const care = new CareStore(client, config.TABLE_NAME, 60_000);
const routing = new RoutingStore(client, config.TABLE_NAME);
const publisher = new EventBridgePublisher(eventBridgeClient(), config.EVENT_BUS_NAME);
const history = new LeadEventStore(client, config.TABLE_NAME);
const worker = new CustomerCareWorker({
  leads: new LeadStore(client, config.TABLE_NAME),
  settings: care,
  records: care,
  activity: history,
  engagement: new EventIntake({ emails: new EmailIndex(client, config.TABLE_NAME), visitors: new AnonymousLinks(client, config.TABLE_NAME), history, publisher, log: logger }),
  owners: {
    addressOf: async (owner) => {
      const stored = await routing.get();
      const found = stored ? findOwner(stored.config, owner) : undefined;
      // A rep who left the team: the team's inbox hears of the customer.
      return found?.kind === 'owner' ? found.rep.email : found?.kind === 'team-inbox' ? found.team.inbox : undefined;
    },
  },
  mailer: new SesMailer(sesClient(), config.SENDER_ADDRESS, config.SES_CONFIGURATION_SET),
  publisher,
  log: logger,
  salesInbox: config.SALES_INBOX,
  now: () => new Date(),
});

// Surveys, the customer's timers and their backfill are survey-customers'; its rule, not this one, takes the backfill's requests.
const BusEvent = leadflowBusEvent({ [DetailType.TicketRecorded]: TicketRecordedDetail, [DetailType.PurchaseRecorded]: PurchaseRecordedDetail, [DetailType.SurveyAnswered]: SurveyAnsweredDetail, [DetailType.ReassessmentDue]: ReassessmentDueDetail, [DetailType.LeadStageChanged]: LeadStageChangedDetail });

async function watch(record: ParsedRecordOf<typeof BusEvent>): Promise<void> {
  const event = record.body;
  const delivery = { last: isLastDelivery(record, Number(config.MAX_RECEIVE_COUNT)) };
  if (event['detail-type'] === DetailType.SurveyAnswered) return worker.surveyAnswered(event.detail, delivery);
  return worker.reassess(event.detail.leadId, event.detail.correlationId, delivery);
}

export const handler = async (event: SQSEvent, context: Context) => {
  logger.addContext(context);
  return processParsedSqsBatch(event, context, logger, BusEvent, watch);
};

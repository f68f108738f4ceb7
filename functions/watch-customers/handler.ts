import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSEvent } from 'aws-lambda';
import { AnonymousLinks } from '../../src/adapters/anonymous-links';
import { leadflowBusEvent } from '../../src/adapters/bus-events';
import { CareStore } from '../../src/adapters/care-store';
import { documentClient, eventBridgeClient, schedulerClient, secretsManagerClient } from '../../src/adapters/clients';
import { EmailIndex } from '../../src/adapters/email-index';
import { LeadListing } from '../../src/adapters/lead-listing';
import { EventBridgePublisher } from '../../src/adapters/event-publisher';
import { LeadEventStore } from '../../src/adapters/lead-events';
import { RoutingStore } from '../../src/adapters/routing-store';
import { createOneTimeSchedule, putOneTimeSchedule, schedulerSettings } from '../../src/adapters/scheduler';
import { cachedSecret, keyRingFromSecret } from '../../src/adapters/secrets';
import { processParsedSqsBatch, type ParsedRecordOf } from '../../src/adapters/sqs-records';
import { subscriberMail } from '../../src/adapters/subscriber-mail';
import { CustomerCareWorker } from '../../src/app/customer-care';
import { EventIntake } from '../../src/app/event-intake';
import { TimerBackfill } from '../../src/app/timer-backfill';
import { readConfig, setting } from '../../src/config';
import { surveyLinks } from '../../src/domain/care/survey-links';
import { CareTimersBackfillRequestedDetail, DetailType, LeadStageChangedDetail, PurchaseRecordedDetail, ReassessmentDueDetail, SurveyAnsweredDetail, SurveyDueDetail, TicketRecordedDetail } from '../../src/domain/events';
import { findOwner } from '../../src/domain/handoff/routing';

const config = readConfig({ EVENT_BUS_NAME: setting, SALES_INBOX: setting, SIGNING_KEYS_SECRET: setting });
const logger = new Logger();
const client = documentClient();
const { leads, mailer, isSuppressed, link, tableName, publicBaseUrl } = subscriberMail();
const keyRing = cachedSecret(secretsManagerClient(), config.SIGNING_KEYS_SECRET, keyRingFromSecret);
// Claims taken over once stale (twice the function's 30 s timeout). A record that finds one held is
// retried after the queue's visibility timeout (6 x 30 s), by when a claim a crash left is stale: the
// alert or survey is sent late, not lost, with no SQS client in the bundle.
const care = new CareStore(client, tableName, 60_000);
const routing = new RoutingStore(client, tableName);
const publisher = new EventBridgePublisher(eventBridgeClient(), config.EVENT_BUS_NAME);
const history = new LeadEventStore(client, tableName);
const scheduler = schedulerClient();
const timerSettings = schedulerSettings();
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
  // Timers are put (moved by name), or by the backfill made only where none exists; never deleted: a churned
  // customer's next one finds it gone from the surveyed stages.
  schedules: { put: (schedule) => putOneTimeSchedule(scheduler, timerSettings, schedule), create: (schedule) => createOneTimeSchedule(scheduler, timerSettings, schedule) },
  mailer,
  publisher,
  log: logger,
  salesInbox: config.SALES_INBOX,
  now: () => new Date(),
});

const backfill = new TimerBackfill({ listing: new LeadListing(client, tableName), settings: care, publisher, log: logger });

/** Leads a backfill step reads per page: one query and at most 50 PutEvents calls. */
const BACKFILL_PAGE = 500;
/** A backfill step stops paging with this much of the invocation left, for the page under way and the hand-on. */
const BACKFILL_RESERVE_MS = 12_000;

const BusEvent = leadflowBusEvent({ [DetailType.TicketRecorded]: TicketRecordedDetail, [DetailType.PurchaseRecorded]: PurchaseRecordedDetail, [DetailType.SurveyAnswered]: SurveyAnsweredDetail, [DetailType.SurveyDue]: SurveyDueDetail, [DetailType.ReassessmentDue]: ReassessmentDueDetail, [DetailType.LeadStageChanged]: LeadStageChangedDetail, [DetailType.CareTimersBackfillRequested]: CareTimersBackfillRequestedDetail });

async function watch(record: ParsedRecordOf<typeof BusEvent>, context: Context): Promise<void> {
  const event = record.body;
  switch (event['detail-type']) {
    case DetailType.TicketRecorded:
    case DetailType.PurchaseRecorded:
      return worker.reassess(event.detail.leadId, event.detail.correlationId);
    case DetailType.ReassessmentDue:
      if (event.detail.backfill) {
        await worker.ensureTimers(event.detail.leadId, event.detail.correlationId);
        return;
      }
      return worker.reassess(event.detail.leadId, event.detail.correlationId);
    case DetailType.CareTimersBackfillRequested:
      await backfill.walk(event.detail.cursor, event.detail.correlationId, () => context.getRemainingTimeInMillis() > BACKFILL_RESERVE_MS, BACKFILL_PAGE);
      return;
    case DetailType.SurveyAnswered:
      return worker.surveyAnswered(event.detail);
    case DetailType.SurveyDue:
      return worker.surveyDue(event.detail);
    case DetailType.LeadStageChanged:
      if (event.detail.to === 'customer') await worker.becameCustomer(event.detail.leadId, event.detail.correlationId);
      return worker.reassess(event.detail.leadId, event.detail.correlationId);
  }
}

export const handler = async (event: SQSEvent, context: Context) => {
  logger.addContext(context);
  return processParsedSqsBatch(event, context, logger, BusEvent, (record) => watch(record, context));
};

import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSEvent } from 'aws-lambda';
import { leadflowBusEvent } from '../../src/adapters/bus-events';
import { CareStore } from '../../src/adapters/care-store';
import { documentClient, eventBridgeClient, schedulerClient } from '../../src/adapters/clients';
import { EventBridgePublisher } from '../../src/adapters/event-publisher';
import { LeadListing } from '../../src/adapters/lead-listing';
import { LeadStore } from '../../src/adapters/lead-store';
import { createOneTimeSchedule, putOneTimeSchedule, schedulerSettings } from '../../src/adapters/scheduler';
import { processParsedSqsBatch, type ParsedRecordOf } from '../../src/adapters/sqs-records';
import { CustomerTimers } from '../../src/app/care-timers';
import { TimerBackfill } from '../../src/app/timer-backfill';
import { readConfig, setting } from '../../src/config';
import { CareTimersBackfillRequestedDetail, DetailType, LeadStageChangedDetail, ReassessmentDueDetail } from '../../src/domain/events';

const config = readConfig({ TABLE_NAME: setting, EVENT_BUS_NAME: setting });
const logger = new Logger();
const client = documentClient();
const care = new CareStore(client, config.TABLE_NAME);
const scheduler = schedulerClient();
const timerSettings = schedulerSettings();
const timers = new CustomerTimers({
  leads: new LeadStore(client, config.TABLE_NAME),
  settings: care,
  // Timers are put (moved by name), or by the backfill made only where none exists; never deleted: a churned
  // customer's next one finds it gone from the surveyed stages.
  schedules: { put: (schedule) => putOneTimeSchedule(scheduler, timerSettings, schedule), create: (schedule) => createOneTimeSchedule(scheduler, timerSettings, schedule) },
  log: logger,
  now: () => new Date(),
});
const backfill = new TimerBackfill({ listing: new LeadListing(client, config.TABLE_NAME), settings: care, publisher: new EventBridgePublisher(eventBridgeClient(), config.EVENT_BUS_NAME), log: logger });

/** Leads a backfill step reads per page: one query and at most 50 PutEvents calls. */
const BACKFILL_PAGE = 500;
/** A backfill step stops paging with this much of the invocation left, for the page under way and the hand-on. */
const BACKFILL_RESERVE_MS = 12_000;

const BusEvent = leadflowBusEvent({ [DetailType.ReassessmentDue]: ReassessmentDueDetail, [DetailType.LeadStageChanged]: LeadStageChangedDetail, [DetailType.CareTimersBackfillRequested]: CareTimersBackfillRequestedDetail });

async function schedule(record: ParsedRecordOf<typeof BusEvent>, context: Context): Promise<void> {
  const event = record.body;
  switch (event['detail-type']) {
    case DetailType.ReassessmentDue:
      if (event.detail.backfill) {
        await timers.ensureTimers(event.detail.leadId, event.detail.correlationId);
        return;
      }
      return timers.reassessmentDue(event.detail.leadId, event.detail.correlationId);
    case DetailType.LeadStageChanged:
      if (event.detail.to === 'customer') await timers.becameCustomer(event.detail.leadId, event.detail.correlationId);
      return;
    case DetailType.CareTimersBackfillRequested:
      await backfill.walk(event.detail.cursor, event.detail.correlationId, () => context.getRemainingTimeInMillis() > BACKFILL_RESERVE_MS, BACKFILL_PAGE);
      return;
  }
}

export const handler = async (event: SQSEvent, context: Context) => {
  logger.addContext(context);
  return processParsedSqsBatch(event, context, logger, BusEvent, (record) => schedule(record, context));
};

import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSEvent } from 'aws-lambda';
import { leadflowBusEvent } from '../../src/adapters/bus-events';
import { documentClient } from '../../src/adapters/clients';
import { LeadStore } from '../../src/adapters/lead-store';
import { oneTimeSchedules } from '../../src/adapters/scheduler';
import { processParsedSqsBatch, type ParsedRecordOf } from '../../src/adapters/sqs-records';

import { FollowUpTimers } from '../../src/app/follow-up-timers';
import { readConfig, setting } from '../../src/config';
import { DetailType, FollowUpRequestedDetail, LeadStageChangedDetail } from '../../src/domain/events';

const config = readConfig({ TABLE_NAME: setting });
const logger = new Logger();
const timers = new FollowUpTimers({ schedules: oneTimeSchedules(), leads: new LeadStore(documentClient(), config.TABLE_NAME), log: logger });

const BusEvent = leadflowBusEvent({ [DetailType.FollowUpRequested]: FollowUpRequestedDetail, [DetailType.LeadStageChanged]: LeadStageChangedDetail });

async function scheduleFollowUp(record: ParsedRecordOf<typeof BusEvent>): Promise<void> {
  const event = record.body;
  if (event['detail-type'] === DetailType.LeadStageChanged) return timers.answered(event.detail);
  return timers.start(event.detail);
}

export const handler = async (event: SQSEvent, context: Context) => {
  logger.addContext(context);
  return processParsedSqsBatch(event, context, logger, BusEvent, scheduleFollowUp);
};

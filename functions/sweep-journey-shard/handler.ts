import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSEvent } from 'aws-lambda';
import { leadflowBusEvent } from '../../src/adapters/bus-events';
import { documentClient, eventBridgeClient } from '../../src/adapters/clients';
import { EventBridgePublisher } from '../../src/adapters/event-publisher';
import { EnrolmentStore, ShardSweepStore } from '../../src/adapters/journey-store';
import { processParsedSqsBatch, type ParsedRecordOf } from '../../src/adapters/sqs-records';
import { ShardDrain, SHARD_SWEEP_HOLD_MS } from '../../src/app/journey-timers';
import { readConfig, setting } from '../../src/config';
import { DetailType, JourneyTimersDueDetail } from '../../src/domain/events';

const config = readConfig({ TABLE_NAME: setting, EVENT_BUS_NAME: setting });
const logger = new Logger();
const drain = new ShardDrain(
  new EnrolmentStore(documentClient(), config.TABLE_NAME),
  new ShardSweepStore(documentClient(), config.TABLE_NAME),
  new EventBridgePublisher(eventBridgeClient(), config.EVENT_BUS_NAME),
  logger,
);

const BusEvent = leadflowBusEvent({ [DetailType.JourneyTimersDue]: JourneyTimersDueDetail });

/** Time left for the drain to stop cleanly (and hand the rest on) before the function's limit. */
const STOP_BEFORE_LIMIT_MS = 5_000;

export const handler = async (event: SQSEvent, context: Context) => {
  logger.addContext(context);
  const deadline = Date.now() + context.getRemainingTimeInMillis() - STOP_BEFORE_LIMIT_MS;
  return processParsedSqsBatch(event, context, logger, BusEvent, async (record: ParsedRecordOf<typeof BusEvent>) => {
    const { shard, holder } = record.body.detail;
    const outcome = await drain.drain(shard, holder, new Date(), deadline, SHARD_SWEEP_HOLD_MS);
    if (outcome === 'not-holder') logger.info('Journey due shard drained by another holder', { shard });
  });
};

import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { documentClient, eventBridgeClient } from '../../src/adapters/clients';
import { EventBridgePublisher } from '../../src/adapters/event-publisher';
import { EnrolmentStore } from '../../src/adapters/journey-store';
import { JourneyTimers } from '../../src/app/journey-timers';
import { readConfig, setting } from '../../src/config';

const config = readConfig({ TABLE_NAME: setting, EVENT_BUS_NAME: setting });
const logger = new Logger();
const timers = new JourneyTimers(new EnrolmentStore(documentClient(), config.TABLE_NAME), new EventBridgePublisher(eventBridgeClient(), config.EVENT_BUS_NAME), logger);

/** Time left for the sweep to stop cleanly before the function's limit. */
const STOP_BEFORE_LIMIT_MS = 5_000;

export const handler = async (_event: ScheduledEvent, context: Context): Promise<{ sent: number }> => {
  logger.addContext(context);
  const sent = await timers.sweep(new Date(), Date.now() + context.getRemainingTimeInMillis() - STOP_BEFORE_LIMIT_MS);
  return { sent };
};

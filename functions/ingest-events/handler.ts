import { Logger } from '@aws-lambda-powertools/logger';
import { documentClient, eventBridgeClient } from '../../src/adapters/clients';
import { EmailIndex } from '../../src/adapters/email-index';
import { EventBridgePublisher } from '../../src/adapters/event-publisher';
import { AnonymousLinks } from '../../src/adapters/anonymous-links';
import { LeadEventStore } from '../../src/adapters/lead-events';
import { EventIntake } from '../../src/app/event-intake';
import { positiveInteger, readConfig, setting } from '../../src/config';
import { json } from '../../src/http/middleware';
import { routesHandler, type Implementation } from '../../src/http/routes';
import { ingestEventsRoutes } from './routes';
import { throttlingRefusal } from '../../src/adapters/throttling';

const config = readConfig({ TABLE_NAME: setting, EVENT_BUS_NAME: setting, MAX_BODY_BYTES: positiveInteger });
const logger = new Logger();
const intake = new EventIntake({
  emails: new EmailIndex(documentClient(), config.TABLE_NAME),
  visitors: new AnonymousLinks(documentClient(), config.TABLE_NAME),
  history: new LeadEventStore(documentClient(), config.TABLE_NAME),
  publisher: new EventBridgePublisher(eventBridgeClient(), config.EVENT_BUS_NAME),
  log: logger,
});

const sendEvents: Implementation<(typeof ingestEventsRoutes)[number]> = async ({ body: batch }, event) =>
  json(202, await intake.accept(batch.events, event.requestContext.requestId));

export const handler = routesHandler({ logger, unavailable: throttlingRefusal, maxBodyBytes: config.MAX_BODY_BYTES }, ingestEventsRoutes, { sendEvents });

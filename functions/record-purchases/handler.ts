import { Logger } from '@aws-lambda-powertools/logger';
import { documentClient, eventBridgeClient } from '../../src/adapters/clients';
import { EventBridgePublisher } from '../../src/adapters/event-publisher';
import { isThrottling, throttlingRefusal } from '../../src/adapters/throttling';
import { EmailIndex } from '../../src/adapters/email-index';
import { LeadStore } from '../../src/adapters/lead-store';
import { PurchaseStore } from '../../src/adapters/purchase-store';
import { PurchaseRecording } from '../../src/app/purchase-recording';
import { positiveInteger, readConfig, setting } from '../../src/config';
import { json } from '../../src/http/middleware';
import { routesHandler } from '../../src/http/routes';
import { recordPurchasesRoutes } from './routes';

const config = readConfig({ TABLE_NAME: setting, EVENT_BUS_NAME: setting, MAX_BODY_BYTES: positiveInteger });
const logger = new Logger();
const recording = new PurchaseRecording({
  leads: new LeadStore(documentClient(), config.TABLE_NAME),
  emails: new EmailIndex(documentClient(), config.TABLE_NAME),
  ledger: new PurchaseStore(documentClient(), config.TABLE_NAME),
  publisher: new EventBridgePublisher(eventBridgeClient(), config.EVENT_BUS_NAME),
  isThrottling,
  log: logger,
});

export const handler = routesHandler({ logger, unavailable: throttlingRefusal, maxBodyBytes: config.MAX_BODY_BYTES }, recordPurchasesRoutes, {
  recordPurchases: async ({ body: { purchases } }, event) => json(200, await recording.recordAll(purchases, event.requestContext.requestId, new Date().toISOString())),
});

import { Logger } from '@aws-lambda-powertools/logger';
import { documentClient } from '../../src/adapters/clients';
import { isThrottling } from '../../src/adapters/throttling';
import { EmailIndex } from '../../src/adapters/email-index';
import { LeadStore } from '../../src/adapters/lead-store';
import { PurchaseStore } from '../../src/adapters/purchase-store';
import { PurchaseRecording } from '../../src/app/purchase-recording';
import { positiveInteger, readConfig, setting } from '../../src/config';
import { json } from '../../src/http/middleware';
import { routesHandler } from '../../src/http/routes';
import { recordPurchasesRoutes } from './routes';

const config = readConfig({ TABLE_NAME: setting, MAX_BODY_BYTES: positiveInteger });
const logger = new Logger();
const recording = new PurchaseRecording({
  leads: new LeadStore(documentClient(), config.TABLE_NAME),
  emails: new EmailIndex(documentClient(), config.TABLE_NAME),
  ledger: new PurchaseStore(documentClient(), config.TABLE_NAME),
  isThrottling,
  log: logger,
});

export const handler = routesHandler({ logger, maxBodyBytes: config.MAX_BODY_BYTES }, recordPurchasesRoutes, {
  recordPurchases: async ({ body: { purchases } }) => json(200, await recording.recordAll(purchases, new Date().toISOString())),
});

import { Logger } from '@aws-lambda-powertools/logger';
import { TicketBatch } from '../../src/api/tickets';
import { CareStore } from '../../src/adapters/care-store';
import { documentClient, eventBridgeClient, secretsManagerClient } from '../../src/adapters/clients';
import { EmailIndex } from '../../src/adapters/email-index';
import { EventBridgePublisher } from '../../src/adapters/event-publisher';
import { LeadStore } from '../../src/adapters/lead-store';
import { cachedSecret, keyRingFromSecret } from '../../src/adapters/secrets';
import { isThrottling, throttlingRefusal } from '../../src/adapters/throttling';
import { HelpDeskIntake } from '../../src/app/help-desk-intake';
import { TicketIntake } from '../../src/app/ticket-intake';
import { positiveInteger, readConfig, setting } from '../../src/config';
import { json } from '../../src/http/middleware';
import { routesHandler } from '../../src/http/routes';
import { receiveHelpDeskTicketsRoutes } from './routes';

const config = readConfig({ TABLE_NAME: setting, EVENT_BUS_NAME: setting, SIGNING_KEYS_SECRET: setting, MAX_BODY_BYTES: positiveInteger });
const logger = new Logger();
const client = documentClient();
const care = new CareStore(client, config.TABLE_NAME);
const helpDesk = new HelpDeskIntake({
  helpDesk: care,
  keyRing: cachedSecret(secretsManagerClient(), config.SIGNING_KEYS_SECRET, keyRingFromSecret),
  requesters: care,
  tickets: new TicketIntake({
    leads: new LeadStore(client, config.TABLE_NAME),
    emails: new EmailIndex(client, config.TABLE_NAME),
    ledger: care,
    publisher: new EventBridgePublisher(eventBridgeClient(), config.EVENT_BUS_NAME),
    isThrottling,
    log: logger,
  }),
  genericBody: TicketBatch,
});

export const handler = routesHandler({ logger, unavailable: throttlingRefusal, maxBodyBytes: config.MAX_BODY_BYTES }, receiveHelpDeskTicketsRoutes, {
  receiveHelpDeskTickets: async (_input, event) => {
    // The bytes as the help desk signed them, not the parsed body.
    const rawBody = event.body === undefined ? '' : Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8').toString('utf8');
    const delivery = await helpDesk.take(event.headers, rawBody, event.requestContext.requestId, new Date());
    return delivery.outcome === 'ignored' ? json(202, { ignored: delivery.reason, tickets: delivery.tickets }) : json(200, { tickets: delivery.tickets });
  },
});

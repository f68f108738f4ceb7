import { Logger } from '@aws-lambda-powertools/logger';
import { CareStore } from '../../src/adapters/care-store';
import { documentClient, eventBridgeClient, secretsManagerClient } from '../../src/adapters/clients';
import { EmailIndex } from '../../src/adapters/email-index';
import { EventBridgePublisher } from '../../src/adapters/event-publisher';
import { LeadStore } from '../../src/adapters/lead-store';
import { cachedSecret, keyRingFromSecret } from '../../src/adapters/secrets';
import { SubscriptionTypeStore } from '../../src/adapters/subscription-type-store';
import { throttlingRefusal } from '../../src/adapters/throttling';
import { CareSettingsAdmin } from '../../src/app/care-settings';
import { HELP_DESK_SEAL_ID } from '../../src/app/help-desk-intake';
import { positiveInteger, readConfig, setting } from '../../src/config';
import { FRESHDESK_SIMPLE_FIELDS, FRESHDESK_WEBHOOK_BODY, HELP_DESK_WEBHOOK_PATH, ZENDESK_TRIGGER_BODY } from '../../src/domain/care/help-desk';
import { newStandardSecret, sealSecret } from '../../src/domain/chat/sources';
import { json } from '../../src/http/middleware';
import { routesHandler } from '../../src/http/routes';
import { manageCareSettingsRoutes } from './routes';

const config = readConfig({ TABLE_NAME: setting, EVENT_BUS_NAME: setting, SIGNING_KEYS_SECRET: setting, MAX_BODY_BYTES: positiveInteger });
const logger = new Logger();
const client = documentClient();
const care = new CareStore(client, config.TABLE_NAME);
const keyRing = cachedSecret(secretsManagerClient(), config.SIGNING_KEYS_SECRET, keyRingFromSecret);
const admin = new CareSettingsAdmin({
  store: care,
  emails: new EmailIndex(client, config.TABLE_NAME),
  requesters: care,
  leads: new LeadStore(client, config.TABLE_NAME),
  publisher: new EventBridgePublisher(eventBridgeClient(), config.EVENT_BUS_NAME),
  subscriptionTypes: new SubscriptionTypeStore(client, config.TABLE_NAME).current,
  log: logger,
});

export const handler = routesHandler({ logger, unavailable: throttlingRefusal, maxBodyBytes: config.MAX_BODY_BYTES }, manageCareSettingsRoutes, {
  getCareSettings: async () => json(200, await admin.settings()),
  replaceCareSettings: async ({ body }, event) => json(200, await admin.replaceSettings(body, event.requestContext.requestId)),
  getRiskFormula: async () => json(200, await admin.activeFormula()),
  saveRiskFormula: async ({ body }) => json(200, await admin.saveFormula(body.formula, body.expectedVersion)),

  connectHelpDesk: async ({ body }) => {
    const secret = body.kind === 'zendesk' ? (body.secret ?? '') : newStandardSecret();
    await care.saveHelpDesk({ kind: body.kind, secret: sealSecret(await keyRing(), HELP_DESK_SEAL_ID, secret), updatedAt: new Date().toISOString() });
    logger.info('Help desk connected', { kind: body.kind });
    const shown = { zendesk: { triggerBody: ZENDESK_TRIGGER_BODY }, freshdesk: { secret, webhookBody: FRESHDESK_WEBHOOK_BODY, simpleFields: [...FRESHDESK_SIMPLE_FIELDS] }, generic: { secret } }[body.kind];
    return json(200, { kind: body.kind, path: HELP_DESK_WEBHOOK_PATH, ...shown });
  },

  mapHelpDeskRequesters: async ({ body }) => json(200, { requesters: await admin.mapRequesters(body.kind, body.requesters, new Date().toISOString()) }),
});

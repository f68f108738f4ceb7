import { Logger } from '@aws-lambda-powertools/logger';
import { documentClient } from '../../src/adapters/clients';
import { SendPolicyStore } from '../../src/adapters/send-policy-store';
import { SubscriptionTypeStore } from '../../src/adapters/subscription-type-store';
import { SubscriptionTypeUseStore } from '../../src/adapters/subscription-type-uses';
import { SendPolicySettings } from '../../src/app/send-policy-settings';
import { SubscriptionTypeSettings } from '../../src/app/subscription-types';
import { positiveInteger, readConfig, setting } from '../../src/config';
import { actorOf } from '../../src/domain/roles';
import { json } from '../../src/http/middleware';
import { routesHandler } from '../../src/http/routes';
import { manageSendSettingsRoutes } from './routes';
import { throttlingRefusal } from '../../src/adapters/throttling';

const config = readConfig({
  TABLE_NAME: setting,
  MAX_BODY_BYTES: positiveInteger,
});
const logger = new Logger();
const sendPolicy = new SendPolicySettings(new SendPolicyStore(documentClient(), config.TABLE_NAME), logger);
const subscriptionTypes = new SubscriptionTypeSettings(new SubscriptionTypeStore(documentClient(), config.TABLE_NAME), new SubscriptionTypeUseStore(documentClient(), config.TABLE_NAME), logger);

export const handler = routesHandler({ logger, unavailable: throttlingRefusal, maxBodyBytes: config.MAX_BODY_BYTES }, manageSendSettingsRoutes, {
  getSendPolicy: async () => json(200, await sendPolicy.get()),
  replaceSendPolicy: async ({ body }) => json(200, await sendPolicy.replace(body)),
  getSubscriptionTypes: async () => json(200, await subscriptionTypes.get()),
  replaceSubscriptionTypes: async ({ body, caller }) => json(200, await subscriptionTypes.replace(body, caller.kind === 'user' ? actorOf(caller) : 'service', new Date().toISOString())),
  deleteSubscriptionType: async ({ params: { typeId }, query, caller }) =>
    json(200, await subscriptionTypes.delete(typeId, Number(query.version), caller.kind === 'user' ? actorOf(caller) : 'service', new Date().toISOString())),
});

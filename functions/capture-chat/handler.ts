import { Logger } from '@aws-lambda-powertools/logger';
import { AnonymousLinks } from '../../src/adapters/anonymous-links';
import { ChatSourceStore } from '../../src/adapters/chat-source-store';
import { documentClient, eventBridgeClient, secretsManagerClient } from '../../src/adapters/clients';
import { EmailIndex } from '../../src/adapters/email-index';
import { EventBridgePublisher } from '../../src/adapters/event-publisher';
import { LeadEventStore } from '../../src/adapters/lead-events';
import { cachedSecret, keyRingFromSecret } from '../../src/adapters/secrets';
import { ChatCaptureUseCase } from '../../src/app/chat-capture';
import { EventIntake } from '../../src/app/event-intake';
import { positiveInteger, readConfig, setting } from '../../src/config';
import { json } from '../../src/http/middleware';
import { routesHandler, type Implementation } from '../../src/http/routes';
import { captureChatRoutes } from './routes';
import { throttlingRefusal } from '../../src/adapters/throttling';

const config = readConfig({ TABLE_NAME: setting, EVENT_BUS_NAME: setting, SIGNING_KEYS_SECRET: setting, MAX_BODY_BYTES: positiveInteger });
const logger = new Logger();
const emails = new EmailIndex(documentClient(), config.TABLE_NAME);
const visitors = new AnonymousLinks(documentClient(), config.TABLE_NAME);
const publisher = new EventBridgePublisher(eventBridgeClient(), config.EVENT_BUS_NAME);
const chat = new ChatCaptureUseCase({
  sources: new ChatSourceStore(documentClient(), config.TABLE_NAME),
  keyRing: cachedSecret(secretsManagerClient(), config.SIGNING_KEYS_SECRET, keyRingFromSecret),
  intake: new EventIntake({ emails, visitors, history: new LeadEventStore(documentClient(), config.TABLE_NAME), publisher, log: logger }),
  emails,
  visitors,
  publisher,
  log: logger,
});

const captureChat: Implementation<(typeof captureChatRoutes)[number]> = async ({ params: { sourceId } }, event) => {
  // The bytes as the tool signed them, not the parsed body.
  const rawBody = event.body === undefined ? '' : Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8').toString('utf8');
  const outcome = await chat.take({ sourceId, headers: event.headers, rawBody, correlationId: event.requestContext.requestId });
  return json(outcome.status === 'duplicate' ? 200 : 202, outcome);
};

export const handler = routesHandler({ logger, unavailable: throttlingRefusal, maxBodyBytes: config.MAX_BODY_BYTES }, captureChatRoutes, { captureChat });

import { Logger } from '@aws-lambda-powertools/logger';
import { ChatSourceStore } from '../../src/adapters/chat-source-store';
import { documentClient, secretsManagerClient } from '../../src/adapters/clients';
import { cachedSecret, keyRingFromSecret } from '../../src/adapters/secrets';
import { positiveInteger, readConfig, setting } from '../../src/config';
import { InvalidInput } from '../../src/domain/errors';
import { newStandardSecret, sealSecret, STANDARD_SECRET, type ChatSource } from '../../src/domain/chat/sources';
import { HttpError } from '../../src/http/errors';
import { json } from '../../src/http/middleware';
import { pageBody } from '../../src/http/page-query';
import { routesHandler } from '../../src/http/routes';
import { manageChatSourcesRoutes } from './routes';
import { throttlingRefusal } from '../../src/adapters/throttling';

const config = readConfig({ TABLE_NAME: setting, SIGNING_KEYS_SECRET: setting, MAX_BODY_BYTES: positiveInteger });
const logger = new Logger();
const sources = new ChatSourceStore(documentClient(), config.TABLE_NAME);
const keyRing = cachedSecret(secretsManagerClient(), config.SIGNING_KEYS_SECRET, keyRingFromSecret);

const webhookPath = (sourceId: string) => `/v1/chat/${sourceId}`;

export const handler = routesHandler({ logger, unavailable: throttlingRefusal, maxBodyBytes: config.MAX_BODY_BYTES }, manageChatSourcesRoutes, {
  // A generated secret is in this answer only; a tool's own secret is never shown back.
  createChatSource: async ({ body: request }) => {
    const ring = await keyRing();
    const generated = request.kind === 'generic' && request.secret === undefined ? newStandardSecret() : undefined;
    const { secret: given, ...settings } = request;
    const source: ChatSource = { ...settings, createdAt: new Date().toISOString(), secret: sealSecret(ring, request.id, given ?? generated ?? '') };
    if ((await sources.create(source)) === 'exists') throw new HttpError(409, `Chat source ${request.id} exists; remove it first or choose another id`, [{ field: 'id', message: 'is taken' }]);
    logger.info('Chat source added', { sourceId: source.id, kind: source.kind });
    const { secret: _sealed, ...view } = source;
    return json(201, { ...view, webhookPath: webhookPath(source.id), ...(generated ? { secret: generated } : {}) });
  },

  listChatSources: async ({ query }) => json(200, pageBody(await sources.list(query, new Date()))),

  rotateChatSourceSecret: async ({ params: { sourceId }, body: { secret, overlapHours } }) => {
    const source = await sources.get(sourceId);
    if (!source) throw new HttpError(404, `No chat source ${sourceId}`);
    if (source.kind !== 'generic' && secret === undefined) {
      throw InvalidInput.field('secret', `is required: paste the new signing secret ${source.kind} shows`);
    }
    if (source.kind === 'generic' && secret !== undefined && !STANDARD_SECRET.test(secret)) throw InvalidInput.field('secret', 'must be a Standard Webhooks secret: whsec_ and base64');
    const ring = await keyRing();
    const generated = secret === undefined ? newStandardSecret() : undefined;
    const until = new Date(Date.now() + overlapHours * 3_600_000).toISOString();
    const previous = overlapHours > 0 ? { ...source.secret, until } : undefined;
    const sealed = sealSecret(ring, sourceId, secret ?? generated ?? '');
    if ((await sources.rotateSecret(sourceId, source.secret, sealed, previous)) === 'changed') {
      throw new HttpError(409, `Chat source ${sourceId} got a new secret meanwhile; rotate again if you still want another`);
    }
    logger.info('Chat source secret rotated', { sourceId, overlapHours });
    return json(200, { id: sourceId, ...(generated ? { secret: generated } : {}), ...(previous ? { previousSecretUntil: until } : {}) });
  },

  deleteChatSource: async ({ params: { sourceId } }) => {
    if (!(await sources.delete(sourceId))) throw new HttpError(404, `No chat source ${sourceId}`);
    logger.info('Chat source removed', { sourceId });
    return { statusCode: 204, body: '' };
  },
});

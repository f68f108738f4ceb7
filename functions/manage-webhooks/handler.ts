import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { documentClient, secretsManagerClient } from '../../src/adapters/clients';
import { cachedSecret, keyRingFromSecret } from '../../src/adapters/secrets';
import { WebhookStore } from '../../src/adapters/webhook-store';
import { dnsResolver } from '../../src/adapters/webhook-transport';
import { positiveInteger, readConfig, setting } from '../../src/config';
import { webhookRequest } from '../../src/domain/handoff/webhook-requests';
import { newWebhookSecretRef, webhookSecret, type SigningEndpoint } from '../../src/domain/handoff/webhooks';
import { HttpError, validationError } from '../../src/http/errors';
import { pageBody } from '../../src/http/page-query';
import { json } from '../../src/http/middleware';
import { routesHandler } from '../../src/http/routes';
import { isUnresolvableName, webhookTarget, type HostResolver, type WebhookTarget } from '../../src/app/webhook-targets';
import { manageWebhooksRoutes } from './routes';
import { throttlingRefusal } from '../../src/adapters/throttling';

const config = readConfig({ TABLE_NAME: setting, SIGNING_KEYS_SECRET: setting, MAX_BODY_BYTES: positiveInteger });
const logger = new Logger();
// Claims are the deliverer's business; this function only registers and removes endpoints.
const webhooks = new WebhookStore(documentClient(), config.TABLE_NAME, 0);
const keyRing = cachedSecret(secretsManagerClient(), config.SIGNING_KEYS_SECRET, keyRingFromSecret);
// Local mode lets a receiver on this machine listen on plain http or a loopback address; in AWS only public https.
const allowLoopback = process.env.WEBHOOKS_ALLOW_LOOPBACK === 'true';
const WebhookRequest = webhookRequest(allowLoopback);

const urlRefused = (problem: string) => new HttpError(400, `Invalid request: url ${problem}`, [{ field: 'url', message: problem }]);

/** Refuses a URL whose host name resolves to an address leadflow must not reach (deliveries check again). */
async function checkTarget(url: string, resolver: HostResolver): Promise<void> {
  let target: WebhookTarget;
  try {
    target = await webhookTarget(url, resolver, allowLoopback);
  } catch (error) {
    if (isUnresolvableName(error)) throw urlRefused(`must resolve to an address; ${new URL(url).hostname} does not`);
    throw new HttpError(503, 'Could not resolve the webhook host name now; try again', undefined, { 'retry-after': '5' });
  }
  if (!target.allowed) throw urlRefused(target.problem);
}

/** The routes, around the resolver host names are checked with (tests give their own). */
export const manageWebhooks = (resolver: HostResolver) => routesHandler({ logger, unavailable: throttlingRefusal, maxBodyBytes: config.MAX_BODY_BYTES }, manageWebhooksRoutes, {
  // The secret is in this answer only: it signs every delivery and is never shown again.
  createWebhook: async ({ body }) => {
    const request = WebhookRequest.safeParse(body);
    if (!request.success) throw validationError(request.error);
    await checkTarget(request.data.url, resolver);
    const ring = await keyRing();
    const { secretRef, ...endpoint }: SigningEndpoint = { id: randomUUID(), ...request.data, createdAt: new Date().toISOString(), secretRef: newWebhookSecretRef(ring) };
    await webhooks.create({ ...endpoint, secretRef });
    logger.info('Webhook endpoint created', { webhookId: endpoint.id, eventTypes: endpoint.eventTypes });
    return json(201, { ...endpoint, secret: webhookSecret(ring, secretRef, endpoint.id) });
  },

  listWebhooks: async ({ query }) => json(200, pageBody(await webhooks.list(query, new Date()))),

  listWebhookChoices: async ({ query }) => {
    const page = await webhooks.list(query, new Date());
    return json(200, pageBody({ ...page, items: page.items.map(({ id, url, eventTypes, description }) => ({ id, host: new URL(url).host, eventTypes, ...(description ? { description } : {}) })) }));
  },

  // A new secret, shown this once; the old one keeps signing beside it for the overlap, so the
  // receiver can switch without missing a delivery.
  rotateWebhookSecret: async ({ params: { webhookId }, body: { overlapHours } }) => {
    const endpoint = await webhooks.get(webhookId);
    if (!endpoint) throw new HttpError(404, `No webhook ${webhookId}`);
    const ring = await keyRing();
    const until = new Date(Date.now() + overlapHours * 3_600_000).toISOString();
    const secretRef = newWebhookSecretRef(ring);
    const previous = overlapHours > 0 ? { ...endpoint.secretRef, until } : undefined;
    if ((await webhooks.rotateSecret(webhookId, endpoint.secretRef, secretRef, previous)) === 'changed') {
      throw new HttpError(409, `Webhook ${webhookId} got a new secret meanwhile; rotate again if you still want another`);
    }
    logger.info('Webhook secret rotated', { webhookId, overlapHours });
    return json(200, { id: webhookId, secret: webhookSecret(ring, secretRef, webhookId), ...(previous ? { previousSecretUntil: until } : {}) });
  },

  deleteWebhook: async ({ params: { webhookId } }) => {
    if (!(await webhooks.delete(webhookId))) throw new HttpError(404, `No webhook ${webhookId}`);
    logger.info('Webhook endpoint deleted', { webhookId });
    return { statusCode: 204, body: '' };
  },
});

export const handler = manageWebhooks(dnsResolver);

import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { z } from 'zod';
import { documentClient } from '../../shared/adapters/clients';
import { WebhookStore } from '../../shared/adapters/webhook-store';
import { positiveInteger, readConfig, setting } from '../../shared/config';
import { newWebhookSecret, webhookRequest, type WebhookEndpoint } from '../../shared/domain/handoff/webhooks';
import { HttpError, parameter, validationError } from '../../shared/http/errors';
import { httpRoutesHandler } from '../../shared/http/handler';
import { json } from '../../shared/http/middleware';

const config = readConfig({ TABLE_NAME: setting, MAX_BODY_BYTES: positiveInteger });
const logger = new Logger();
// Claims are the deliverer's business; this function only registers and removes endpoints.
const webhooks = new WebhookStore(documentClient(), config.TABLE_NAME, 0);
// Local mode lets a receiver on this machine listen on plain http; in AWS only https.
const WebhookRequest = webhookRequest(process.env.WEBHOOKS_ALLOW_LOOPBACK === 'true');
const WebhookId = z.uuid('must be a webhook id (UUID)');

export const handler = httpRoutesHandler(logger, config.MAX_BODY_BYTES, {
  // The secret is in this answer only: it signs every delivery and is never shown again.
  'POST /v1/admin/webhooks': async (event) => {
    const request = WebhookRequest.safeParse(event.parsedBody);
    if (!request.success) throw validationError(request.error);
    const endpoint: WebhookEndpoint = { id: randomUUID(), ...request.data, createdAt: new Date().toISOString() };
    const secret = newWebhookSecret();
    await webhooks.create(endpoint, secret);
    logger.info('Webhook endpoint created', { webhookId: endpoint.id, eventTypes: endpoint.eventTypes });
    return json(201, { ...endpoint, secret });
  },

  'GET /v1/admin/webhooks': async () => json(200, { webhooks: await webhooks.list() }),

  'DELETE /v1/admin/webhooks/{webhookId}': async (event) => {
    const webhookId = parameter(event.pathParameters?.webhookId, 'webhookId', WebhookId);
    if (!(await webhooks.delete(webhookId))) throw new HttpError(404, `No webhook ${webhookId}`);
    logger.info('Webhook endpoint deleted', { webhookId });
    return { statusCode: 204, body: '' };
  },
});

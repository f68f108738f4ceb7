import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import * as z from 'zod';
import { documentClient } from '../../src/adapters/clients';
import { LeadEventStore } from '../../src/adapters/lead-events';
import { LeadListing } from '../../src/adapters/lead-listing';
import { RulesetStore } from '../../src/adapters/ruleset-store';
import { SegmentStore } from '../../src/adapters/segment-store';
import { Audience } from '../../src/app/audience';
import { positiveInteger, readConfig, setting } from '../../src/config';
import { SegmentDefinition, SegmentPreviewRequest, SegmentUpdate, type SegmentRule } from '../../src/domain/segments/segment';
import { SUBSCRIPTION_TYPES, type SubscriptionType } from '../../src/domain/subscriptions';
import { HttpError, parameter, validationError } from '../../src/http/errors';
import { httpRoutesHandler } from '../../src/http/handler';
import { pageBody, pageRequest } from '../../src/http/page-query';
import { json } from '../../src/http/middleware';

const config = readConfig({ TABLE_NAME: setting, MAX_BODY_BYTES: positiveInteger });
const logger = new Logger();
const segments = new SegmentStore(documentClient(), config.TABLE_NAME);
const audience = new Audience(new LeadListing(documentClient(), config.TABLE_NAME), new LeadEventStore(documentClient(), config.TABLE_NAME), new RulesetStore(documentClient(), config.TABLE_NAME));

const SegmentId = z.uuid('must be a segment id (UUID)');
const Subscription = z.enum(SUBSCRIPTION_TYPES, { error: `must be one of ${SUBSCRIPTION_TYPES.join(', ')}` });
const SAMPLE_SIZE = 10;
/** A preview looks at this many leads at most, and stops a few seconds before the function's limit. */
const PREVIEW_LEAD_LIMIT = 50_000;
const PREVIEW_SECONDS = 20;

const preview = (rule: SegmentRule, subscription: SubscriptionType | undefined) =>
  audience.preview(rule, { ...(subscription ? { subscription } : {}), sampleSize: SAMPLE_SIZE, maxLeads: PREVIEW_LEAD_LIMIT, deadline: Date.now() + PREVIEW_SECONDS * 1000, now: new Date().toISOString() });

async function existing(rawSegmentId: string | undefined) {
  const segmentId = parameter(rawSegmentId, 'segmentId', SegmentId);
  const segment = await segments.get(segmentId);
  if (!segment) throw new HttpError(404, `No segment ${segmentId}`);
  return segment;
}

export const handler = httpRoutesHandler(logger, config.MAX_BODY_BYTES, {
  'POST /v1/admin/segments': async (event) => {
    const definition = SegmentDefinition.safeParse(event.parsedBody);
    if (!definition.success) throw validationError(definition.error);
    const segment = await segments.create(randomUUID(), definition.data, new Date().toISOString());
    logger.info('Segment created', { segmentId: segment.id });
    return json(201, segment);
  },

  'GET /v1/admin/segments': async (event) => json(200, pageBody(await segments.list(pageRequest(event)))),

  'GET /v1/admin/segments/{segmentId}': async (event) => json(200, await existing(event.pathParameters?.segmentId)),

  // A new version of the definition; `expectedVersion` refuses to overwrite an edit made since it was read.
  'PUT /v1/admin/segments/{segmentId}': async (event) => {
    const segmentId = parameter(event.pathParameters?.segmentId, 'segmentId', SegmentId);
    const update = SegmentUpdate.safeParse(event.parsedBody);
    if (!update.success) throw validationError(update.error);
    const { expectedVersion, ...definition } = update.data;
    const outcome = await segments.update(segmentId, definition, new Date().toISOString(), expectedVersion);
    if (outcome === 'not-found') throw new HttpError(404, `No segment ${segmentId}`);
    if (outcome === 'version-changed') throw new HttpError(409, `Segment ${segmentId} was changed since version ${expectedVersion ?? 'read'}; read it again and reapply the edit`);
    logger.info('Segment updated', { segmentId, version: outcome.version });
    return json(200, outcome);
  },

  // Campaigns keep the rule they were created with, so deleting a segment never changes one.
  'DELETE /v1/admin/segments/{segmentId}': async (event) => {
    const segmentId = parameter(event.pathParameters?.segmentId, 'segmentId', SegmentId);
    if (!(await segments.delete(segmentId))) throw new HttpError(404, `No segment ${segmentId}`);
    logger.info('Segment deleted', { segmentId });
    return { statusCode: 204, body: '' };
  },

  'GET /v1/admin/segments/{segmentId}/preview': async (event) => {
    const segment = await existing(event.pathParameters?.segmentId);
    const raw = event.queryStringParameters?.subscription;
    const subscription = raw === undefined ? undefined : parameter(raw, 'subscription', Subscription);
    return json(200, { segmentId: segment.id, version: segment.version, audience: await preview(segment, subscription) });
  },

  // Try a definition before saving it: the same count and sample, nothing stored.
  'POST /v1/admin/segments/preview': async (event) => {
    const request = SegmentPreviewRequest.safeParse(event.parsedBody);
    if (!request.success) throw validationError(request.error);
    const { subscription, ...rule } = request.data;
    return json(200, { audience: await preview(rule, subscription) });
  },
});

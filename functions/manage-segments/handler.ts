import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { documentClient } from '../../src/adapters/clients';
import { LeadEventStore } from '../../src/adapters/lead-events';
import { LeadListing } from '../../src/adapters/lead-listing';
import { RulesetStore } from '../../src/adapters/ruleset-store';
import { SegmentStore } from '../../src/adapters/segment-store';
import { SubscriptionTypeStore } from '../../src/adapters/subscription-type-store';
import { LifespanStore } from '../../src/adapters/lifespan-store';
import { Audience } from '../../src/app/audience';
import { positiveInteger, readConfig, setting } from '../../src/config';
import type { SegmentRule } from '../../src/domain/segments/segment';
import { InvalidInput } from '../../src/domain/errors';
import { subscriptionTypeIssue, subscriptionTypesInCondition, type SubscriptionType } from '../../src/domain/subscriptions';
import { HttpError } from '../../src/http/errors';
import { pageBody } from '../../src/http/page-query';
import { json } from '../../src/http/middleware';
import { routesHandler } from '../../src/http/routes';
import { manageSegmentsRoutes } from './routes';
import { throttlingRefusal } from '../../src/adapters/throttling';

const config = readConfig({ TABLE_NAME: setting, MAX_BODY_BYTES: positiveInteger });
const logger = new Logger();
const segments = new SegmentStore(documentClient(), config.TABLE_NAME);
const audience = new Audience(new LeadListing(documentClient(), config.TABLE_NAME), new LeadEventStore(documentClient(), config.TABLE_NAME), new RulesetStore(documentClient(), config.TABLE_NAME), new LifespanStore(documentClient(), config.TABLE_NAME));

const subscriptionTypes = new SubscriptionTypeStore(documentClient(), config.TABLE_NAME);

/**
 * Refuses a rule (and a preview's `subscription`) naming a subscription type the stored catalogue does
 * not have or has archived, with a 400 naming the field: a typo would otherwise match nobody, silently.
 */
async function checkSubscriptionTypes(rule: SegmentRule, subscription?: { readonly field: string; readonly id: string }) {
  const named = [...(subscription ? [subscription] : []), ...subscriptionTypesInCondition(rule.where, 'where')];
  if (named.length === 0) return;
  const catalogue = await subscriptionTypes.current(named.map(({ id }) => id));
  const issues = named.flatMap(({ field, id }) => subscriptionTypeIssue(catalogue, id, field) ?? []);
  const [first] = issues;
  if (first) throw new InvalidInput(`Invalid request: ${first.field} ${first.message}`, issues);
}

const SAMPLE_SIZE = 10;
/** A preview looks at this many leads at most, and stops a few seconds before the function's limit. */
const PREVIEW_LEAD_LIMIT = 50_000;
const PREVIEW_SECONDS = 20;

const preview = (rule: SegmentRule, subscription: SubscriptionType | undefined) =>
  audience.preview(rule, { ...(subscription ? { subscription } : {}), sampleSize: SAMPLE_SIZE, maxLeads: PREVIEW_LEAD_LIMIT, deadline: Date.now() + PREVIEW_SECONDS * 1000, now: new Date().toISOString() });

async function existing(segmentId: string) {
  const segment = await segments.get(segmentId);
  if (!segment) throw new HttpError(404, `No segment ${segmentId}`);
  return segment;
}

export const handler = routesHandler({ logger, unavailable: throttlingRefusal, maxBodyBytes: config.MAX_BODY_BYTES }, manageSegmentsRoutes, {
  createSegment: async ({ body }) => {
    await checkSubscriptionTypes(body);
    const segment = await segments.create(randomUUID(), body, new Date().toISOString());
    logger.info('Segment created', { segmentId: segment.id });
    return json(201, segment);
  },

  listSegments: async ({ query }) => json(200, pageBody(await segments.list(query))),

  getSegment: async ({ params }) => json(200, await existing(params.segmentId)),

  // A new version of the definition; `expectedVersion` refuses to overwrite an edit made since it was read.
  updateSegment: async ({ params: { segmentId }, body }) => {
    const { expectedVersion, ...definition } = body;
    await checkSubscriptionTypes(definition);
    const outcome = await segments.update(segmentId, definition, new Date().toISOString(), expectedVersion);
    if (outcome === 'not-found') throw new HttpError(404, `No segment ${segmentId}`);
    if (outcome === 'version-changed') throw new HttpError(409, `Segment ${segmentId} was changed since version ${expectedVersion ?? 'read'}; read it again and reapply the edit`);
    if (outcome.created) logger.info('Segment updated', { segmentId, version: outcome.segment.version });
    return json(200, { ...outcome.segment, created: outcome.created });
  },

  // Campaigns keep the rule they were created with, so deleting a segment never changes one.
  deleteSegment: async ({ params: { segmentId } }) => {
    if (!(await segments.delete(segmentId))) throw new HttpError(404, `No segment ${segmentId}`);
    logger.info('Segment deleted', { segmentId });
    return { statusCode: 204, body: '' };
  },

  previewSegment: async ({ params, query: { subscription } }) => {
    const segment = await existing(params.segmentId);
    if (subscription) await checkSubscriptionTypes({}, { field: 'subscription', id: subscription });
    return json(200, { segmentId: segment.id, version: segment.version, audience: await preview(segment, subscription) });
  },

  // Try a definition before saving it: the same count and sample, nothing stored.
  previewSegmentDefinition: async ({ body }) => {
    const { subscription, ...rule } = body;
    await checkSubscriptionTypes(rule, subscription ? { field: 'subscription', id: subscription } : undefined);
    return json(200, { audience: await preview(rule, subscription) });
  },
});

import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { AnonymousLinks } from '../../src/adapters/anonymous-links';
import { documentClient, eventBridgeClient } from '../../src/adapters/clients';
import { EmailIndex } from '../../src/adapters/email-index';
import { EventBridgePublisher } from '../../src/adapters/event-publisher';
import { LeadEventStore } from '../../src/adapters/lead-events';
import { SourceStore } from '../../src/adapters/source-store';
import { Collector } from '../../src/app/collector';
import { EventIntake } from '../../src/app/event-intake';
import { positiveInteger, readConfig, setting } from '../../src/config';
import { Unauthenticated } from '../../src/domain/errors';
import { isKeyValid } from '../../src/domain/tracking/sources';
import { SegmentBatch, SegmentCall } from '../../src/domain/tracking/segment-calls';
import { validationError } from '../../src/http/errors';
import { json, type ParsedBodyEvent } from '../../src/http/middleware';
import { routesHandler, type Implementation } from '../../src/http/routes';
import { CALL_PATHS, type collectCalls, collectEventsRoutes, type sourceSettings } from './routes';
import { throttlingRefusal } from '../../src/adapters/throttling';

const config = readConfig({ TABLE_NAME: setting, EVENT_BUS_NAME: setting, MAX_BODY_BYTES: positiveInteger });
const logger = new Logger();
const sources = new SourceStore(documentClient(), config.TABLE_NAME);
const emails = new EmailIndex(documentClient(), config.TABLE_NAME);
const visitors = new AnonymousLinks(documentClient(), config.TABLE_NAME);
const publisher = new EventBridgePublisher(eventBridgeClient(), config.EVENT_BUS_NAME);
const collector = new Collector({
  keys: sources,
  intake: new EventIntake({ emails, visitors, history: new LeadEventStore(documentClient(), config.TABLE_NAME), publisher, log: logger }),
  emails,
  visitors,
  publisher,
  log: logger,
});

/** The write key of `Authorization: Basic base64(writeKey:)` (analytics.js), else the body's `writeKey` (leadflow.js). */
function writeKeyOf(event: ParsedBodyEvent): string | undefined {
  const authorization = event.headers.authorization ?? '';
  if (/^basic /i.test(authorization)) {
    const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8');
    return decoded.split(':')[0] || undefined;
  }
  const body = event.parsedBody;
  const fromBody = typeof body === 'object' && body !== null && Object.hasOwn(body, 'writeKey') ? (body as { writeKey: unknown }).writeKey : undefined;
  return typeof fromBody === 'string' ? fromBody : undefined;
}

const collect = async (calls: readonly SegmentCall[], sentAt: string | undefined, event: ParsedBodyEvent) => {
  const outcome = await collector.collect({ writeKey: writeKeyOf(event), origin: event.headers.origin, calls, ...(sentAt ? { sentAt } : {}), correlationId: event.requestContext.requestId });
  return json(200, { success: true, accepted: outcome.accepted, duplicates: outcome.duplicates });
};

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A batch, or one call whose type the path says (it wins over a `type` in the body, as Segment's paths do). */
const collectCallsImplementation: Implementation<typeof collectCalls> = async ({ params: { call }, body }, event) => {
  const kind = CALL_PATHS[call];
  if (kind === 'batch') {
    const batch = SegmentBatch.safeParse(body);
    if (!batch.success) throw validationError(batch.error);
    return collect(batch.data.batch, batch.data.sentAt, event);
  }
  const single = SegmentCall.safeParse(isObject(body) ? { ...body, type: kind } : body);
  if (!single.success) throw validationError(single.error);
  return collect([single.data], undefined, event);
};

/** The host analytics.js should send to: as configured for the stack (a custom domain), else the host asked. */
function apiHostOf(event: APIGatewayProxyEventV2): { apiHost: string; protocol: string } {
  const host = process.env.COLLECTOR_API_HOST ?? event.headers['x-forwarded-host'] ?? event.headers.host ?? event.requestContext.domainName;
  const local = /^(localhost|127\.0\.0\.1)(:\d+)?$/.test(host);
  return { apiHost: `${host}/v1`, protocol: event.headers['x-forwarded-proto'] ?? (local ? 'http' : 'https') };
}

const getSourceSettings: Implementation<typeof sourceSettings> = async ({ params: { writeKey } }, event) => {
  const grant = await sources.keyGrant(writeKey);
  if (!grant || !isKeyValid(grant, new Date())) throw new Unauthenticated('Unknown, revoked or expired write key');
  return json(
    200,
    {
      integrations: { 'Segment.io': { apiKey: writeKey, ...apiHostOf(event), unbundledIntegrations: [], addBundledMetadata: true, maybeBundledConfigIds: {} } },
      plan: { track: { __default: { enabled: true, integrations: {} } }, identify: { __default: { enabled: true } }, group: { __default: { enabled: true } } },
      edgeFunction: {},
      analyticsNextEnabled: true,
      middlewareSettings: {},
      enabledMiddleware: {},
      // No metrics: analytics.js would post them to Segment's own API otherwise.
      metrics: { sampleRate: 0 },
      legacyVideoPluginsEnabled: false,
      remotePlugins: [],
    },
    { 'cache-control': 'public, max-age=300' },
  );
};

const routes = routesHandler({ logger, unavailable: throttlingRefusal, maxBodyBytes: config.MAX_BODY_BYTES }, collectEventsRoutes, { collectCalls: collectCallsImplementation, getSourceSettings });

/**
 * Answers every origin's page, errors included: the collector itself decides which origins a source's
 * key works from (a page elsewhere gets 403 and nothing is stored), and a snippet must be able to read
 * a 401 or 400 to stop retrying it.
 */
export const handler = async (event: APIGatewayProxyEventV2, context: Context): Promise<APIGatewayProxyStructuredResultV2> => {
  const origin = event.headers.origin ?? event.headers.Origin;
  // A preflight, on the collector's own API (whose routes send them here): analytics.js sends Basic auth and a retry count.
  const response: APIGatewayProxyStructuredResultV2 =
    event.requestContext.http.method === 'OPTIONS'
      ? { statusCode: 204, headers: { 'access-control-allow-methods': 'GET,POST', 'access-control-allow-headers': 'content-type,authorization,x-retry-count', 'access-control-max-age': '3600' } }
      : await routes(event, context);
  return origin ? { ...response, headers: { ...response.headers, 'access-control-allow-origin': origin, vary: 'origin' } } : response;
};

import * as z from 'zod';
import { defineRoute } from '../../src/http/routes';
import { SegmentBatch, SegmentCall, type CallType } from '../../src/domain/tracking/segment-calls';

const Collected = z
  .object({ success: z.literal(true), accepted: z.number().int(), duplicates: z.number().int() })
  .meta({ id: 'TrackingCallsCollected' });

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const AUTH =
  'The source\'s write key as HTTP Basic auth (user name, empty password), as analytics.js sends it, or as `writeKey` in the body (sendBeacon cannot set headers). An unknown, revoked or expired key is 401 and nothing is stored; a browser page outside the source\'s origins is 403.';
const errors = { 401: 'Unknown, revoked or expired write key.', 403: "The page's origin is not one of the source's origins.", 409: 'A messageId was already used for another event.', 503: 'Stored but not yet processed; retry the same request.' } as const;

/** One Segment call to the path of its type (analytics.js posts `/v1/t`, `/v1/p`, …; the HTTP API `/v1/track`, …): the path says the type. */
const callRoute = <const Id extends string, const Path extends string>(operationId: Id, path: Path, type: CallType) =>
  defineRoute({
    operationId,
    method: 'POST',
    path,
    summary: `Segment-compatible ${type} call`,
    description: `A Segment \`${type}\` call as analytics.js or Segment's HTTP API sends it (JSON, also as \`text/plain\`). ${AUTH}`,
    request: {
      body: {
        schema: SegmentCall,
        contentTypes: ['application/json', 'text/plain'],
        required: true,
        prepare: (body: unknown) => (isObject(body) ? { ...body, type } : body),
      },
    },
    responses: { 200: { description: 'Stored; scoring follows.', schema: Collected } },
    errors,
  });

const batchRoute = <const Id extends string, const Path extends string>(operationId: Id, path: Path) =>
  defineRoute({
    operationId,
    method: 'POST',
    path,
    summary: 'Segment-compatible batch of calls',
    description: `Up to 50 Segment calls in \`batch\`, with the batch's \`sentAt\` for clock-skew correction (JSON, also as \`text/plain\`). ${AUTH}`,
    request: { body: { schema: SegmentBatch, contentTypes: ['application/json', 'text/plain'], required: true } },
    responses: { 200: { description: 'Stored; scoring follows.', schema: Collected } },
    errors,
  });

export const sourceSettings = defineRoute({
  operationId: 'getSourceSettings',
  method: 'GET',
  path: '/v1/projects/{writeKey}/settings',
  summary: 'Settings analytics.js loads for a write key',
  description: 'What analytics.js fetches from its CDN URL (`cdnURL`): the "Segment.io" integration pointing at this API, so the stock snippet sends its calls here.',
  request: { params: z.object({ writeKey: z.string().min(1).max(100) }) },
  responses: { 200: { description: 'The settings.', schema: z.object({ integrations: z.record(z.string(), z.unknown()) }).loose().meta({ id: 'SourceSettings' }) } },
  errors: { 401: 'Unknown, revoked or expired write key.' },
});

export const collectEventsRoutes = [
  batchRoute('collectBatch', '/v1/batch'),
  batchRoute('collectB', '/v1/b'),
  callRoute('collectTrack', '/v1/track', 'track'),
  callRoute('collectT', '/v1/t', 'track'),
  callRoute('collectPage', '/v1/page', 'page'),
  callRoute('collectP', '/v1/p', 'page'),
  callRoute('collectScreen', '/v1/screen', 'screen'),
  callRoute('collectS', '/v1/s', 'screen'),
  callRoute('collectIdentify', '/v1/identify', 'identify'),
  callRoute('collectI', '/v1/i', 'identify'),
  callRoute('collectGroup', '/v1/group', 'group'),
  callRoute('collectG', '/v1/g', 'group'),
  callRoute('collectAlias', '/v1/alias', 'alias'),
  callRoute('collectA', '/v1/a', 'alias'),
  sourceSettings,
] as const;

import * as z from 'zod/mini';
import { defineRoute } from '../../src/http/routes';
import { SegmentBatch, SegmentCall, type CallType } from '../../src/domain/tracking/segment-calls';

const Collected = z
  .object({ success: z.literal(true), accepted: z.number().check(z.int()), duplicates: z.number().check(z.int()) }).check(z.meta({ id: 'TrackingCallsCollected' }));

const AUTH =
  'The source\'s write key as HTTP Basic auth (user name, empty password), as analytics.js sends it, or as `writeKey` in the body (sendBeacon cannot set headers). An unknown, revoked or expired key is 401 and nothing is stored; a browser page outside the source\'s origins is 403.';
const errors = { 401: 'Unknown, revoked or expired write key.', 403: "The page's origin is not one of the source's origins.", 409: 'A messageId was already used for another event.', 503: 'Stored but not yet processed; retry the same request.' } as const;

/**
 * The path of each call: analytics.js posts `/v1/t`, `/v1/p`, … and batches to `/v1/b`; Segment's HTTP
 * API uses the long names. One route takes them all (API Gateway counts every route against the
 * stack's resources); an exact route such as `/v1/events` still wins over it.
 */
export const CALL_PATHS = {
  batch: 'batch',
  b: 'batch',
  track: 'track',
  t: 'track',
  page: 'page',
  p: 'page',
  screen: 'screen',
  s: 'screen',
  identify: 'identify',
  i: 'identify',
  group: 'group',
  g: 'group',
  alias: 'alias',
  a: 'alias',
} as const satisfies Record<string, CallType | 'batch'>;

const CallPath = z.enum(Object.keys(CALL_PATHS) as [keyof typeof CALL_PATHS, ...(keyof typeof CALL_PATHS)[]], {
  error: `must be one of ${Object.keys(CALL_PATHS).join(', ')}`,
});

export const collectCalls = defineRoute({
  operationId: 'collectCalls',
  method: 'POST',
  path: '/v1/{call}',
  summary: 'Segment-compatible tracking calls',
  description: `One Segment call to the path of its type (\`/v1/track\` or analytics.js's \`/v1/t\`, and so on; the path sets \`type\`), or up to 50 calls in \`batch\` to \`/v1/batch\` or \`/v1/b\`, with the batch's \`sentAt\` for clock-skew correction. JSON, also as \`text/plain\`. ${AUTH}`,
  request: {
    params: z.object({ call: CallPath }),
    // Checked by the handler, which knows from the path whether it is a batch or which call it is.
    body: { schema: z.union([SegmentBatch, SegmentCall]), contentTypes: ['application/json', 'text/plain'], required: true, checkedByHandler: true },
  },
  responses: { 200: { description: 'Stored; scoring follows.', schema: Collected } },
  errors,
});

export const sourceSettings = defineRoute({
  operationId: 'getSourceSettings',
  method: 'GET',
  path: '/v1/projects/{writeKey}/settings',
  summary: 'Settings analytics.js loads for a write key',
  description: 'What analytics.js fetches from its CDN URL (`cdnURL`): the "Segment.io" integration pointing at this API, so the stock snippet sends its calls here.',
  request: { params: z.object({ writeKey: z.string().check(z.minLength(1), z.maxLength(100)) }) },
  responses: { 200: { description: 'The settings.', schema: z.looseObject(z.object({ integrations: z.record(z.string(), z.unknown()) }).shape).check(z.meta({ id: 'SourceSettings' })) } },
  errors: { 401: 'Unknown, revoked or expired write key.' },
});

export const collectEventsRoutes = [collectCalls, sourceSettings] as const;

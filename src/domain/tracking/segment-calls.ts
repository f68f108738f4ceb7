import * as z from 'zod/mini';
import { checkEmail } from '../email';
import { MAX_EVENTS_PER_REQUEST } from '../events';

/**
 * The calls of Segment's tracking spec (https://segment.com/docs/connections/spec/) as analytics.js,
 * RudderStack and Segment's HTTP API send them: one call per request to `/v1/t|p|i|g|a` (or the long
 * names), or many in `/v1/batch` (`/v1/b`). Only the fields leadflow reads are checked; the rest of a
 * call (`context`, `integrations`, `_metadata`, …) is allowed and ignored, as Segment does.
 */

const MAX_ID_LENGTH = 200;
/** Printable text on one line: ids end up in keys and logs, where control characters have no place. */
const identifier = (what: string) =>
  z.pipe(z.union([z.string(), z.pipe(z.number().check(z.int()), z.transform(String))]), z
      .string().check(z.minLength(1, `must be a non-empty ${what}`), z.maxLength(MAX_ID_LENGTH, `must be at most ${MAX_ID_LENGTH} characters`), z.regex(/^[^\p{Cc}]+$/u, 'must not contain control characters')));
const dateTime = () => z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time such as 2026-11-22T10:00:00.000Z' });
const looseObject = z.record(z.string(), z.unknown());

const common = {
  messageId: identifier('message id'),
  anonymousId: z.optional(identifier('anonymous id')),
  userId: z.nullish(identifier('user id')),
  timestamp: z.optional(dateTime()),
  originalTimestamp: z.optional(dateTime()),
  sentAt: z.optional(dateTime()),
  context: z.optional(looseObject),
  /** leadflow.js sends the write key in the body (sendBeacon cannot set headers); analytics.js in both. */
  writeKey: z.optional(z.string().check(z.maxLength(100))),
};

export const CALL_TYPES = ['track', 'page', 'screen', 'identify', 'group', 'alias'] as const;
export type CallType = (typeof CALL_TYPES)[number];

const Track = z.object({ ...common, type: z.literal('track'), event: z.string().check(z.minLength(1, 'must name the event'), z.maxLength(200)), properties: z.optional(looseObject) });
const Page = z.object({ ...common, type: z.literal('page'), name: z.nullish(z.string().check(z.maxLength(300))), category: z.nullish(z.string().check(z.maxLength(300))), properties: z.optional(looseObject) });
const Screen = z.object({ ...common, type: z.literal('screen'), name: z.nullish(z.string().check(z.maxLength(300))), properties: z.optional(looseObject) });
const Identify = z.object({ ...common, type: z.literal('identify'), traits: z.optional(looseObject) });
const Group = z.object({ ...common, type: z.literal('group'), groupId: identifier('group id'), traits: z.optional(looseObject) });
const Alias = z.object({ ...common, type: z.literal('alias'), previousId: identifier('previous id') });

export const SegmentCall = z
  .discriminatedUnion('type', [Track, Page, Screen, Identify, Group, Alias], { error: `must be one of ${CALL_TYPES.join(', ')}` }).check(z.superRefine((call, context) => {
    // Segment's rule: every call names whom it is about. An alias names the new id in userId.
    const needsUser = call.type === 'alias';
    if (needsUser ? !call.userId : !call.anonymousId && !call.userId) {
      context.addIssue({ code: 'custom', path: [needsUser ? 'userId' : 'anonymousId'], message: needsUser ? 'is required for an alias' : 'give an anonymousId or a userId' });
    }
  }));
export type SegmentCall = z.output<typeof SegmentCall>;

/**
 * The most calls one batch may carry: each becomes at most one event, and one request's events are
 * accepted together (MAX_EVENTS_PER_REQUEST). analytics.js batches 10 by default.
 */
export const MAX_CALLS_PER_BATCH = MAX_EVENTS_PER_REQUEST;

export const SegmentBatch = z.object({
  batch: z.array(SegmentCall).check(z.minLength(1, 'must hold at least one call'), z.maxLength(MAX_CALLS_PER_BATCH, `must hold at most ${MAX_CALLS_PER_BATCH} calls`)),
  sentAt: z.optional(dateTime()),
  writeKey: z.optional(z.string().check(z.maxLength(100))),
  context: z.optional(looseObject),
});

/**
 * When a call happened on the server's clock. The browser's clock may be off: Segment corrects by
 * the gap between when the call happened and when it was sent, both on the browser's clock
 * (`receivedAt - (sentAt - timestamp)`). Never later than it was received, nor before 2000.
 */
export function occurredAt(call: Pick<SegmentCall, 'timestamp' | 'originalTimestamp' | 'sentAt'>, batchSentAt: string | undefined, receivedAt: Date): string {
  const happened = call.originalTimestamp ?? call.timestamp;
  const sent = call.sentAt ?? batchSentAt;
  let at = receivedAt.getTime();
  if (happened) at = sent ? receivedAt.getTime() - (Date.parse(sent) - Date.parse(happened)) : Date.parse(happened);
  return new Date(Math.min(Math.max(at, Date.parse('2000-01-01T00:00:00Z')), receivedAt.getTime())).toISOString();
}

/** An engagement event a call becomes: the fields of a TrackedEvent other than whose it is. */
export interface Engagement {
  readonly id: string;
  readonly type: string;
  readonly properties: Readonly<Record<string, string | number | boolean>>;
  /** Set when the same event is reported again later (Page Engaged): repeats within it are duplicates. */
  readonly reportedAgainWithinMs?: number;
}

/** How long after a page's first two-minute report a later one is still found as its repeat: a page open all day. */
export const PAGE_ENGAGED_REPEAT_WINDOW_MS = 24 * 3_600_000;

const PROPERTY_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
const MAX_PROPERTIES = 20;
const MAX_TEXT = 500;

/**
 * The flat properties rules can match: own keys with a rule-friendly name whose value is text,
 * a finite number or a boolean. Nested objects, lists and other names are left out rather than
 * refused: an existing snippet sends whatever its site tracks, and refusing it would lose the call.
 */
export function flatProperties(properties: Readonly<Record<string, unknown>> | undefined): Record<string, string | number | boolean> {
  const kept = new Map<string, string | number | boolean>();
  for (const [name, value] of Object.entries(properties ?? {})) {
    if (kept.size >= MAX_PROPERTIES || !PROPERTY_NAME.test(name)) continue;
    if (typeof value === 'string' && value.length <= MAX_TEXT && !/\p{Cc}/u.test(value)) kept.set(name, value);
    else if (typeof value === 'number' && Number.isFinite(value) && Math.abs(value) <= Number.MAX_SAFE_INTEGER) kept.set(name, value);
    else if (typeof value === 'boolean') kept.set(name, value);
  }
  return Object.fromEntries(kept);
}

/** Track events the starter ruleset scores under leadflow's own names (matched ignoring case, spaces and _). */
const KNOWN_TRACK_EVENTS: ReadonlyMap<string, string> = new Map([
  ['webinarregistered', 'webinar_registration'],
  ['webinarregistration', 'webinar_registration'],
  ['registeredforwebinar', 'webinar_registration'],
  ['filedownloaded', 'content_download'],
  ['contentdownloaded', 'content_download'],
  ['contentdownload', 'content_download'],
  ['downloaded', 'content_download'],
  ['download', 'content_download'],
]);

/**
 * The name leadflow.js gives the time a visitor spent on a page: cumulative seconds, sent again as
 * they grow, with the messageId of the page call it belongs to.
 */
export const PAGE_ENGAGED = 'Page Engaged';
/** The time on a page the starter ruleset scores (its time-on-site rule). */
export const ENGAGED_SECONDS = 120;
export const TIME_ON_PAGE = 'time_on_page';

/** A track event's name as a leadflow event type: snake_case, starting with a letter; undefined when nothing is left. */
export function eventType(name: string): string | undefined {
  const known = KNOWN_TRACK_EVENTS.get(name.toLowerCase().replace(/[\s_-]+/g, ''));
  if (known) return known;
  const snake = name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^[^a-z]+|_+$/g, '')
    .slice(0, 64)
    .replace(/_+$/, '');
  return snake.length >= 2 ? snake : undefined;
}

const text = (value: unknown, max: number) => (typeof value === 'string' && value.length > 0 && value.length <= max && !/\p{Cc}/u.test(value) ? value : undefined);
const pageOf = (context: Readonly<Record<string, unknown>> | undefined): Readonly<Record<string, unknown>> => {
  const page = context && Object.hasOwn(context, 'page') ? context.page : undefined;
  return page !== null && typeof page === 'object' && !Array.isArray(page) ? (page as Record<string, unknown>) : {};
};
const own = (object: Readonly<Record<string, unknown>> | undefined, name: string): unknown => (object && Object.hasOwn(object, name) ? object[name] : undefined);

/**
 * The engagement a call records, if any: a page call is a `page_view` (its url, path, title and
 * referrer, from its properties or else its context); a track call an event of its name's type with
 * its flat properties; Page Engaged a `time_on_page` once the page reaches two minutes (see
 * pageEngagement). Identify, group, alias and screen calls record none: they say who, not what.
 */
export function engagementOf(call: SegmentCall): Engagement | undefined {
  if (call.type === 'page') {
    const page = pageOf(call.context);
    const pick = (name: string, max: number) => text(own(call.properties, name), max) ?? text(own(page, name), max);
    const properties = Object.fromEntries(
      (
        [
          ['url', pick('url', 2000)],
          ['path', pick('path', 2000)],
          ['title', pick('title', 300)],
          ['referrer', pick('referrer', 2000)],
          ['name', text(call.name, 300)],
          ['category', text(call.category, 300)],
        ] satisfies [string, string | undefined][]
      ).filter((entry): entry is [string, string] => entry[1] !== undefined),
    );
    return { id: call.messageId, type: 'page_view', properties };
  }
  if (call.type !== 'track') return undefined;
  if (call.event === PAGE_ENGAGED) return pageEngagement(call);
  const type = eventType(call.event);
  if (!type) return undefined;
  const properties = flatProperties(call.properties);
  const url = text(own(pageOf(call.context), 'url'), 2000);
  return { id: call.messageId, type, properties: url && !Object.hasOwn(properties, 'url') ? { ...properties, url } : properties };
}

/**
 * Page Engaged reports the cumulative seconds on a page, again and again as they grow. It is never a
 * second page view. The first report at or past two minutes records one `time_on_page` event for
 * that page view (its id is the page's messageId, so later and repeated reports are duplicates),
 * carrying `secondsOnPage: 120`: the starter ruleset's time-on-site rule scores it as it scores a
 * page view with two minutes on it. It is stored at the time of that first report; later reports,
 * with later times, are duplicates of it for a day. Shorter reports record nothing.
 */
function pageEngagement(call: Extract<SegmentCall, { type: 'track' }>): Engagement | undefined {
  const seconds = own(call.properties, 'secondsOnPage');
  const pageMessageId = text(own(call.properties, 'pageMessageId'), MAX_ID_LENGTH);
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < ENGAGED_SECONDS) return undefined;
  const url = text(own(call.properties, 'url'), 2000) ?? text(own(pageOf(call.context), 'url'), 2000);
  const path = text(own(call.properties, 'path'), 2000);
  return {
    id: `${pageMessageId ?? call.messageId}:engaged`,
    type: TIME_ON_PAGE,
    reportedAgainWithinMs: PAGE_ENGAGED_REPEAT_WINDOW_MS,
    properties: { secondsOnPage: ENGAGED_SECONDS, ...(url ? { url } : {}), ...(path ? { path } : {}), ...(pageMessageId ? { pageMessageId } : {}) },
  };
}

/** The address a call identifies, normalised: `traits.email`, else a userId that is an address. */
export function identifiedEmail(call: SegmentCall): string | undefined {
  const traits = call.type === 'identify' ? call.traits : own(call.context, 'traits');
  const fromTraits = own(traits !== null && typeof traits === 'object' ? (traits as Record<string, unknown>) : undefined, 'email');
  for (const candidate of [fromTraits, call.userId]) {
    if (typeof candidate !== 'string') continue;
    const checked = checkEmail(candidate);
    if (checked.ok) return checked.email;
  }
  return undefined;
}

/**
 * The visitor id leadflow keeps a call's history under: the browser's anonymousId, else the site's
 * userId (prefixed, so a userId never collides with another browser's anonymousId).
 */
export const userVisitorId = (userId: string) => `user:${userId}`;
export const visitorIdOf = (call: Pick<SegmentCall, 'anonymousId' | 'userId'>): string => call.anonymousId ?? userVisitorId(call.userId ?? '');

/**
 * The messages leadflow.js sends, in the shape of Segment's HTTP tracking API (`page`, `track`,
 * `identify` inside a `batch`), so the collector reads them as it reads analytics.js. Pure: the page
 * is described by a `PageInfo`, not read from the DOM.
 */

export const LIBRARY = { name: 'leadflow.js', version: '1.0.0' } as const;

/**
 * The track event sent when a page is left or hidden: how long it was visible. Its properties:
 * `secondsOnPage` (visible seconds since the page call, cumulative: a page hidden twice reports the
 * larger figure the second time), `pageMessageId` (the messageId of the page call it belongs to), and
 * the page's `url` and `path`.
 */
export const PAGE_ENGAGED = 'Page Engaged';

/** What the browser says about the page being viewed. */
export interface PageInfo {
  readonly url: string;
  readonly path: string;
  /** The query string with its `?`, or empty. */
  readonly search: string;
  readonly title: string;
  readonly referrer: string;
  readonly userAgent: string;
  readonly locale: string;
}

export type Properties = Readonly<Record<string, unknown>>;

/** Segment's `context.campaign`: the UTM parameters, named as Segment names them (`utm_campaign` is `name`). */
export type Campaign = Partial<Record<'name' | 'source' | 'medium' | 'term' | 'content', string>>;

export interface MessageContext {
  readonly page: Pick<PageInfo, 'url' | 'path' | 'referrer' | 'title' | 'search'>;
  readonly campaign?: Campaign;
  readonly userAgent: string;
  readonly locale: string;
  readonly library: typeof LIBRARY;
}

interface Common {
  readonly messageId: string;
  readonly anonymousId: string;
  /** When it happened, ISO 8601. */
  readonly timestamp: string;
  readonly context: MessageContext;
}

export type Message =
  | (Common & { readonly type: 'page'; readonly properties: Properties })
  | (Common & { readonly type: 'track'; readonly event: string; readonly properties: Properties })
  | (Common & { readonly type: 'identify'; readonly traits: Properties });

/** What a message says before it gets its id, visitor and time. */
export type MessageContent =
  | { readonly type: 'page'; readonly properties: Properties }
  | { readonly type: 'track'; readonly event: string; readonly properties: Properties }
  | { readonly type: 'identify'; readonly traits: Properties };

export interface BatchBody {
  readonly batch: readonly Message[];
  readonly sentAt: string;
  /** In the body: sendBeacon cannot set an Authorization header. */
  readonly writeKey: string;
}

const UTM: readonly (readonly [string, keyof Campaign])[] = [
  ['utm_campaign', 'name'],
  ['utm_source', 'source'],
  ['utm_medium', 'medium'],
  ['utm_term', 'term'],
  ['utm_content', 'content'],
];

/** The UTM parameters of a query string, or undefined when it has none. */
export function campaignOf(search: string): Campaign | undefined {
  const query = new URLSearchParams(search);
  const campaign: Campaign = {};
  let found = false;
  for (const [parameter, field] of UTM) {
    const value = query.get(parameter);
    if (value) {
      campaign[field] = value;
      found = true;
    }
  }
  return found ? campaign : undefined;
}

export function contextOf(page: PageInfo): MessageContext {
  const campaign = campaignOf(page.search);
  return {
    page: { url: page.url, path: page.path, referrer: page.referrer, title: page.title, search: page.search },
    ...(campaign ? { campaign } : {}),
    userAgent: page.userAgent,
    locale: page.locale,
    library: LIBRARY,
  };
}

/** Segment's page properties repeat the page's description, as analytics.js sends them. */
export const pageProperties = (page: PageInfo): Properties => ({ url: page.url, path: page.path, referrer: page.referrer, title: page.title, search: page.search });

export function messageOf(content: MessageContent, common: { messageId: string; anonymousId: string; at: number; page: PageInfo }): Message {
  return { ...content, messageId: common.messageId, anonymousId: common.anonymousId, timestamp: new Date(common.at).toISOString(), context: contextOf(common.page) };
}

export const batchBody = (batch: readonly Message[], writeKey: string, at: number): BatchBody => ({ batch, sentAt: new Date(at).toISOString(), writeKey });

/** Own enumerable properties of a plain object given by the site, or nothing: arrays, functions and class instances are not properties. */
export function ownProperties(value: unknown): Properties {
  if (typeof value !== 'object' || value === null) return {};
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return {};
  return { ...(value as Properties) };
}

/** An address that can be an email: something@domain.tld, no spaces. The collector checks it properly. */
export const looksLikeEmail = (value: unknown): value is string => typeof value === 'string' && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value.trim());

import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { buildLeadflowJs } from '../../web/leadflow-js/build';
import { LEADFLOW_JS } from '../../web/leadflow-js/built';
import { campaignOf, contextOf, PAGE_ENGAGED, type BatchBody, type PageInfo } from '../../web/leadflow-js/messages';
import { createTracker, MAX_BATCH, STORAGE_KEYS, type ConsentMode, type KeyValueStorage, type TrackerPorts } from '../../web/leadflow-js/tracker';

/**
 * leadflow.js apart from the DOM: the messages it builds (Segment's HTTP tracking API), consent, the
 * queue with retries and visible time on page, driven through fake browser ports and a fake clock.
 * test/browser/leadflow-js.test.ts runs the built script in Chromium.
 */

const PAGE: PageInfo = {
  url: 'https://www.example.com/pricing?utm_source=newsletter&utm_medium=email&utm_campaign=spring&ref=x',
  path: '/pricing',
  search: '?utm_source=newsletter&utm_medium=email&utm_campaign=spring&ref=x',
  title: 'Pricing',
  referrer: 'https://search.example.org/',
  userAgent: 'Mozilla/5.0 (test)',
  locale: 'fr-FR',
};
const ENDPOINT = 'https://api.example.com/v1/batch';

class MemoryStorage implements KeyValueStorage {
  readonly items = new Map<string, string>();
  getItem(key: string) {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    this.items.set(key, value);
  }
  removeItem(key: string) {
    this.items.delete(key);
  }
}

/** A browser for the tracker: a clock moved by hand, timers run when due, requests answered as the test says. */
function fakeBrowser(options: { storage?: KeyValueStorage | null; answer?: () => Promise<number>; visible?: boolean } = {}) {
  let now = Date.parse('2026-11-30T10:00:00.000Z');
  let ids = 0;
  let timers: { at: number; callback: () => void }[] = [];
  const posts: BatchBody[] = [];
  const beacons: BatchBody[] = [];
  let beaconAccepted = true;
  const storage = options.storage === null ? undefined : (options.storage ?? new MemoryStorage());
  const ports: TrackerPorts = {
    now: () => now,
    randomId: () => `id-${++ids}`,
    storage,
    post: (url, body) => {
      expect(url).toBe(ENDPOINT);
      posts.push(JSON.parse(body) as BatchBody);
      return options.answer ? options.answer() : Promise.resolve(200);
    },
    beacon: (url, body) => {
      expect(url).toBe(ENDPOINT);
      if (beaconAccepted) beacons.push(JSON.parse(body) as BatchBody);
      return beaconAccepted;
    },
    later: (callback, milliseconds) => timers.push({ at: now + milliseconds, callback }),
    page: () => PAGE,
    visible: () => options.visible ?? true,
  };
  return {
    ports,
    storage,
    posts,
    beacons,
    refuseBeacons: () => {
      beaconAccepted = false;
    },
    /** Moves the clock, running the timers that fall due (and those they start), then lets answers settle. */
    async advance(milliseconds: number) {
      const until = now + milliseconds;
      for (;;) {
        await new Promise((resolve) => setImmediate(resolve));
        const due = timers.filter((timer) => timer.at <= until).sort((a, b) => a.at - b.at)[0];
        if (!due) break;
        timers = timers.filter((timer) => timer !== due);
        now = Math.max(now, due.at);
        due.callback();
      }
      now = until;
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
}

const tracker = (browser: ReturnType<typeof fakeBrowser>, consentMode: ConsentMode, globalPrivacyControl = false) =>
  createTracker({ writeKey: 'wk_site', endpoint: ENDPOINT, consentMode, globalPrivacyControl }, browser.ports);

const sent = (bodies: readonly BatchBody[]) => bodies.flatMap((body) => body.batch);

describe('the served script', () => {
  it('is the build of the current source (run `npm run build:snippet` after changing web/leadflow-js)', async () => {
    expect(LEADFLOW_JS).toBe(await buildLeadflowJs());
  });

  it('weighs at most 5 KB gzipped and names no host: it only talks to the API that served it', () => {
    expect(gzipSync(LEADFLOW_JS).length).toBeLessThanOrEqual(5 * 1024);
    expect(LEADFLOW_JS).not.toMatch(/https?:\/\/|\/\/[a-z0-9.-]+\.[a-z]{2,}\//i);
    expect(LEADFLOW_JS).not.toMatch(/document\.cookie/);
  });
});

describe('messages', () => {
  it('maps the UTM parameters to Segment campaign fields and ignores the others', () => {
    expect(campaignOf(PAGE.search)).toEqual({ source: 'newsletter', medium: 'email', name: 'spring' });
    expect(campaignOf('?utm_term=crm&utm_content=banner')).toEqual({ term: 'crm', content: 'banner' });
    expect(campaignOf('?ref=x')).toBeUndefined();
    expect(campaignOf('')).toBeUndefined();
  });

  it('carries the page, campaign, user agent, locale and library in the context', () => {
    expect(contextOf(PAGE)).toEqual({
      page: { url: PAGE.url, path: '/pricing', referrer: 'https://search.example.org/', title: 'Pricing', search: PAGE.search },
      campaign: { source: 'newsletter', medium: 'email', name: 'spring' },
      userAgent: 'Mozilla/5.0 (test)',
      locale: 'fr-FR',
      library: { name: 'leadflow.js', version: '1.0.0' },
    });
  });
});

describe('consent', () => {
  it('with consent required, sends and stores nothing until consent, then sends what happened before it', async () => {
    const browser = fakeBrowser();
    const leadflow = tracker(browser, 'required');
    leadflow.page();
    leadflow.track('Pricing Viewed', { plan: 'team' });
    await browser.advance(30_000);
    leadflow.hidden();
    await browser.advance(30_000);
    expect(browser.posts).toEqual([]);
    expect(browser.beacons).toEqual([]);
    expect(browser.storage && [...(browser.storage as MemoryStorage).items.keys()]).toEqual([]);

    leadflow.consent(true);
    await browser.advance(0);
    expect(browser.posts).toHaveLength(1);
    const [body] = browser.posts;
    expect(body).toMatchObject({ writeKey: 'wk_site', sentAt: '2026-11-30T10:01:00.000Z' });
    expect(body?.batch.map((message) => message.type)).toEqual(['page', 'track', 'track']);
    expect(body?.batch[0]).toMatchObject({ type: 'page', messageId: 'id-2', anonymousId: 'id-1', timestamp: '2026-11-30T10:00:00.000Z', properties: { path: '/pricing', title: 'Pricing' } });
    expect(body?.batch[1]).toMatchObject({ type: 'track', event: 'Pricing Viewed', properties: { plan: 'team' }, context: { campaign: { name: 'spring' } } });
    expect(body?.batch[2]).toMatchObject({ type: 'track', event: PAGE_ENGAGED, properties: { secondsOnPage: 30, pageMessageId: 'id-2' } });
    expect((browser.storage as MemoryStorage).items.get(STORAGE_KEYS.anonymousId)).toBe('id-1');
  });

  it('with consent implied, sends at once and keeps the anonymous id across pages', async () => {
    const storage = new MemoryStorage();
    const first = fakeBrowser({ storage });
    tracker(first, 'implied').page();
    await first.advance(0);
    const second = fakeBrowser({ storage });
    tracker(second, 'implied').page();
    await second.advance(0);
    expect(sent(first.posts)[0]?.anonymousId).toBe(storage.getItem(STORAGE_KEYS.anonymousId));
    expect(sent(second.posts)[0]?.anonymousId).toBe(sent(first.posts)[0]?.anonymousId);
  });

  it('honours Global Privacy Control over implied consent and over consent(true): nothing sent, nothing stored', async () => {
    const browser = fakeBrowser();
    const leadflow = tracker(browser, 'implied', true);
    leadflow.page();
    leadflow.consent(true);
    leadflow.identify('ada@example.com');
    leadflow.hidden();
    await browser.advance(60_000);
    expect(browser.posts).toEqual([]);
    expect(browser.beacons).toEqual([]);
    expect([...(browser.storage as MemoryStorage).items.keys()]).toEqual([]);
  });

  it('forgets the stored id and the waiting messages when consent is withdrawn', async () => {
    const browser = fakeBrowser({ answer: () => Promise.reject(new TypeError('offline')) });
    const leadflow = tracker(browser, 'implied');
    leadflow.page();
    await browser.advance(0);
    expect((browser.storage as MemoryStorage).items.size).toBe(2);
    leadflow.consent(false);
    leadflow.track('After Refusal');
    await browser.advance(120_000);
    expect((browser.storage as MemoryStorage).items.size).toBe(0);
    expect(sent(browser.posts).map((message) => message.type)).toEqual(['page']);
  });

  it('still sends from memory when the browser refuses storage', async () => {
    const throwing: KeyValueStorage = {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
      removeItem: () => {
        throw new Error('SecurityError');
      },
    };
    const browser = fakeBrowser({ storage: throwing });
    tracker(browser, 'implied').page();
    await browser.advance(0);
    expect(sent(browser.posts).map((message) => message.type)).toEqual(['page']);
  });
});

describe('delivery', () => {
  it('retries a failed batch with the same message ids, backing off, until it is accepted', async () => {
    const answers = [Promise.reject(new TypeError('offline')), Promise.resolve(503), Promise.resolve(200)];
    answers.forEach((answer) => answer.catch(() => {}));
    const browser = fakeBrowser({ answer: () => answers.shift() ?? Promise.resolve(200) });
    const leadflow = tracker(browser, 'implied');
    leadflow.page();
    await browser.advance(0);
    expect(browser.posts).toHaveLength(1);
    await browser.advance(999);
    expect(browser.posts).toHaveLength(1);
    await browser.advance(1);
    expect(browser.posts).toHaveLength(2);
    await browser.advance(2000);
    expect(browser.posts).toHaveLength(3);
    const ids = browser.posts.map((body) => body.batch.map((message) => message.messageId));
    expect(new Set(ids.map((list) => list.join()))).toEqual(new Set([ids[0]?.join()]));
    expect(JSON.parse((browser.storage as MemoryStorage).items.get(STORAGE_KEYS.queue) ?? '')).toEqual([]);
    await browser.advance(600_000);
    expect(browser.posts).toHaveLength(3);
  });

  it('drops a batch the collector refuses (4xx other than 408 and 429): sending it again cannot succeed', async () => {
    const browser = fakeBrowser({ answer: () => Promise.resolve(400) });
    tracker(browser, 'implied').page();
    await browser.advance(600_000);
    expect(browser.posts).toHaveLength(1);
  });

  it('sends next page what this page could not, with the same message ids', async () => {
    const storage = new MemoryStorage();
    const offline = fakeBrowser({ storage, answer: () => Promise.reject(new TypeError('offline')) });
    offline.refuseBeacons();
    const leaving = tracker(offline, 'implied');
    leaving.page();
    leaving.track('Demo Requested');
    leaving.hidden();
    const waiting = sent(offline.posts.slice(0, 1)).map((message) => message.messageId);

    const next = fakeBrowser({ storage });
    tracker(next, 'implied').page();
    await next.advance(0);
    expect(sent(next.posts).map((message) => message.messageId).slice(0, waiting.length)).toEqual(waiting);
    expect(sent(next.posts).filter((message) => message.type === 'page')).toHaveLength(2);
  });

  it('sends in batches of at most MAX_BATCH messages', async () => {
    const browser = fakeBrowser();
    const leadflow = tracker(browser, 'implied');
    for (let n = 0; n < MAX_BATCH + 5; n++) leadflow.track('Clicked', { n });
    await browser.advance(0);
    expect(browser.posts.map((body) => body.batch.length)).toEqual([MAX_BATCH, 5]);
  });
});

describe('time on page', () => {
  it('reports the visible seconds only, cumulative per page view, by beacon when the page is hidden', async () => {
    const browser = fakeBrowser();
    const leadflow = tracker(browser, 'implied');
    leadflow.page();
    await browser.advance(40_000);
    leadflow.hidden();
    await browser.advance(300_000);
    leadflow.shown();
    await browser.advance(20_000);
    leadflow.hidden();
    leadflow.hidden();
    const engaged = sent(browser.beacons).filter((message) => message.type === 'track');
    expect(engaged.map((message) => message.type === 'track' && message.properties)).toEqual([
      { secondsOnPage: 40, pageMessageId: 'id-2', url: PAGE.url, path: '/pricing' },
      { secondsOnPage: 60, pageMessageId: 'id-2', url: PAGE.url, path: '/pricing' },
    ]);
  });

  it('starts counting when a page loaded in a background tab is first shown', async () => {
    const browser = fakeBrowser({ visible: false });
    const leadflow = tracker(browser, 'implied');
    leadflow.page();
    await browser.advance(100_000);
    leadflow.shown();
    await browser.advance(5_000);
    leadflow.hidden();
    expect(sent(browser.beacons).find((message) => message.type === 'track')).toMatchObject({ properties: { secondsOnPage: 5 } });
  });
});

describe('identify', () => {
  it('sends the address as a trait, with the traits given, and ignores what is not an address', async () => {
    const browser = fakeBrowser();
    const leadflow = tracker(browser, 'implied');
    leadflow.identify('  ada@example.com ', { firstName: 'Ada' });
    leadflow.identify('not an address');
    leadflow.identify({ email: 'x@example.com' });
    leadflow.track('Listed', ['not', 'properties']);
    await browser.advance(0);
    expect(sent(browser.posts).map((message) => (message.type === 'identify' ? message.traits : message.type === 'track' ? message.properties : undefined))).toEqual([
      { firstName: 'Ada', email: 'ada@example.com' },
      {},
    ]);
  });
});

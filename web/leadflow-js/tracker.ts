import { PAGE_ENGAGED, batchBody, looksLikeEmail, messageOf, ownProperties, pageProperties, type Message, type MessageContent, type PageInfo } from './messages';

/**
 * What leadflow.js does, apart from the DOM: consent, the visitor's anonymous id, the queue with
 * retries, and visible time on page. The browser entry (leadflow.ts) wires it to the real window;
 * unit tests wire it to fakes.
 */

/** `required`: nothing is sent or stored before `consent(true)`. `implied`: tracking is on unless refused. */
export type ConsentMode = 'required' | 'implied';
type Consent = 'granted' | 'pending' | 'denied';

/** localStorage's methods; any of them may throw (storage disabled, quota). */
export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export interface TrackerSettings {
  readonly writeKey: string;
  /** `<apiHost>/v1/batch`. */
  readonly endpoint: string;
  readonly consentMode: ConsentMode;
  /** `navigator.globalPrivacyControl === true`: no tracking, whatever the site or the banner says. */
  readonly globalPrivacyControl: boolean;
}

export interface TrackerPorts {
  readonly now: () => number;
  /** A new random id (UUID v4). */
  readonly randomId: () => string;
  /** localStorage, absent where the browser refuses it; touched only once consent is granted. */
  readonly storage: KeyValueStorage | undefined;
  /** POSTs the body as text/plain; resolves with the status, rejects when no answer came. */
  readonly post: (url: string, body: string) => Promise<number>;
  /** navigator.sendBeacon: true when the browser took the body to send, even as the page goes away. */
  readonly beacon: (url: string, body: string) => boolean;
  readonly later: (callback: () => void, milliseconds: number) => void;
  readonly page: () => PageInfo;
  /** Whether the page is visible now (document.visibilityState). */
  readonly visible: () => boolean;
}

export const STORAGE_KEYS = { anonymousId: 'leadflow.anonymousId', queue: 'leadflow.queue' } as const;
/** Messages per request: well under Segment's 500 KB batch limit and sendBeacon's 64 KB. */
export const MAX_BATCH = 20;
/** Messages kept waiting at most; the oldest go first. */
export const MAX_QUEUE = 100;
const FIRST_RETRY_MS = 1000;
const LAST_RETRY_MS = 60_000;

/** A status after which sending the same batch again cannot succeed: the collector refused it. */
const refused = (status: number) => status >= 400 && status < 500 && status !== 408 && status !== 429;

export function createTracker(settings: TrackerSettings, ports: TrackerPorts) {
  let consent: Consent = settings.globalPrivacyControl ? 'denied' : settings.consentMode === 'implied' ? 'granted' : 'pending';
  let anonymousId = ports.randomId();
  let queue: Message[] = [];
  let sending = false;
  let flushScheduled = false;
  let retryScheduled = false;
  let failures = 0;
  // The page view being measured: its page call, what it showed, its visible time.
  let currentPage: { readonly messageId: string; readonly info: PageInfo } | undefined;
  let visibleSince: number | undefined;
  let visibleMs = 0;
  let reportedSeconds = 0;

  const read = (key: string) => {
    try {
      return ports.storage?.getItem(key) ?? null;
    } catch {
      return null;
    }
  };
  const write = (key: string, value: string) => {
    try {
      ports.storage?.setItem(key, value);
    } catch {
      // Full or refused: the messages stay in memory and are still sent from this page.
    }
  };
  const forget = (key: string) => {
    try {
      ports.storage?.removeItem(key);
    } catch {
      // Refused: nothing was stored either.
    }
  };

  const persist = () => {
    if (consent === 'granted') write(STORAGE_KEYS.queue, JSON.stringify(queue));
  };

  /** Messages a previous page stored and could not send. */
  function storedQueue(): Message[] {
    try {
      const stored: unknown = JSON.parse(read(STORAGE_KEYS.queue) ?? '[]');
      return Array.isArray(stored) ? stored.filter((message): message is Message => typeof message?.messageId === 'string') : [];
    } catch {
      return [];
    }
  }

  /** On consent: the visitor keeps the id stored by an earlier page, and what it left unsent is sent. */
  function adoptStorage() {
    const storedId = read(STORAGE_KEYS.anonymousId);
    if (storedId) {
      const memoryId = anonymousId;
      queue = queue.map((message) => (message.anonymousId === memoryId ? { ...message, anonymousId: storedId } : message));
      anonymousId = storedId;
    } else {
      write(STORAGE_KEYS.anonymousId, anonymousId);
    }
    const waiting = new Set(queue.map((message) => message.messageId));
    queue = [...storedQueue().filter((message) => !waiting.has(message.messageId)), ...queue].slice(-MAX_QUEUE);
    persist();
  }

  const remove = (sent: readonly Message[]) => {
    const ids = new Set(sent.map((message) => message.messageId));
    queue = queue.filter((message) => !ids.has(message.messageId));
  };

  const body = (batch: readonly Message[]) => JSON.stringify(batchBody(batch, settings.writeKey, ports.now()));

  function scheduleFlush() {
    if (flushScheduled || retryScheduled) return;
    flushScheduled = true;
    // After the calls made in the same turn (a page and the site's first track), so they share a request.
    ports.later(() => {
      flushScheduled = false;
      flush();
    }, 0);
  }

  function retry() {
    failures += 1;
    retryScheduled = true;
    ports.later(() => {
      retryScheduled = false;
      flush();
    }, Math.min(LAST_RETRY_MS, FIRST_RETRY_MS * 2 ** (failures - 1)));
  }

  function flush() {
    if (consent !== 'granted' || sending || retryScheduled || queue.length === 0) return;
    const batch = queue.slice(0, MAX_BATCH);
    sending = true;
    ports.post(settings.endpoint, body(batch)).then(
      (status) => {
        sending = false;
        if (status >= 300 && !refused(status)) return retry();
        failures = 0;
        remove(batch);
        persist();
        flush();
      },
      () => {
        sending = false;
        retry();
      },
    );
  }

  function enqueue(content: MessageContent): string | undefined {
    if (consent === 'denied') return undefined;
    const message = messageOf(content, { messageId: ports.randomId(), anonymousId, at: ports.now(), page: ports.page() });
    queue.push(message);
    if (queue.length > MAX_QUEUE) queue.splice(0, queue.length - MAX_QUEUE);
    if (consent === 'granted') {
      persist();
      scheduleFlush();
    }
    return message.messageId;
  }

  /** Sends what waits with sendBeacon, which the browser completes after the page is gone. */
  function sendNow() {
    if (consent !== 'granted') return;
    while (queue.length) {
      const batch = queue.slice(0, MAX_BATCH);
      if (!ports.beacon(settings.endpoint, body(batch))) break;
      remove(batch);
    }
    persist();
    // The browser refused a beacon (too much in flight): fetch tries, and what fails stays stored.
    flush();
  }

  function visibleSeconds() {
    const running = visibleSince === undefined ? 0 : ports.now() - visibleSince;
    return Math.round((visibleMs + running) / 1000);
  }

  /** The visible time of the page view so far, once per new whole second. */
  function reportEngagement() {
    const seconds = visibleSeconds();
    if (!currentPage || seconds <= reportedSeconds) return;
    reportedSeconds = seconds;
    const { info, messageId } = currentPage;
    enqueue({ type: 'track', event: PAGE_ENGAGED, properties: { secondsOnPage: seconds, pageMessageId: messageId, url: info.url, path: info.path } });
  }

  if (consent === 'granted') adoptStorage();

  return {
    /** The site's answer from its consent banner. `false` also forgets what was stored. Global Privacy Control wins over `true`. */
    consent(granted: boolean) {
      if (!granted) {
        consent = 'denied';
        queue = [];
        forget(STORAGE_KEYS.anonymousId);
        forget(STORAGE_KEYS.queue);
        anonymousId = ports.randomId();
        return;
      }
      if (settings.globalPrivacyControl || consent === 'granted') return;
      consent = 'granted';
      adoptStorage();
      scheduleFlush();
    },

    /** A page view (again on a single-page app's route change): ends the previous one's measure. */
    page(properties?: unknown) {
      reportEngagement();
      const info = ports.page();
      const messageId = enqueue({ type: 'page', properties: { ...pageProperties(info), ...ownProperties(properties) } });
      currentPage = messageId ? { messageId, info } : undefined;
      visibleMs = 0;
      reportedSeconds = 0;
      visibleSince = ports.visible() ? ports.now() : undefined;
    },

    track(event: unknown, properties?: unknown) {
      if (typeof event === 'string' && event) enqueue({ type: 'track', event, properties: ownProperties(properties) });
    },

    /** The visitor told us their address: the collector links this anonymous id to the lead. */
    identify(email: unknown, traits?: unknown) {
      if (looksLikeEmail(email)) enqueue({ type: 'identify', traits: { ...ownProperties(traits), email: email.trim() } });
    },

    /** The page became visible again. */
    shown() {
      visibleSince ??= ports.now();
    },

    /** The page was hidden or is going away: report its visible time and send everything while the browser still lets us. */
    hidden() {
      if (visibleSince !== undefined) visibleMs += ports.now() - visibleSince;
      visibleSince = undefined;
      reportEngagement();
      sendNow();
    },

    /** Send what waits now, with sendBeacon (a form submission is about to leave the page). */
    sendNow,

    /** The visitor's id as sent (memory-only until consent). */
    anonymousId: () => anonymousId,
  };
}

export type Tracker = ReturnType<typeof createTracker>;

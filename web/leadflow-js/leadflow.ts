import type { BrowserElement, BrowserWindow, CommandFunction, ScriptElement } from './browser';
import type { PageInfo } from './messages';
import { createTracker, type KeyValueStorage, type Tracker } from './tracker';

/**
 * leadflow.js in the browser. The site includes it as
 * `<script src="<api>/js/v1/leadflow.js" data-write-key="…" data-consent="required|implied" async>`
 * and calls `leadflow('consent', true|false)`, `leadflow('track', name, properties)`,
 * `leadflow('identify', email, traits)` and `leadflow('page')` (a single-page app's route change).
 * Calls made before the script loads wait in `leadflow.q`, filled by the loader stub in the README.
 * Forms marked `data-leadflow-identify` identify the visitor by their email field when submitted.
 */

const browser = globalThis as unknown as BrowserWindow;

/** `<api>/js/v1/leadflow.js` -> `<api>`: the collector is on the API that served the script. */
const apiHostOf = (script: ScriptElement) => script.getAttribute('data-api-host') ?? script.src.replace(/\/js\/v\d+\/leadflow\.js([?#].*)?$/, '');

function uuid(): string {
  const bytes = browser.crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function localStorageOrNothing(): KeyValueStorage | undefined {
  try {
    return browser.localStorage;
  } catch {
    return undefined;
  }
}

const pageInfo = (): PageInfo => ({
  url: browser.location.href,
  path: browser.location.pathname,
  search: browser.location.search,
  title: browser.document.title,
  referrer: browser.document.referrer,
  userAgent: browser.navigator.userAgent,
  locale: browser.navigator.language,
});

function run(tracker: Tracker, command: ArrayLike<unknown>) {
  const [name, first, second] = Array.from(command);
  if (name === 'consent') tracker.consent(first === true);
  else if (name === 'track') tracker.track(first, second);
  else if (name === 'identify') tracker.identify(first, second);
  else if (name === 'page') tracker.page(first);
}

function start(script: ScriptElement) {
  const writeKey = script.getAttribute('data-write-key');
  if (!writeKey) return;
  const tracker = createTracker(
    {
      writeKey,
      endpoint: `${apiHostOf(script)}/v1/batch`,
      consentMode: script.getAttribute('data-consent') === 'implied' ? 'implied' : 'required',
      globalPrivacyControl: browser.navigator.globalPrivacyControl === true,
    },
    {
      now: Date.now,
      randomId: uuid,
      storage: localStorageOrNothing(),
      // text/plain is a simple request: no CORS preflight. keepalive lets it finish if the page goes away.
      post: async (url, body) => (await browser.fetch(url, { method: 'POST', body, headers: { 'Content-Type': 'text/plain' }, keepalive: true, credentials: 'omit' })).status,
      beacon: (url, body) => browser.navigator.sendBeacon(url, body),
      later: (callback, milliseconds) => browser.setTimeout(callback, milliseconds),
      page: pageInfo,
      visible: () => browser.document.visibilityState === 'visible',
    },
  );

  const waiting = browser.leadflow?.q ?? [];
  const leadflow: CommandFunction = (...command) => run(tracker, command);
  leadflow.loaded = true;
  browser.leadflow = leadflow;
  // The site's consent answer first, so a page view made before it is sent (or dropped) by its rule.
  for (const command of waiting) if (command[0] === 'consent') run(tracker, command);
  tracker.page();
  for (const command of waiting) if (command[0] !== 'consent') run(tracker, command);

  browser.document.addEventListener('visibilitychange', () => (browser.document.visibilityState === 'visible' ? tracker.shown() : tracker.hidden()));
  browser.addEventListener('pagehide', () => tracker.hidden());
  browser.addEventListener('pageshow', () => tracker.shown());
  // Capture phase: runs even when the site's own handler stops the event.
  browser.document.addEventListener(
    'submit',
    (event) => {
      const form = event.target as BrowserElement | null;
      if (!form?.hasAttribute('data-leadflow-identify')) return;
      const email = form.querySelector('input[type=email],input[name=email]')?.value;
      tracker.identify(email);
      tracker.sendNow();
    },
    true,
  );
}

const script = browser.document.currentScript;
if (script && !browser.leadflow?.loaded) start(script);

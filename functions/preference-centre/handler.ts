import { Logger } from '@aws-lambda-powertools/logger';
import { documentClient, secretsManagerClient } from '../../src/adapters/clients';
import { CampaignSendStore } from '../../src/adapters/campaign-sends';
import { ConsentStore } from '../../src/adapters/consent-store';
import { LeadStore } from '../../src/adapters/lead-store';
import { SubscriptionTypeStore } from '../../src/adapters/subscription-type-store';
import { cachedSecret, keyRingFromSecret } from '../../src/adapters/secrets';
import { PreferenceCentre, type Visit } from '../../src/app/preference-centre';
import { positiveInteger, readConfig, setting } from '../../src/config';
import type { PreferenceChoice } from '../../src/domain/consent/preferences';
import { confirmPage, invalidLinkPage, preferencePage, unsubscribePage } from '../../src/domain/consent/pages';
import type { Language } from '../../src/domain/subscriptions';
import { formFields, linkPage, pageLanguage, text } from '../../src/http/link-pages';
import type { ParsedBodyEvent } from '../../src/http/middleware';
import { routesHandler } from '../../src/http/routes';
import { preferenceCentreRoutes } from './routes';
import { throttlingRefusal } from '../../src/adapters/throttling';

const config = readConfig({ TABLE_NAME: setting, SIGNING_KEYS_SECRET: setting, MAX_BODY_BYTES: positiveInteger });
const logger = new Logger();
const preferenceCentre = new PreferenceCentre({
  leads: new LeadStore(documentClient(), config.TABLE_NAME),
  consent: new ConsentStore(documentClient(), config.TABLE_NAME),
  campaigns: new CampaignSendStore(documentClient(), config.TABLE_NAME),
  keyRing: cachedSecret(secretsManagerClient(), config.SIGNING_KEYS_SECRET, keyRingFromSecret),
  subscriptionTypes: new SubscriptionTypeStore(documentClient(), config.TABLE_NAME).current,
  log: logger,
});

/** The RFC 8058 body: the only thing a one-click POST carries. */
const ONE_CLICK = { field: 'List-Unsubscribe', value: 'One-Click' } as const;

const visitOf = (event: ParsedBodyEvent): Visit => ({ pageUrl: event.rawPath, ipAddress: event.requestContext.http.sourceIp, userAgent: event.requestContext.http.userAgent });

const SUBSCRIPTION_FIELD = 'subscription.';

/**
 * What the preference form asked for: each type's radio button, or everything off. The use case keeps
 * only the types its catalogue has; `leave` names none, which is every type.
 */
function choiceFrom(body: Record<string, unknown>): PreferenceChoice | 'everything-off' {
  if (body.action === 'leave') return 'everything-off';
  return Object.fromEntries(
    Object.entries(body).flatMap(([field, value]) => (field.startsWith(SUBSCRIPTION_FIELD) && (value === 'opted_in' || value === 'opted_out') ? [[field.slice(SUBSCRIPTION_FIELD.length), value]] : [])),
  );
}

/** A page, or for a link that does not verify the page saying so. */
const pageOr = <View>(lang: Language, view: View | undefined, render: (view: View) => string) => (view ? linkPage(200, render(view)) : linkPage(400, invalidLinkPage(lang)));

export const handler = routesHandler({ logger, unavailable: throttlingRefusal, maxBodyBytes: config.MAX_BODY_BYTES }, preferenceCentreRoutes, {
  showPreferences: async (_input, event) => {
    const lang = pageLanguage(event);
    return pageOr(lang, await preferenceCentre.showPreferences(event.queryStringParameters?.token), (view) => preferencePage({ lang, ...view }));
  },

  savePreferences: async (_input, event) => {
    const lang = pageLanguage(event);
    const body = formFields(event);
    const saved = await preferenceCentre.savePreferences(text(body.token), choiceFrom(body), visitOf(event), lang);
    return pageOr(lang, saved, (view) => preferencePage({ lang, ...view, saved: true }));
  },

  // Double opt-in: the GET shows a button; only the POST confirms (mail scanners fetch links).
  showConfirmation: async (_input, event) => {
    const lang = pageLanguage(event);
    return pageOr(lang, await preferenceCentre.showConfirmation(event.queryStringParameters?.token), (view) => confirmPage({ lang, ...view }));
  },

  confirmSubscription: async (_input, event) => {
    const lang = pageLanguage(event);
    return pageOr(lang, await preferenceCentre.confirm(event.queryStringParameters?.token, visitOf(event)), (view) => confirmPage({ lang, ...view }));
  },

  // A link in an email: shows a button and changes nothing, because mail scanners fetch links.
  showUnsubscribe: async (_input, event) => {
    const lang = pageLanguage(event);
    return pageOr(lang, await preferenceCentre.showUnsubscribe(event.queryStringParameters?.token), (view) => unsubscribePage({ lang, ...view }));
  },

  // RFC 8058 one-click: `List-Unsubscribe=One-Click`, urlencoded or multipart, no cookie, no script.
  // The page's button posts the same body.
  unsubscribe: async (_input, event) => {
    const lang = pageLanguage(event);
    const oneClick = formFields(event)[ONE_CLICK.field] === ONE_CLICK.value;
    const done = await preferenceCentre.unsubscribe(event.queryStringParameters?.token, oneClick, visitOf(event));
    return pageOr(lang, done, (view) => unsubscribePage({ lang, ...view, done: true }));
  },
});

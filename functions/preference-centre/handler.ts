import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { documentClient, secretsManagerClient } from '../../src/adapters/clients';
import { CampaignStore } from '../../src/adapters/campaign-store';
import { ConsentStore } from '../../src/adapters/consent-store';
import { LeadStore } from '../../src/adapters/lead-store';
import { cachedSecret, keyRingFromSecret } from '../../src/adapters/secrets';
import { positiveInteger, readConfig, setting } from '../../src/config';
import { confirmationChange, consentChange, unsubscribeChoice, type ConsentContext, type PreferenceChoice } from '../../src/domain/consent/preferences';
import { confirmPage, invalidLinkPage, languageFor, preferencePage, unsubscribePage } from '../../src/domain/consent/pages';
import { signToken, verifyToken, type TokenClaims, type TokenPurpose } from '../../src/domain/consent/signed-token';
import { isSubscriptionType, SUBSCRIPTION_TYPES, type Language } from '../../src/domain/subscriptions';
import type { ParsedBodyEvent } from '../../src/http/middleware';
import { routesHandler } from '../../src/http/routes';
import { preferenceCentreRoutes } from './routes';

const config = readConfig({ TABLE_NAME: setting, SIGNING_KEYS_SECRET: setting, MAX_BODY_BYTES: positiveInteger });
const logger = new Logger();
const store = new LeadStore(documentClient(), config.TABLE_NAME);
const consentStore = new ConsentStore(documentClient(), config.TABLE_NAME);
const campaigns = new CampaignStore(documentClient(), config.TABLE_NAME);
const keyRing = cachedSecret(secretsManagerClient(), config.SIGNING_KEYS_SECRET, keyRingFromSecret);

/** The RFC 8058 body: the only thing a one-click POST carries. */
const ONE_CLICK = { field: 'List-Unsubscribe', value: 'One-Click' } as const;

/** Pages carry a token in their URL: no caching, no referrer leaking it, nothing loaded from elsewhere. */
const html = (statusCode: number, body: string): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
  },
  body,
});

const fields = (event: ParsedBodyEvent): Record<string, unknown> =>
  typeof event.parsedBody === 'object' && event.parsedBody !== null ? (event.parsedBody as Record<string, unknown>) : {};
const text = (value: unknown) => (typeof value === 'string' ? value : undefined);

function pageLanguage(event: ParsedBodyEvent): Language {
  return languageFor(text(fields(event).lang) ?? event.queryStringParameters?.lang, event.headers['accept-language']);
}

/** The claims of a valid token, or undefined; why a token failed is logged, never shown. */
async function claimsOf(token: string | undefined, purpose: TokenPurpose): Promise<TokenClaims | undefined> {
  const check = verifyToken(await keyRing(), purpose, token ?? '', Math.floor(Date.now() / 1000));
  if (check.valid) return check.claims;
  logger.info('Subscriber link refused', { purpose, reason: check.reason });
  return undefined;
}

function consentContext(event: ParsedBodyEvent, method: ConsentContext['method'], consentText: string): ConsentContext {
  return {
    at: new Date().toISOString(),
    method,
    pageUrl: event.rawPath,
    ipAddress: event.requestContext.http.sourceIp,
    userAgent: event.requestContext.http.userAgent,
    consentText,
  };
}

/** What the preference form asked for: each type's radio button, or everything off. */
function choiceFrom(body: Record<string, unknown>): PreferenceChoice {
  if (body.action === 'leave') return unsubscribeChoice();
  const choice: PreferenceChoice = {};
  for (const subscription of SUBSCRIPTION_TYPES) {
    const value = body[`subscription.${subscription}`];
    if (value === 'opted_in' || value === 'opted_out') choice[subscription] = value;
  }
  return choice;
}

/** The unsubscribe link's claims (from its URL), or undefined for a link that does not verify. */
async function unsubscribeLink(event: ParsedBodyEvent) {
  const token = event.queryStringParameters?.token;
  const claims = await claimsOf(token, 'unsubscribe');
  if (!claims || !token) return undefined;
  const subscription = claims.subscription && isSubscriptionType(claims.subscription) ? claims.subscription : undefined;
  return { token, leadId: claims.leadId, subscription, campaignId: claims.campaignId };
}

/** The confirmation link's claims (from its URL), or undefined for a link that does not verify or has expired. */
async function confirmationLink(event: ParsedBodyEvent) {
  const token = event.queryStringParameters?.token;
  const claims = await claimsOf(token, 'confirmation');
  if (!claims || !token || !claims.subscription || !isSubscriptionType(claims.subscription)) return undefined;
  return { token, leadId: claims.leadId, subscription: claims.subscription };
}

const preferencesLink = async (leadId: string) => signToken(await keyRing(), 'preferences', { leadId });

export const handler = routesHandler({ logger, maxBodyBytes: config.MAX_BODY_BYTES }, preferenceCentreRoutes, {
  showPreferences: async (_input, event) => {
    const lang = pageLanguage(event);
    const token = event.queryStringParameters?.token;
    const claims = await claimsOf(token, 'preferences');
    const lead = claims ? await store.getLead(claims.leadId) : undefined;
    if (!lead || !token) return html(400, invalidLinkPage(lang));
    return html(200, preferencePage({ lang, token, subscriptions: lead.subscriptions }));
  },

  savePreferences: async (_input, event) => {
    const lang = pageLanguage(event);
    const body = fields(event);
    const token = text(body.token);
    const claims = await claimsOf(token, 'preferences');
    const lead = claims ? await store.getLead(claims.leadId) : undefined;
    if (!lead || !token) return html(400, invalidLinkPage(lang));
    const change = consentChange(lead.subscriptions, choiceFrom(body), consentContext(event, 'preference_centre', `Preference centre (${lang})`));
    const outcome = await consentStore.recordConsentChange(lead.id, change, randomUUID());
    logger.info('Preferences saved', { leadId: lead.id, changed: change.records.length, outcome });
    return html(200, preferencePage({ lang, token, subscriptions: { ...lead.subscriptions, ...change.subscriptions }, saved: true }));
  },

  // Double opt-in: the GET shows a button; only the POST confirms (mail scanners fetch links).
  showConfirmation: async (_input, event) => {
    const lang = pageLanguage(event);
    const link = await confirmationLink(event);
    if (!link) return html(400, invalidLinkPage(lang));
    return html(200, confirmPage({ lang, token: link.token, subscription: link.subscription, preferencesToken: await preferencesLink(link.leadId) }));
  },

  confirmSubscription: async (_input, event) => {
    const lang = pageLanguage(event);
    const link = await confirmationLink(event);
    const lead = link ? await store.getLead(link.leadId) : undefined;
    if (!link || !lead) return html(400, invalidLinkPage(lang));
    const change = confirmationChange(lead.subscriptions, link.subscription, consentContext(event, 'double_opt_in_confirmation', `Confirmation link for ${link.subscription}`));
    const outcome = await consentStore.recordConsentChange(lead.id, change, randomUUID());
    logger.info('Subscription confirmation', { leadId: lead.id, subscription: link.subscription, changed: change.records.length, outcome });
    const confirmed = { ...lead.subscriptions, ...change.subscriptions }[link.subscription] === 'opted_in';
    const preferencesToken = await preferencesLink(lead.id);
    return html(200, confirmPage({ lang, token: link.token, subscription: link.subscription, preferencesToken, outcome: confirmed ? 'confirmed' : 'nothing-to-confirm' }));
  },

  // A link in an email: shows a button and changes nothing, because mail scanners fetch links.
  showUnsubscribe: async (_input, event) => {
    const lang = pageLanguage(event);
    const link = await unsubscribeLink(event);
    if (!link) return html(400, invalidLinkPage(lang));
    return html(200, unsubscribePage({ lang, token: link.token, subscription: link.subscription, preferencesToken: await preferencesLink(link.leadId) }));
  },

  // RFC 8058 one-click: `List-Unsubscribe=One-Click`, urlencoded or multipart, no cookie, no script.
  // The page's button posts the same body.
  unsubscribe: async (_input, event) => {
    const lang = pageLanguage(event);
    const link = await unsubscribeLink(event);
    if (!link || fields(event)[ONE_CLICK.field] !== ONE_CLICK.value) return html(400, invalidLinkPage(lang));
    const lead = await store.getLead(link.leadId);
    // An erased lead has nothing left to unsubscribe; the answer is the same, so it reveals nothing.
    if (lead) {
      const context = consentContext(event, 'one_click_unsubscribe', `Unsubscribe from ${link.subscription ?? 'everything'}`);
      const change = consentChange(lead.subscriptions, unsubscribeChoice(link.subscription), context);
      const outcome = await consentStore.recordConsentChange(lead.id, change, randomUUID());
      if (outcome === 'recorded' && link.campaignId) await campaigns.recordTracking(link.campaignId, lead.id, 'unsubscribed');
      logger.info('Unsubscribed', { leadId: lead.id, changed: change.records.length, outcome });
    }
    return html(200, unsubscribePage({ lang, token: link.token, subscription: link.subscription, preferencesToken: await preferencesLink(link.leadId), done: true }));
  },
});

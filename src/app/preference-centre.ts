import { randomUUID } from 'node:crypto';
import { confirmationChange, consentChange, unsubscribeChoice, type ConsentChange, type ConsentContext, type PreferenceChoice } from '../domain/consent/preferences';
import { signToken, verifyToken, type KeyRing, type TokenClaims, type TokenPurpose } from '../domain/consent/signed-token';
import type { Lead } from '../domain/lead';
import { isSubscriptionType, type Language, type SubscriptionCatalogue, type SubscriptionType } from '../domain/subscriptions';
import type { LeadReader, Log, SubscriptionCatalogueReader } from './ports';

/** Where a subscriber's consent changes are kept: statuses with one append-only record per change. */
export interface ConsentWrites {
  recordConsentChange(leadId: string, change: ConsentChange, requestId: string): Promise<'recorded' | 'unchanged' | 'no-lead'>;
}

/** Counts an unsubscribe in the report of the campaign whose email carried the link. */
export interface UnsubscribeTracking {
  recordTracking(campaignId: string, leadId: string, metric: 'unsubscribed'): Promise<unknown>;
}

export interface PreferenceCentreDependencies {
  readonly leads: LeadReader;
  readonly consent: ConsentWrites;
  readonly campaigns: UnsubscribeTracking;
  /** The keys subscriber links are signed and checked with. */
  readonly keyRing: () => Promise<KeyRing>;
  readonly subscriptionTypes: SubscriptionCatalogueReader;
  readonly log: Log;
}

/** Where a request came from, for the consent record of what it changes. */
export interface Visit {
  readonly pageUrl: string;
  readonly ipAddress: string;
  readonly userAgent: string;
}

/** The subscription types each page names, as stored. */
interface CatalogueView {
  readonly catalogue: SubscriptionCatalogue;
}

export interface PreferencesView extends CatalogueView {
  readonly token: string;
  readonly subscriptions: Lead['subscriptions'];
}

export interface ConfirmationView extends CatalogueView {
  readonly token: string;
  readonly subscription: SubscriptionType;
  /** A link to the preference centre, signed for the same lead. */
  readonly preferencesToken: string;
}

export interface UnsubscribeView extends CatalogueView {
  readonly token: string;
  /** The one type the link unsubscribes from; everything when absent. */
  readonly subscription: SubscriptionType | undefined;
  readonly preferencesToken: string;
}

/**
 * The subscriber's side of consent, reached by signed links from emails: the preference centre,
 * double opt-in confirmation and one-click unsubscribe. A link that does not verify (malformed,
 * tampered with, expired, or for a lead no longer there) gives `undefined` and changes nothing; why
 * is logged, never shown. Showing a link's page never changes anything, because mail scanners fetch
 * links: only the POSTs do.
 */
export class PreferenceCentre {
  constructor(private readonly dependencies: PreferenceCentreDependencies) {}

  async showPreferences(token: string | undefined): Promise<PreferencesView | undefined> {
    const lead = await this.leadOf(token, 'preferences');
    if (!lead || !token) return undefined;
    return { token, subscriptions: lead.subscriptions, catalogue: await this.dependencies.subscriptionTypes() };
  }

  /** Applies the form's choice (`everything-off`: leave every type); what it shows afterwards is the statuses as saved. */
  async savePreferences(token: string | undefined, choice: PreferenceChoice | 'everything-off', visit: Visit, lang: Language): Promise<PreferencesView | undefined> {
    const lead = await this.leadOf(token, 'preferences');
    if (!lead || !token) return undefined;
    const catalogue = await this.dependencies.subscriptionTypes(choice === 'everything-off' ? [] : Object.keys(choice));
    // Only the types of the catalogue: a form field naming any other changes nothing.
    const known = choice === 'everything-off' ? unsubscribeChoice(catalogue) : Object.fromEntries(Object.entries(choice).filter(([subscription]) => isSubscriptionType(catalogue, subscription)));
    const change = consentChange(lead.subscriptions, known, context(visit, 'preference_centre', `Preference centre (${lang})`));
    const outcome = await this.dependencies.consent.recordConsentChange(lead.id, change, randomUUID());
    this.dependencies.log.info('Preferences saved', { leadId: lead.id, changed: change.records.length, outcome });
    return { token, subscriptions: { ...lead.subscriptions, ...change.subscriptions }, catalogue };
  }

  async showConfirmation(token: string | undefined): Promise<ConfirmationView | undefined> {
    const link = await this.confirmationLink(token);
    if (!link) return undefined;
    return { token: link.token, subscription: link.subscription, catalogue: link.catalogue, preferencesToken: await this.preferencesToken(link.leadId) };
  }

  /** Double opt-in: confirms the link's subscription, which is `confirmed` unless there was nothing to confirm. */
  async confirm(token: string | undefined, visit: Visit): Promise<(ConfirmationView & { readonly outcome: 'confirmed' | 'nothing-to-confirm' }) | undefined> {
    const link = await this.confirmationLink(token);
    const lead = link ? await this.dependencies.leads.getLead(link.leadId) : undefined;
    if (!link || !lead) return undefined;
    const change = confirmationChange(lead.subscriptions, link.subscription, context(visit, 'double_opt_in_confirmation', `Confirmation link for ${link.subscription}`));
    const outcome = await this.dependencies.consent.recordConsentChange(lead.id, change, randomUUID());
    this.dependencies.log.info('Subscription confirmation', { leadId: lead.id, subscription: link.subscription, changed: change.records.length, outcome });
    const confirmed = { ...lead.subscriptions, ...change.subscriptions }[link.subscription] === 'opted_in';
    return { token: link.token, subscription: link.subscription, catalogue: link.catalogue, preferencesToken: await this.preferencesToken(lead.id), outcome: confirmed ? 'confirmed' : 'nothing-to-confirm' };
  }

  async showUnsubscribe(token: string | undefined): Promise<UnsubscribeView | undefined> {
    const link = await this.unsubscribeLink(token);
    if (!link) return undefined;
    return { token: link.token, subscription: link.subscription, catalogue: link.catalogue, preferencesToken: await this.preferencesToken(link.leadId) };
  }

  /**
   * RFC 8058 one-click unsubscribe, valid only with the one-click body. The campaign that carried the
   * link counts the unsubscribe when it changed something. An erased lead has nothing left to
   * unsubscribe; the answer is the same, so it reveals nothing.
   */
  async unsubscribe(token: string | undefined, oneClick: boolean, visit: Visit): Promise<UnsubscribeView | undefined> {
    const link = await this.unsubscribeLink(token);
    if (!link || !oneClick) return undefined;
    const lead = await this.dependencies.leads.getLead(link.leadId);
    if (lead) {
      const change = consentChange(lead.subscriptions, unsubscribeChoice(link.catalogue, link.subscription), context(visit, 'one_click_unsubscribe', `Unsubscribe from ${link.subscription ?? 'everything'}`));
      const outcome = await this.dependencies.consent.recordConsentChange(lead.id, change, randomUUID());
      if (outcome === 'recorded' && link.campaignId) await this.dependencies.campaigns.recordTracking(link.campaignId, lead.id, 'unsubscribed');
      this.dependencies.log.info('Unsubscribed', { leadId: lead.id, changed: change.records.length, outcome });
    }
    return { token: link.token, subscription: link.subscription, catalogue: link.catalogue, preferencesToken: await this.preferencesToken(link.leadId) };
  }

  /** The claims of a valid token, or undefined; why a token failed is logged, never shown. */
  private async claimsOf(token: string | undefined, purpose: TokenPurpose): Promise<TokenClaims | undefined> {
    const check = verifyToken(await this.dependencies.keyRing(), purpose, token ?? '', Math.floor(Date.now() / 1000));
    if (check.valid) return check.claims;
    this.dependencies.log.info('Subscriber link refused', { purpose, reason: check.reason });
    return undefined;
  }

  private async leadOf(token: string | undefined, purpose: TokenPurpose): Promise<Lead | undefined> {
    const claims = await this.claimsOf(token, purpose);
    return claims ? this.dependencies.leads.getLead(claims.leadId) : undefined;
  }

  /** The unsubscribe link's claims, or undefined for a link that does not verify. */
  private async unsubscribeLink(token: string | undefined) {
    const claims = await this.claimsOf(token, 'unsubscribe');
    if (!claims || !token) return undefined;
    const catalogue = await this.dependencies.subscriptionTypes(claims.subscription ? [claims.subscription] : []);
    const subscription = claims.subscription && isSubscriptionType(catalogue, claims.subscription) ? claims.subscription : undefined;
    return { token, leadId: claims.leadId, subscription, campaignId: claims.campaignId, catalogue };
  }

  /** The confirmation link's claims, or undefined for a link that does not verify or has expired. */
  private async confirmationLink(token: string | undefined) {
    const claims = await this.claimsOf(token, 'confirmation');
    const catalogue = await this.dependencies.subscriptionTypes(claims?.subscription ? [claims.subscription] : []);
    if (!claims || !token || !claims.subscription || !isSubscriptionType(catalogue, claims.subscription)) return undefined;
    return { token, leadId: claims.leadId, subscription: claims.subscription, catalogue };
  }

  private async preferencesToken(leadId: string): Promise<string> {
    return signToken(await this.dependencies.keyRing(), 'preferences', { leadId });
  }
}

function context(visit: Visit, method: ConsentContext['method'], consentText: string): ConsentContext {
  return { at: new Date().toISOString(), method, ...visit, consentText };
}

import { describe, expect, it } from 'vitest';
import { PreferenceCentre, type ConsentWrites, type UnsubscribeTracking } from '../../src/app/preference-centre';
import type { ConsentChange } from '../../src/domain/consent/preferences';
import { signToken, verifyToken, type KeyRing, type TokenClaims, type TokenPurpose } from '../../src/domain/consent/signed-token';
import type { Lead } from '../../src/domain/lead';
import { SEEDED_CATALOGUE, type ConsentRecord } from '../../src/domain/subscriptions';
import { mqlLead } from './fixtures';
import { MemoryLeads, MemoryLog } from './in-memory';

const RING: KeyRing = { current: 'k1', keys: { k1: 'a'.repeat(48) } };
const VISIT = { pageUrl: '/v1/preferences', ipAddress: '203.0.113.7', userAgent: 'Mail/1.0' };

/** Consent changes applied to the in-memory leads, each record kept, as the table's write does. */
class MemoryConsent implements ConsentWrites {
  readonly records: ConsentRecord[] = [];
  constructor(private readonly leads: MemoryLeads) {}
  async recordConsentChange(leadId: string, change: ConsentChange): Promise<'recorded' | 'unchanged' | 'no-lead'> {
    const lead = this.leads.leads.get(leadId);
    if (!lead) return 'no-lead';
    if (Object.keys(change.subscriptions).length === 0) return 'unchanged';
    this.leads.put({ ...lead, subscriptions: { ...lead.subscriptions, ...change.subscriptions } });
    this.records.push(...change.records);
    return 'recorded';
  }
}

class MemoryTracking implements UnsubscribeTracking {
  readonly counted: { campaignId: string; leadId: string }[] = [];
  async recordTracking(campaignId: string, leadId: string): Promise<void> {
    this.counted.push({ campaignId, leadId });
  }
}

function setUp(subscriptions: Lead['subscriptions'] = { newsletter: 'opted_in', events: 'opted_in' }) {
  const leads = new MemoryLeads();
  leads.put({ ...mqlLead, subscriptions });
  const consent = new MemoryConsent(leads);
  const campaigns = new MemoryTracking();
  const log = new MemoryLog();
  const centre = new PreferenceCentre({ leads, consent, campaigns, keyRing: async () => RING, subscriptionTypes: async () => SEEDED_CATALOGUE, log });
  return { leads, consent, campaigns, log, centre };
}

const link = (purpose: TokenPurpose, claims: Partial<TokenClaims> = {}) => signToken(RING, purpose, { leadId: 'lead-1', ...claims });
const leadOfPreferencesLink = (token: string) => {
  const check = verifyToken(RING, 'preferences', token, Math.floor(Date.now() / 1000));
  return check.valid ? check.claims.leadId : undefined;
};

describe('preference centre', () => {
  it('shows the lead its subscriptions and saves a choice with a consent record', async () => {
    const { centre, leads, consent } = setUp();
    const token = link('preferences');
    expect(await centre.showPreferences(token)).toEqual({ token, subscriptions: { newsletter: 'opted_in', events: 'opted_in' }, catalogue: SEEDED_CATALOGUE });
    const saved = await centre.savePreferences(token, { events: 'opted_out', newsletter: 'opted_in' }, VISIT, 'id');
    expect(saved).toEqual({ token, subscriptions: { newsletter: 'opted_in', events: 'opted_out' }, catalogue: SEEDED_CATALOGUE });
    expect(leads.leads.get('lead-1')?.subscriptions).toEqual({ newsletter: 'opted_in', events: 'opted_out' });
    expect(consent.records).toMatchObject([{ subscription: 'events', status: 'opted_out', method: 'preference_centre', consentText: 'Preference centre (id)', ...VISIT }]);
  });

  it('changes nothing for a link that does not verify, logging why but never showing it', async () => {
    const { centre, consent, log } = setUp();
    const forged = `${link('preferences').slice(0, -2)}xx`;
    expect(await centre.showPreferences(undefined)).toBeUndefined();
    expect(await centre.savePreferences(forged, { newsletter: 'opted_out' }, VISIT, 'en')).toBeUndefined();
    // An unsubscribe link does not open the preference centre.
    expect(await centre.showPreferences(link('unsubscribe'))).toBeUndefined();
    expect(consent.records).toEqual([]);
    expect(log.lines.filter((line) => line.message === 'Subscriber link refused').map((line) => line.attributes.reason)).toEqual(['malformed', 'bad-signature', 'bad-signature']);
  });
});

describe('one-click unsubscribe', () => {
  it('shows the page without changing anything, then unsubscribes on the one-click POST and counts it for the campaign', async () => {
    const { centre, leads, campaigns, consent } = setUp();
    const token = link('unsubscribe', { subscription: 'newsletter', campaignId: 'camp-1' });
    const shown = await centre.showUnsubscribe(token);
    expect(shown).toMatchObject({ token, subscription: 'newsletter' });
    expect(leadOfPreferencesLink(shown?.preferencesToken ?? '')).toBe('lead-1');
    expect(consent.records).toEqual([]);

    expect(await centre.unsubscribe(token, true, VISIT)).toMatchObject({ token, subscription: 'newsletter' });
    expect(leads.leads.get('lead-1')?.subscriptions).toEqual({ newsletter: 'opted_out', events: 'opted_in' });
    expect(consent.records).toMatchObject([{ subscription: 'newsletter', status: 'opted_out', method: 'one_click_unsubscribe', consentText: 'Unsubscribe from newsletter' }]);
    expect(campaigns.counted).toEqual([{ campaignId: 'camp-1', leadId: 'lead-1' }]);

    // A repeat changes nothing and is not counted again.
    await centre.unsubscribe(token, true, VISIT);
    expect(campaigns.counted).toHaveLength(1);
  });

  it('unsubscribes from everything for a link without a type, and refuses a POST without the one-click body', async () => {
    const { centre, leads } = setUp();
    const token = link('unsubscribe');
    expect(await centre.unsubscribe(token, false, VISIT)).toBeUndefined();
    expect(leads.leads.get('lead-1')?.subscriptions).toEqual({ newsletter: 'opted_in', events: 'opted_in' });
    expect(await centre.unsubscribe(token, true, VISIT)).toMatchObject({ subscription: undefined });
    expect(leads.leads.get('lead-1')?.subscriptions).toMatchObject({ newsletter: 'opted_out', events: 'opted_out' });
  });

  it('answers an erased lead as any other, revealing nothing', async () => {
    const { centre, leads, consent } = setUp();
    leads.leads.delete('lead-1');
    const token = link('unsubscribe');
    expect(await centre.unsubscribe(token, true, VISIT)).toMatchObject({ token });
    expect(consent.records).toEqual([]);
  });
});

describe('double opt-in confirmation', () => {
  it('confirms a pending subscription on the POST only', async () => {
    const { centre, leads, consent } = setUp({ newsletter: 'pending' });
    const token = link('confirmation', { subscription: 'newsletter', expiresAt: Math.floor(Date.now() / 1000) + 3600 });
    expect(await centre.showConfirmation(token)).toMatchObject({ token, subscription: 'newsletter' });
    expect(leads.leads.get('lead-1')?.subscriptions).toEqual({ newsletter: 'pending' });
    expect(await centre.confirm(token, VISIT)).toMatchObject({ token, subscription: 'newsletter', outcome: 'confirmed' });
    expect(leads.leads.get('lead-1')?.subscriptions).toEqual({ newsletter: 'opted_in' });
    expect(consent.records).toMatchObject([{ subscription: 'newsletter', status: 'opted_in', method: 'double_opt_in_confirmation' }]);
  });

  it('says there was nothing to confirm for a lead that opted out meanwhile, and refuses an expired link', async () => {
    const { centre } = setUp({ newsletter: 'opted_out' });
    const token = link('confirmation', { subscription: 'newsletter', expiresAt: Math.floor(Date.now() / 1000) + 3600 });
    expect(await centre.confirm(token, VISIT)).toMatchObject({ outcome: 'nothing-to-confirm' });
    const expired = link('confirmation', { subscription: 'newsletter', expiresAt: Math.floor(Date.now() / 1000) - 1 });
    expect(await centre.confirm(expired, VISIT)).toBeUndefined();
    expect(await centre.showConfirmation(link('confirmation'))).toBeUndefined();
  });
});

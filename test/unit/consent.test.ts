import { describe, expect, it } from 'vitest';
import { invalidLinkPage, languageFor, preferencePage, unsubscribePage } from '../../src/domain/consent/pages';
import { composeConfirmationEmail } from '../../src/domain/consent/confirmation-email';
import { confirmationChange, consentChange, formConsentStatus, unsubscribeChoice } from '../../src/domain/consent/preferences';
import { SEEDED_CATALOGUE } from '../../src/domain/subscriptions';

const catalogue = SEEDED_CATALOGUE;

const context = { at: '2026-11-23T10:00:00.000Z', method: 'preference_centre' as const, ipAddress: '203.0.113.9', userAgent: 'test', consentText: 'Preference centre (en)' };

describe('consentChange', () => {
  it('changes only what the subscriber chose, one record per changed type, with where and how', () => {
    const change = consentChange({ newsletter: 'opted_in', offers: 'opted_in' }, { newsletter: 'opted_out', offers: 'opted_in', events: 'opted_in' }, context);
    expect(change.subscriptions).toEqual({ newsletter: 'opted_out', events: 'opted_in' });
    expect(change.records).toEqual([
      { subscription: 'newsletter', status: 'opted_out', ...context },
      { subscription: 'events', status: 'opted_in', ...context },
    ]);
  });

  it('is idempotent: the same choice again changes nothing', () => {
    const first = consentChange({ newsletter: 'opted_in' }, unsubscribeChoice(catalogue), context);
    expect(consentChange({ newsletter: 'opted_in', ...first.subscriptions }, unsubscribeChoice(catalogue), context)).toEqual({ subscriptions: {}, records: [] });
  });

  it('never changes a status without an explicit choice, and records no withdrawal of consent never given', () => {
    expect(consentChange({ newsletter: 'opted_in' }, {}, context)).toEqual({ subscriptions: {}, records: [] });
    expect(consentChange({}, unsubscribeChoice(catalogue, 'offers'), context)).toEqual({ subscriptions: {}, records: [] });
  });

  it('unsubscribes from one type or from every type', () => {
    expect(unsubscribeChoice(catalogue, 'events')).toEqual({ events: 'opted_out' });
    expect(Object.keys(unsubscribeChoice(catalogue))).toEqual(catalogue.map((type) => type.id));
  });
});

describe('subscriber pages', () => {
  it('are plain forms: declared language, one heading, a labelled radio pair in a fieldset per type, no script', () => {
    const html = preferencePage({ lang: 'en', token: 'v1.k1.abc.def', subscriptions: { newsletter: 'opted_in', offers: 'pending' }, catalogue });
    expect(html).toMatch(/^<!doctype html>\n<html lang="en">/);
    expect(html.match(/<h1>/g)).toHaveLength(1);
    expect(html.match(/<fieldset>/g)).toHaveLength(catalogue.length);
    expect(html).toContain('<legend>Newsletter</legend>');
    expect(html).toContain('<label><input type="radio" name="subscription.newsletter" value="opted_in" checked> Send me this</label>');
    expect(html).toContain('Waiting for you to confirm');
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('<input type="hidden" name="token" value="v1.k1.abc.def">');
  });

  it('speak Indonesian', () => {
    const html = preferencePage({ lang: 'id', token: 't', subscriptions: {}, catalogue });
    expect(html).toContain('<html lang="id">');
    expect(html).toContain('Preferensi email Anda');
    expect(html).toContain('<legend>Buletin</legend>');
    expect(invalidLinkPage('id')).toContain('Tautan ini tidak berfungsi');
  });

  it('show a type an admin added, and an archived type only to a subscriber still opted in or pending', () => {
    const edited = [
      ...catalogue.map((type) => (type.id === 'offers' ? { ...type, archived: true } : type)),
      { id: 'case_studies', label: { en: 'Case studies', id: 'Studi kasus' }, description: { en: 'How teams use us.', id: 'Cara tim memakai kami.' }, doubleOptIn: false, transactional: false, archived: false },
    ];
    const page = (subscriptions: Record<string, 'opted_in' | 'pending' | 'opted_out'>) => preferencePage({ lang: 'id', token: 't', subscriptions, catalogue: edited });
    expect(page({})).toContain('<legend>Studi kasus</legend>');
    expect(page({})).toContain('name="subscription.case_studies"');
    expect(page({})).not.toContain('name="subscription.offers"');
    expect(page({ offers: 'opted_out' })).not.toContain('name="subscription.offers"');
    expect(page({ offers: 'pending' })).toContain('name="subscription.offers"');
  });

  it('show a transactional type as service email that can still be stopped, in both languages', () => {
    const withNotices = [...catalogue, { id: 'account_notices', label: { en: 'Account notices', id: 'Pemberitahuan akun' }, description: { en: 'Invoices.', id: 'Tagihan.' }, doubleOptIn: false, transactional: true, archived: false }];
    const english = preferencePage({ lang: 'en', token: 't', subscriptions: { account_notices: 'opted_in' }, catalogue: withNotices });
    expect(english).toContain('<legend>Account notices (service email)</legend>');
    expect(english).toContain('not counted in our limit on marketing email');
    expect(english).toContain('<input type="radio" name="subscription.account_notices" value="opted_out">');
    expect(english).toContain('<legend>Newsletter</legend>');
    expect(preferencePage({ lang: 'id', token: 't', subscriptions: {}, catalogue: withNotices })).toContain('<legend>Pemberitahuan akun (email layanan)</legend>');
  });

  it('escape what they echo', () => {
    expect(preferencePage({ lang: 'en', token: '"><script>x</script>', subscriptions: {}, catalogue })).not.toContain('<script>x');
  });

  it('offer a button on an unsubscribe link that posts the one-click body', () => {
    const html = unsubscribePage({ lang: 'en', token: 'tok', subscription: 'events', catalogue, preferencesToken: 'pref' });
    expect(html).toContain('<form method="post" action="/v1/unsubscribe?token=tok&amp;lang=en">');
    expect(html).toContain('<input type="hidden" name="List-Unsubscribe" value="One-Click">');
    expect(html).toContain('Stop sending me events and webinars.');
  });

  it('pick the language from the request, then the browser, then English', () => {
    expect(languageFor('id', 'en-GB')).toBe('id');
    expect(languageFor(undefined, 'id-ID,id;q=0.9')).toBe('id');
    expect(languageFor('fr', undefined)).toBe('en');
  });
});

describe('double opt-in', () => {
  it('keeps a ticked double-opt-in type pending, opts a single-opt-in type in, and leaves an opt-in alone', () => {
    expect(formConsentStatus(catalogue, undefined, 'newsletter')).toBe('pending');
    expect(formConsentStatus(catalogue, 'opted_out', 'newsletter')).toBe('pending');
    expect(formConsentStatus(catalogue, undefined, 'events')).toBe('opted_in');
    expect(formConsentStatus(catalogue, 'opted_in', 'newsletter')).toBeUndefined();
  });

  it('confirms only a pending subscription: twice is harmless, an old link cannot resubscribe an opt-out', () => {
    const confirmation = { ...context, method: 'double_opt_in_confirmation' as const };
    expect(confirmationChange({ newsletter: 'pending' }, 'newsletter', confirmation)).toEqual({
      subscriptions: { newsletter: 'opted_in' },
      records: [{ subscription: 'newsletter', status: 'opted_in', ...confirmation }],
    });
    expect(confirmationChange({ newsletter: 'opted_in' }, 'newsletter', confirmation)).toEqual({ subscriptions: {}, records: [] });
    expect(confirmationChange({ newsletter: 'opted_out' }, 'newsletter', confirmation)).toEqual({ subscriptions: {}, records: [] });
  });

  it('emails one link per pending subscription, in English and Indonesian, escaped', () => {
    const email = composeConfirmationEmail('Budi <b>', [{ subscription: 'newsletter', url: 'https://x.io/v1/subscriptions/confirm?token=a&b' }], 'https://x.io/v1/preferences?token=p', catalogue);
    expect(email.text).toContain('Newsletter: https://x.io/v1/subscriptions/confirm?token=a&b');
    expect(email.text).toContain('Buletin: https://x.io/v1/subscriptions/confirm?token=a&b');
    expect(email.html).toContain('href="https://x.io/v1/subscriptions/confirm?token=a&amp;b"');
    expect(email.html).toContain('Halo Budi &lt;b&gt;,');
    expect(email.text).toContain('Your email preferences: https://x.io/v1/preferences?token=p');
  });
});

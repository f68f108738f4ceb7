import { describe, expect, it } from 'vitest';
import { effectiveStatus, isSubscriber, type Campaign } from '../../src/domain/campaigns/campaign';
import { withSubscriberFooter } from '../../src/domain/campaigns/footer';
import { renderTemplate, templateFields, textFromHtml } from '../../src/domain/campaigns/template';
import { listUnsubscribeHeaders, sendDecision } from '../../src/domain/consent/send-policy';
import type { Lead } from '../../src/domain/lead';
import { SEEDED_CATALOGUE } from '../../src/domain/subscriptions';

const lead = (subscriptions: Lead['subscriptions'], extra: Partial<Lead> = {}) => ({ id: 'l', email: 'a@x.io', subscriptions, ...extra }) as Lead;

describe('renderTemplate', () => {
  it('fills fields, escapes them in HTML, and falls back when a value is missing', () => {
    const rendered = renderTemplate(
      { subject: 'Hi {{ lead.firstName | "there" }}', html: '<p>Hello {{ lead.firstName | "friend" }} from {{lead.company}}</p>' },
      { lead: { firstName: '<Ada>', company: '' } },
    );
    expect(rendered.subject).toBe('Hi <Ada>');
    expect(rendered.html).toBe('<p>Hello &lt;Ada&gt; from </p>');
    expect(renderTemplate({ subject: 'Hi {{ lead.firstName | "there" }}', html: 'x' }, { lead: {} }).subject).toBe('Hi there');
  });

  it('renders an attribute named like an Object.prototype member only when the lead has it', () => {
    const template = { subject: 'Hi {{ lead.attributes.constructor | "there" }}', html: '<p>{{ lead.attributes.toString | "none" }}</p>' };
    expect(renderTemplate(template, { lead: { attributes: {} } })).toMatchObject({ subject: 'Hi there', html: '<p>none</p>' });
    expect(renderTemplate(template, { lead: { attributes: { constructor: 'Builder' } } }).subject).toBe('Hi Builder');
  });

  it('derives a text part from the HTML when there is none, links written out', () => {
    expect(textFromHtml('<h1>News</h1><p>Read <a href="https://x.io/a">the guide</a> &amp; more</p>')).toBe('News\nRead the guide (https://x.io/a) & more');
    expect(renderTemplate({ subject: 's', html: '<p>a</p>', text: 'plain {{ lead.email }}' }, { lead: { email: 'a@x.io' } }).text).toBe('plain a@x.io');
  });

  it('keeps a subject on one line and lists the fields a template uses', () => {
    expect(renderTemplate({ subject: '{{ lead.company }}', html: 'x' }, { lead: { company: 'A\r\nBcc: b@x.io' } }).subject).toBe('A Bcc: b@x.io');
    expect(templateFields({ subject: '{{ lead.firstName }}', html: '{{lead.company | "us"}} {{ lead.firstName }}' })).toEqual(['lead.firstName', 'lead.company']);
  });
});

describe('sendDecision (the send-time check)', () => {
  it('sends only to an existing, opted-in, unsuppressed lead', () => {
    expect(sendDecision(lead({ events: 'opted_in' }), 'events', false)).toEqual({ send: true });
    expect(sendDecision(undefined, 'events', false)).toEqual({ send: false, reason: 'no_lead' });
    expect(sendDecision(lead({ events: 'pending' }), 'events', false)).toEqual({ send: false, reason: 'not_opted_in' });
    expect(sendDecision(lead({ events: 'opted_out' }), 'events', false)).toEqual({ send: false, reason: 'not_opted_in' });
    expect(sendDecision(lead({ newsletter: 'opted_in' }), 'events', false)).toEqual({ send: false, reason: 'not_opted_in' });
    expect(sendDecision(lead({ events: 'opted_in' }), 'events', true)).toEqual({ send: false, reason: 'suppressed' });
    expect(sendDecision(lead({ events: 'opted_in' }, { emailSuppression: { reason: 'complaint', at: 't' } }), 'events', false)).toEqual({ send: false, reason: 'suppressed' });
  });
});

describe('marketing email headers and footer', () => {
  it('carries RFC 8058 one-click headers over https', () => {
    expect(listUnsubscribeHeaders('https://mail.example.com/v1/unsubscribe?token=t')).toEqual({
      'List-Unsubscribe': '<https://mail.example.com/v1/unsubscribe?token=t>',
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    });
    expect(() => listUnsubscribeHeaders('http://mail.example.com/v1/unsubscribe')).toThrow(/https/);
  });

  it('ends every email with why, an unsubscribe link and the preference centre', () => {
    const email = withSubscriberFooter({ subject: 's', html: '<html><body><p>x</p></body></html>', text: 'x' }, { subscription: 'events', unsubscribeUrl: 'https://u.io/?a=1&b=2', preferencesUrl: 'https://p.io' }, SEEDED_CATALOGUE);
    expect(email.text).toContain('you subscribed to Events and webinars');
    expect(email.text).toContain('Unsubscribe: https://u.io/?a=1&b=2');
    expect(email.html).toContain('href="https://u.io/?a=1&amp;b=2"');
    expect(email.html.indexOf('Unsubscribe')).toBeLessThan(email.html.indexOf('</body>'));
  });
});

describe('isSubscriber', () => {
  it('takes opted-in leads whose address is not known to be suppressed', () => {
    expect(isSubscriber('events', lead({ events: 'opted_in' }, { industry: 'SaaS' }))).toBe(true);
    expect(isSubscriber('events', lead({ events: 'pending' }, { industry: 'SaaS' }))).toBe(false);
    expect(isSubscriber('events', lead({ events: 'opted_out' }))).toBe(false);
    expect(isSubscriber('events', lead({ newsletter: 'opted_in' }))).toBe(false);
    expect(isSubscriber('events', lead({ events: 'opted_in' }, { emailSuppression: { reason: 'complaint', at: 't' } }))).toBe(false);
  });
});

describe('effectiveStatus', () => {
  const sending = { status: 'sending', planned: true, recipients: 10, sent: 7, skipped: 2 } as Campaign;
  it('reads as sent once every planned recipient is sent, skipped or interrupted, and not before', () => {
    expect(effectiveStatus(sending)).toBe('sending');
    expect(effectiveStatus({ ...sending, interrupted: 1 })).toBe('sent');
    expect(effectiveStatus({ ...sending, interrupted: 1, planned: false })).toBe('sending');
    expect(effectiveStatus({ ...sending, status: 'paused', interrupted: 1 })).toBe('paused');
  });
});

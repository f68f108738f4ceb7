import { describe, expect, it } from 'vitest';
import { FormSubmission, MAX_ATTRIBUTES, withFormAttributes } from '../../src/api/schemas';
import type { KeyRing } from '../../src/domain/consent/signed-token';
import { FormDefinition } from '../../src/domain/forms/definition';
import { sameDefinition } from '../../src/domain/same-definition';
import { embedScript } from '../../src/domain/forms/embed';
import { formLanguage, hostedFormPage, refusedPage } from '../../src/domain/forms/pages';
import { checkRenderToken, signRenderToken } from '../../src/domain/forms/render-token';
import { prepareSubmission, withoutUnknownFields } from '../../src/domain/forms/submission';
import { fieldPath } from '../../src/http/errors';
import { prefersHtml } from '../../src/http/negotiation';
import { demoForm } from '../fixtures/forms';

const definition = FormDefinition.parse(demoForm());
const ring: KeyRing = { current: 'k1', keys: { k1: 'a-form-render-signing-key-of-32-bytes!' } };
const issuesOf = (input: unknown) => {
  const result = FormDefinition.safeParse(input);
  return result.success ? [] : result.error.issues.map((issue) => `${fieldPath(issue.path)}: ${issue.message}`);
};
const prepare = (body: Record<string, unknown>, form = definition, lang: 'en' | 'id' = 'en') =>
  prepareSubmission(form, body, { knownFields: Object.keys(FormSubmission.shape), maxAttributes: MAX_ATTRIBUTES, lang });

describe('form definitions', () => {
  it('fills in the defaults a marketer leaves out', () => {
    const minimal = FormDefinition.parse({
      title: { en: 'Newsletter', id: 'Buletin' },
      fields: [{ name: 'email', type: 'email', label: { en: 'Email', id: 'Email' }, required: true }],
      success: { kind: 'message', message: { en: 'Thanks', id: 'Terima kasih' } },
    });
    expect(minimal).toMatchObject({ unknownFields: 'ignore', consents: [], hidden: [], allowedOrigins: [], defaultLanguage: 'en', spam: { minSecondsToSubmit: 3 } });
  });

  it('refuses a redirect to an origin the form does not allow, naming the path', () => {
    expect(issuesOf(demoForm({ success: { kind: 'redirect', url: 'https://evil.example.net/thanks' }, allowedOrigins: ['https://www.example.com'] }))).toEqual([
      'success.url: must be on one of allowedOrigins (add https://evil.example.net there)',
    ]);
    expect(issuesOf(demoForm({ success: { kind: 'redirect', url: 'https://www.example.com/thanks' }, allowedOrigins: ['https://www.example.com'] }))).toEqual([]);
  });

  it('names each problem: no email field, a field twice, a select without options, a label missing its Indonesian', () => {
    const issues = issuesOf({
      ...demoForm(),
      fields: [
        { name: 'firstName', type: 'text', label: { en: 'Name', id: 'Nama' } },
        { name: 'firstName', type: 'text', label: { en: 'Name', id: 'Nama' } },
        { name: 'attributes.size', type: 'select', label: { en: 'Size', id: 'Ukuran' } },
        { name: 'company', type: 'text', label: { en: 'Company' } },
      ],
    });
    expect(issues).toEqual(
      expect.arrayContaining([
        'fields[3].label.id: is required',
      ]),
    );
    const refined = issuesOf({
      ...demoForm(),
      fields: [
        { name: 'firstName', type: 'text', label: { en: 'Name', id: 'Nama' } },
        { name: 'firstName', type: 'text', label: { en: 'Name', id: 'Nama' } },
        { name: 'attributes.size', type: 'select', label: { en: 'Size', id: 'Ukuran' } },
      ],
    });
    expect(refined).toEqual(
      expect.arrayContaining(['fields: must include the email field: it is how a lead is known', 'fields[1].name: firstName is declared twice', 'fields[2].options: a select needs its options']),
    );
  });

  it('refuses field names that are neither profile fields nor attributes, and origins with a path', () => {
    expect(issuesOf(demoForm({ fields: [{ name: '__proto__', type: 'text', label: { en: 'x', id: 'x' } }] }))[0]).toMatch(/^fields\[0\]\.name: must be one of email/);
    expect(issuesOf(demoForm({ allowedOrigins: ['https://www.example.com/'] }))).toEqual([
      'allowedOrigins[0]: must be an origin such as https://www.example.com (scheme, host and port, no path or trailing /)',
    ]);
  });

  it('tells an unchanged definition from a changed one, whatever the key order', () => {
    const { spam, ...rest } = definition;
    const reordered = FormDefinition.parse(JSON.parse(JSON.stringify({ spam, ...rest })));
    expect(sameDefinition(definition, reordered)).toBe(true);
    expect(sameDefinition(definition, { ...definition, unknownFields: 'ignore' })).toBe(false);
  });
});

describe('a submission checked against its form', () => {
  it('keeps undeclared fields as attributes when the form says keep, so an extra field never loses the lead', () => {
    const prepared = prepare({ email: 'a@example.com', firstName: 'Ayu', company: 'Acme', gclid: 'Cj0KCQ', message: 'Call me\r\nafter 5', Bad_Name: 'x', consent: 'newsletter' });
    expect(prepared.fields).toMatchObject({ 'attributes.gclid': 'Cj0KCQ', 'attributes.message': 'Call me after 5' });
    expect(prepared.fields).not.toHaveProperty('gclid');
    expect(prepared.ignored).toBe(1);
    expect(prepared.issues).toEqual([]);
    expect(FormSubmission.parse(withFormAttributes(prepared.fields)).attributes).toEqual({ gclid: 'Cj0KCQ', message: 'Call me after 5' });
  });

  it('ignores undeclared fields when the form says ignore, and a field named __proto__ stays a plain field', () => {
    const body = JSON.parse('{"email":"a@example.com","firstName":"Ayu","company":"Acme","gclid":"x","__proto__":{"polluted":true}}') as Record<string, unknown>;
    const prepared = prepare(body, { ...definition, unknownFields: 'ignore' });
    expect(Object.keys(prepared.fields).sort()).toEqual(['company', 'email', 'firstName']);
    expect(prepared.ignored).toBe(2);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('records consent only for the boxes the form offers, with the words it showed in the page language', () => {
    const prepared = prepare({ email: 'a@example.com', firstName: 'Ayu', company: 'Acme', consent: ['newsletter', 'offers'] }, definition, 'id');
    expect(prepared.fields.consent).toEqual(['newsletter']);
    expect(prepared.consentTexts).toEqual({ product_updates: 'Kirimi saya pembaruan produk.', newsletter: 'Kirimi saya buletin bulanan.' });
    expect(prepared.ignored).toBe(1);
  });

  it('names every required field left blank and every value outside its choices or length', () => {
    const prepared = prepare({ email: 'a@example.com', firstName: 'x'.repeat(101), company: '  ', 'attributes.plan': 'enterprise' });
    expect(prepared.issues).toEqual([
      { field: 'firstName', message: 'must be at most 100 characters' },
      { field: 'company', message: 'is required' },
      { field: 'attributes.plan', message: 'must be one of starter, pro' },
    ]);
  });
});

describe('a browser post to a form without a definition', () => {
  it('leaves out the fields the submission schema does not know, __proto__ included, and keeps attributes', () => {
    const body = JSON.parse('{"email":"a@example.com","gclid":"x","attributes.plan":"pro","__proto__":"y"}') as Record<string, unknown>;
    const kept = withoutUnknownFields(body, Object.keys(FormSubmission.shape));
    expect(kept).toEqual({ fields: { email: 'a@example.com', 'attributes.plan': 'pro' }, ignored: 2 });
    expect(FormSubmission.safeParse(withFormAttributes(kept.fields)).success).toBe(true);
  });
});

describe('the signed render time', () => {
  const token = signRenderToken(ring, 'demo', 1_000_000);
  const check = (value: string | undefined, nowMs: number, formId = 'demo') => checkRenderToken(ring, value, { formId, minSeconds: 3, nowMs });

  it('passes a post made after the minimum time, one from a page that was not rendered (no token), and a form whose check is off', () => {
    expect(check(token, 1_003_000)).toEqual({ human: true });
    expect(check(undefined, 1_000_000)).toEqual({ human: true });
    expect(checkRenderToken(ring, undefined, { formId: 'demo', minSeconds: 0, nowMs: 0 })).toEqual({ human: true });
  });

  it('calls too fast, tampered and borrowed-from-another-form tokens a bot', () => {
    expect(check(token, 1_002_999)).toEqual({ human: false, reason: 'too-fast' });
    const [version, kid, , mac] = token.split('.');
    const earlier = Buffer.from(JSON.stringify({ formId: 'demo', renderedAt: 0 })).toString('base64url');
    expect(check([version, kid, earlier, mac].join('.'), 1_010_000)).toEqual({ human: false, reason: 'invalid' });
    expect(check(token, 1_010_000, 'other')).toEqual({ human: false, reason: 'other-form' });
    expect(check('v1.k1.%%%.$$$', 1_010_000)).toEqual({ human: false, reason: 'invalid' });
  });
});

describe('content negotiation', () => {
  it.each([
    ['text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', true],
    ['text/html', true],
    ['*/*', false],
    ['application/json', false],
    ['application/json, text/html', false],
    ['text/html;q=0.5, application/json', false],
    ['text/*', true],
    [undefined, false],
    ['text/html;q=0', false],
  ])('Accept %s prefers HTML: %s', (accept, expected) => {
    expect(prefersHtml(accept)).toBe(expected);
  });
});

describe('form pages', () => {
  const page = (lang: 'en' | 'id', extra = {}) =>
    hostedFormPage({ formId: 'demo', definition, lang, action: '/v1/forms/demo/submissions', renderToken: 'v1.k1.token.mac', ...extra });

  it('labels every control, groups consent boxes in a fieldset with a legend, and works without script', () => {
    const html = page('en');
    for (const field of definition.fields) expect(html).toContain(`<label for="lf-${field.name.replace('.', '-')}">${field.label.en}`);
    expect(html).toMatch(/<fieldset><legend>What we may send you<\/legend>/);
    expect(html).toContain('<form class="lf-form" method="post" action="/v1/forms/demo/submissions" accept-charset="utf-8"');
    expect(html).not.toContain('<script');
    expect(html).toContain('name="renderToken" value="v1.k1.token.mac"');
    expect(html).toMatch(/<html lang="en">/);
  });

  it('speaks Indonesian, and ties each error to its field and lists it in a summary linking to it', () => {
    const html = page('id', { values: { firstName: '<b>Ayu</b>', company: '' }, issues: [{ field: 'company', message: 'is required' }] });
    expect(html).toMatch(/<html lang="id">/);
    expect(html).toContain('<title>Minta demo</title>');
    expect(html).toContain('<li><a href="#lf-company">Perusahaan: wajib diisi</a></li>');
    expect(html).toMatch(/id="lf-company" name="company" required aria-required="true" aria-invalid="true" aria-describedby="lf-company-error"/);
    expect(html).toContain('value="&lt;b&gt;Ayu&lt;/b&gt;"');
    expect(html).not.toContain('<b>Ayu</b>');
  });

  it('loads a CAPTCHA widget only for a form that has one', () => {
    const withCaptcha = FormDefinition.parse(demoForm({ spam: { minSecondsToSubmit: 3, captcha: { provider: 'turnstile', siteKey: '1x00000000000000000000AA', secretName: 'demo' } } }));
    const html = hostedFormPage({ formId: 'demo', definition: withCaptcha, lang: 'en', action: '/x', renderToken: 't' });
    expect(html).toContain('<div id="lf-cf-turnstile-response" class="cf-turnstile" data-sitekey="1x00000000000000000000AA"></div>');
    expect(html).toContain('<script src="https://challenges.cloudflare.com/turnstile/v0/api.js" async defer></script>');
  });

  it('names the fields of a refused post on its page', () => {
    const html = refusedPage('en', 'Invalid request', [{ field: 'email', message: 'must be an email address' }]);
    expect(html).toContain('<li><strong>email</strong>: must be an email address</li>');
  });

  it('embeds the markup and the texts so no </script> in them can end a script', () => {
    const closing = FormDefinition.parse(demoForm({ success: { kind: 'message', message: { en: 'Thanks </script><b>', id: 'Terima kasih </SCRIPT>' } } }));
    const withClosingLabel = { ...closing, fields: closing.fields.map((field, index) => (index === 0 ? { ...field, label: { ...field.label, en: 'Email </script>' } } : field)) };
    const script = embedScript({ formId: 'demo', definition: withClosingLabel, lang: 'en', action: '/v1/forms/demo/submissions', renderToken: 't' });
    expect(script.toLowerCase()).not.toContain('</script');
    expect(script).toContain('\\u003c/script>');
  });

  it('picks the language from lang, then the browser, then the form', () => {
    expect(formLanguage('id', 'en-US', 'en')).toBe('id');
    expect(formLanguage(undefined, 'id-ID,id;q=0.9', 'en')).toBe('id');
    expect(formLanguage('fr', undefined, 'id')).toBe('id');
    expect(formLanguage(['id'], undefined, 'en')).toBe('en');
  });
});

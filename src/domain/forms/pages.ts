import type { FieldIssue } from '../errors';
import { escapeHtml } from '../html';
import { LANGUAGES, type Language } from '../subscriptions';
import { CAPTCHA_RESPONSE_FIELD, type CaptchaProvider, type FieldDefinition, type FormDefinition, type HiddenField } from './definition';

/**
 * The visitor's side of a form: the hosted page, the form itself (which the embed script, embed.ts,
 * puts in any page), the thank-you page and the pages that say what was wrong. Plain HTML that works
 * without JavaScript: every control labelled, consent boxes grouped in a fieldset with a
 * legend, each error tied to its field (aria-describedby, aria-invalid) and listed in a summary
 * linking to the field, the page language declared. English and Indonesian.
 */
export const TEXT = {
  en: {
    submit: 'Send',
    required: 'required',
    consentLegend: 'What we may send you',
    errorTitle: 'There is a problem',
    errorPrefix: 'Error:',
    choose: 'Choose one',
    refusedTitle: 'We could not accept your form',
    refusedIntro: 'Please go back and correct the following:',
    refusedRetry: 'Use your browser’s Back button to return to the form.',
    thanksTitle: 'Thank you',
    thanks: 'We have received your details.',
    notFoundTitle: 'Form not found',
    notFound: 'This form does not exist or is no longer available.',
    isRequired: 'is required',
    honeypot: 'Leave this field empty',
    language: 'Bahasa Indonesia',
  },
  id: {
    submit: 'Kirim',
    required: 'wajib',
    consentLegend: 'Apa yang boleh kami kirimkan kepada Anda',
    errorTitle: 'Ada masalah',
    errorPrefix: 'Kesalahan:',
    choose: 'Pilih salah satu',
    refusedTitle: 'Formulir Anda tidak dapat kami terima',
    refusedIntro: 'Silakan kembali dan perbaiki hal berikut:',
    refusedRetry: 'Gunakan tombol Kembali di peramban Anda untuk kembali ke formulir.',
    thanksTitle: 'Terima kasih',
    thanks: 'Kami telah menerima data Anda.',
    notFoundTitle: 'Formulir tidak ditemukan',
    notFound: 'Formulir ini tidak ada atau tidak lagi tersedia.',
    isRequired: 'wajib diisi',
    honeypot: 'Biarkan kolom ini kosong',
    language: 'English',
  },
} as const satisfies Record<Language, Record<string, string>>;

/** The page language: an explicit `lang` wins, then the browser's first choice, then the form's own. */
export function formLanguage(requested: unknown, acceptLanguage: string | undefined, fallback: Language = 'en'): Language {
  if (typeof requested === 'string' && (LANGUAGES as readonly string[]).includes(requested)) return requested as Language;
  const first = acceptLanguage?.split(',')[0]?.trim().toLowerCase().slice(0, 2);
  return first && (LANGUAGES as readonly string[]).includes(first) ? (first as Language) : fallback;
}

/** Field names the browser can autofill from (WCAG 1.3.5). */
const AUTOCOMPLETE: Readonly<Record<string, string>> = {
  email: 'email',
  firstName: 'given-name',
  lastName: 'family-name',
  company: 'organization',
  phone: 'tel',
  role: 'organization-title',
  country: 'country',
};

export const CAPTCHA_SCRIPT = { turnstile: 'https://challenges.cloudflare.com/turnstile/v0/api.js', hcaptcha: 'https://js.hcaptcha.com/1/api.js' } as const satisfies Record<CaptchaProvider, string>;
const CAPTCHA_WIDGET_CLASS = { turnstile: 'cf-turnstile', hcaptcha: 'h-captcha' } as const satisfies Record<CaptchaProvider, string>;

/** The origins a page with this form loads a CAPTCHA widget from, for its Content-Security-Policy. */
export const captchaOrigins = (definition: FormDefinition): string[] => {
  const provider = definition.spam.captcha?.provider;
  return provider ? [new URL(CAPTCHA_SCRIPT[provider]).origin] : [];
};

/** Where a form posts, as a path of the API. */
export const submissionPath = (formId: string) => `/v1/forms/${encodeURIComponent(formId)}/submissions`;

export interface FormRendering {
  readonly formId: string;
  readonly definition: FormDefinition;
  readonly lang: Language;
  /** Where the form posts: a path of the API (the embed script makes it absolute from its own address). */
  readonly action: string;
  readonly renderToken: string;
  /** What the visitor entered, when the form comes back with errors. */
  readonly values?: Readonly<Record<string, unknown>>;
  readonly issues?: readonly FieldIssue[];
  /** Hidden fields' values known when the page is rendered (UTM from the page's query, the referrer). */
  readonly hidden?: Partial<Record<HiddenField, string>>;
  /** The embed: inline styles, since the host page has none of ours. */
  readonly embedded?: boolean;
  /**
   * The embed's key for its one submission (the idempotency key): a post repeated after a send in
   * place whose answer the page could not read (src/domain/forms/embed.ts) is the same submission.
   */
  readonly idempotencyKey?: string;
}

const idOf = (name: string) => `lf-${name.replace(/[^A-Za-z0-9_-]/g, '-')}`;
const attribute = (name: string, value: string | undefined) => (value === undefined ? '' : ` ${name}="${escapeHtml(value)}"`);
const valueText = (value: unknown): string | undefined => (typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined);

/** An issue in the page's language: the ones a visitor meets most often are translated. */
function issueText(issue: FieldIssue, lang: Language): string {
  return issue.message === 'is required' ? TEXT[lang].isRequired : issue.message;
}

function fieldHtml(field: FieldDefinition, rendering: FormRendering): string {
  const { lang } = rendering;
  const id = idOf(field.name);
  const issue = rendering.issues?.find((candidate) => candidate.field === field.name);
  const value = valueText(rendering.values?.[field.name]);
  const errorId = `${id}-error`;
  const common = `id="${id}" name="${escapeHtml(field.name)}"${field.required ? ' required aria-required="true"' : ''}${issue ? ` aria-invalid="true" aria-describedby="${errorId}"` : ''}`;
  const { minLength, maxLength, min, max } = field.validation ?? {};
  const lengths = `${attribute('minlength', minLength?.toString())}${attribute('maxlength', maxLength?.toString())}`;
  let control: string;
  if (field.type === 'select') {
    const options = (field.options ?? []).map((option) => `<option value="${escapeHtml(option.value)}"${option.value === value ? ' selected' : ''}>${escapeHtml(option.label[lang])}</option>`);
    control = `<select ${common}><option value="">${escapeHtml(TEXT[lang].choose)}</option>${options.join('')}</select>`;
  } else if (field.type === 'textarea') {
    control = `<textarea ${common}${lengths} rows="4">${escapeHtml(value ?? '')}</textarea>`;
  } else {
    control = `<input ${common} type="${field.type}"${attribute('value', value)}${lengths}${attribute('min', min?.toString())}${attribute('max', max?.toString())}${attribute('autocomplete', AUTOCOMPLETE[field.name])}>`;
  }
  const marker = field.required ? ` <span aria-hidden="true">*</span><span class="lf-visually-hidden"${hiddenStyle(rendering)}> (${TEXT[lang].required})</span>` : '';
  const error = issue ? `<p class="lf-error" id="${errorId}"><span class="lf-visually-hidden"${hiddenStyle(rendering)}>${escapeHtml(TEXT[lang].errorPrefix)} </span>${escapeHtml(issueText(issue, lang))}</p>` : '';
  return `<div class="lf-field"><label for="${id}">${escapeHtml(field.label[lang])}${marker}</label>${error}${control}</div>`;
}

/** A hidden field the page sets itself (not one the host page fills in): none when there is no value. */
const hiddenInput = (name: string, value: string | undefined) => (value === undefined ? '' : `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`);

/** Visually hidden, still read by screen readers; inline in an embed, where our stylesheet is absent. */
const hiddenStyle = (rendering: FormRendering) => (rendering.embedded ? ` style="${VISUALLY_HIDDEN}"` : '');

/** The `<form>` itself: the hosted page and the embed script both show exactly this. */
export function formHtml(rendering: FormRendering): string {
  const { definition, lang } = rendering;
  const text = TEXT[lang];
  const issues = rendering.issues ?? [];
  const labelOf = (field: string) => definition.fields.find((candidate) => candidate.name === field)?.label[lang] ?? field;
  const summary = issues.length
    ? `<div class="lf-errors" role="alert" aria-labelledby="lf-errors-title"><h2 id="lf-errors-title">${escapeHtml(text.errorTitle)}</h2><ul>${issues
        .map((issue) => `<li><a href="#${idOf(issue.field)}">${escapeHtml(labelOf(issue.field))}: ${escapeHtml(issueText(issue, lang))}</a></li>`)
        .join('')}</ul></div>`
    : '';
  const ticked = new Set([rendering.values?.consent].flat().filter((value): value is string => typeof value === 'string'));
  const consents = definition.consents.length
    ? `<fieldset><legend>${escapeHtml(text.consentLegend)}</legend>${definition.consents
        .map((consent) => {
          const id = idOf(`consent-${consent.subscription}`);
          return `<div class="lf-consent"><input type="checkbox" id="${id}" name="consent" value="${consent.subscription}"${ticked.has(consent.subscription) ? ' checked' : ''}> <label for="${id}">${escapeHtml(consent.text[lang])}</label></div>`;
        })
        .join('')}</fieldset>`
    : '';
  const hidden = definition.hidden
    .map((name) => `<input type="hidden" name="${name}" data-lf-hidden="${name}"${attribute('value', valueText(rendering.values?.[name]) ?? rendering.hidden?.[name])}>`)
    .join('');
  const honeypot = `<div class="lf-hp" aria-hidden="true" style="${OFF_SCREEN}"><label for="${idOf('website')}">${escapeHtml(text.honeypot)}</label><input type="text" id="${idOf('website')}" name="website" tabindex="-1" autocomplete="off"></div>`;
  // Its id is the one an error about the widget's answer links to from the summary.
  const captcha = definition.spam.captcha
    ? `<div id="${idOf(CAPTCHA_RESPONSE_FIELD[definition.spam.captcha.provider])}" class="${CAPTCHA_WIDGET_CLASS[definition.spam.captcha.provider]}" data-sitekey="${escapeHtml(definition.spam.captcha.siteKey)}"></div>`
    : '';
  return `<form class="lf-form" method="post" action="${escapeHtml(rendering.action)}" accept-charset="utf-8" lang="${lang}">
${summary}${definition.fields.map((field) => fieldHtml(field, rendering)).join('\n')}
${consents}${hidden}${hiddenInput('lang', lang)}${hiddenInput('renderToken', rendering.renderToken)}${hiddenInput('idempotencyKey', rendering.idempotencyKey)}${honeypot}${captcha}
<button type="submit">${escapeHtml((definition.submitLabel ?? { en: TEXT.en.submit, id: TEXT.id.submit })[lang])}</button>
</form>`;
}

/**
 * How a form looks, rule by rule (selectors within the form): on the hosted page as written, in an
 * embed scoped to the form and of no specificity (`:where`), so that any rule of the host page wins.
 */
export const FORM_LOOK: readonly (readonly [selectors: readonly string[], declarations: string])[] = [
  [['.lf-field'], 'margin:1rem 0'],
  [['.lf-field label'], 'display:block;font-weight:600'],
  [['input', 'select', 'textarea'], 'font:inherit;padding:.4rem;width:100%;box-sizing:border-box'],
  [['input[type=checkbox]'], 'width:auto'],
  [['fieldset'], 'margin:1rem 0;border:1px solid #888;border-radius:.4rem'],
  [['button'], 'font-size:1rem;padding:.5rem 1rem;margin:.5rem 0'],
  [['.lf-error'], 'color:#b00020;margin:.2rem 0'],
  [['.lf-errors'], 'border:2px solid #b00020;padding:0 1rem;border-radius:.4rem'],
];
export const VISUALLY_HIDDEN = 'position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap';
export const OFF_SCREEN = 'position:absolute;left:-10000px;top:auto;width:1px;height:1px;overflow:hidden';

const STYLE =
  'body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;line-height:1.5}' +
  FORM_LOOK.map(([selectors, declarations]) => `${selectors.join(',')}{${declarations}}`).join('') +
  '[role=status]{background:#e8f5e9;padding:.5rem 1rem;border-radius:.4rem}' +
  `.lf-visually-hidden{${VISUALLY_HIDDEN}}`;

function page(lang: Language, title: string, body: string, head = ''): string {
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
${head}</head>
<body>
<main>
<h1>${escapeHtml(title)}</h1>
${body}
</main>
</body>
</html>
`;
}

const captchaScript = (definition: FormDefinition) => {
  const provider = definition.spam.captcha?.provider;
  return provider ? `<script src="${CAPTCHA_SCRIPT[provider]}" async defer></script>\n` : '';
};

/** The hosted form page, `/f/{formId}`: the form, and a link to the same page in the other language. */
export function hostedFormPage(rendering: FormRendering): string {
  const { definition, lang } = rendering;
  const other: Language = lang === 'en' ? 'id' : 'en';
  const intro = definition.intro ? `<p>${escapeHtml(definition.intro[lang])}</p>\n` : '';
  const switchLanguage = `<p><a href="/f/${encodeURIComponent(rendering.formId)}?lang=${other}" lang="${other}">${escapeHtml(TEXT[lang].language)}</a></p>`;
  return page(lang, definition.title[lang], `${intro}${formHtml(rendering)}\n${switchLanguage}`, captchaScript(definition));
}

/** What a visitor reads once the form is taken: the form's message, or a plain thank-you. */
export const thanksMessage = (definition: FormDefinition | undefined, lang: Language): string =>
  definition?.success.kind === 'message' ? definition.success.message[lang] : TEXT[lang].thanks;

/** Shown after a browser's post when the form has no redirect, saying `message` (thanksMessage). */
export function thankYouPage(lang: Language, message: string): string {
  return page(lang, TEXT[lang].thanksTitle, `<p role="status">${escapeHtml(message)}</p>`);
}

/** A browser's post that could not be taken, for a form with no definition to show again: what was wrong, field by field. */
export function refusedPage(lang: Language, message: string, issues: readonly FieldIssue[]): string {
  const text = TEXT[lang];
  const list = issues.length
    ? `<p>${escapeHtml(text.refusedIntro)}</p><ul>${issues.map((issue) => `<li><strong>${escapeHtml(issue.field)}</strong>: ${escapeHtml(issueText(issue, lang))}</li>`).join('')}</ul>`
    : `<p>${escapeHtml(message)}</p>`;
  return page(lang, text.refusedTitle, `<div role="alert">${list}</div>\n<p>${escapeHtml(text.refusedRetry)}</p>`);
}

export function formNotFoundPage(lang: Language): string {
  return page(lang, TEXT[lang].notFoundTitle, `<p>${escapeHtml(TEXT[lang].notFound)}</p>`);
}

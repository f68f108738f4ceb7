import * as z from 'zod/mini';
import { Origin } from '../origin';
import { LANGUAGES, SubscriptionTypeId, type Language } from '../subscriptions';

/**
 * A web form as versioned data: the fields a visitor fills in (labelled in English and Indonesian),
 * the consent checkboxes with the exact text shown and the subscription each grants, the hidden
 * fields the page fills in (UTM, page), what a visitor sees on success, what happens to fields the
 * form does not declare, and its spam checks. The hosted page and the embed script render it; the
 * submission route checks posts against it.
 */

export const FormId = z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, - or _'));

/** Text shown to visitors, in each language the pages speak. */
const LocalizedText = (max: number) =>
  z.strictObject(Object.fromEntries(LANGUAGES.map((lang) => [lang, z.string().check(z.trim(), z.minLength(1, 'must not be empty'), z.maxLength(max))])) as Record<Language, z.ZodMiniString<string>>);
export type LocalizedText = Readonly<Record<Language, string>>;

/** The lead's own fields a form may ask for; anything else is a custom attribute, `attributes.<name>`. */
export const PROFILE_FIELDS = [
  'email',
  'firstName',
  'lastName',
  'company',
  'phone',
  'preferredChannel',
  'role',
  'industry',
  'teamSize',
  'annualRevenue',
  'budget',
  'country',
] as const;
export type ProfileField = (typeof PROFILE_FIELDS)[number];

const ATTRIBUTE_FIELD = /^attributes\.[a-z][A-Za-z0-9_]{0,39}$/;
const FieldName = z
  .string().check(z.refine((name) => (PROFILE_FIELDS as readonly string[]).includes(name) || ATTRIBUTE_FIELD.test(name), `must be one of ${PROFILE_FIELDS.join(', ')}, or attributes.<name>`));

/** What the submission may carry in a hidden field, filled in by the page rather than typed. */
export const HIDDEN_FIELDS = ['pageUrl', 'referrer', 'utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content'] as const;
export type HiddenField = (typeof HIDDEN_FIELDS)[number];

export const FIELD_TYPES = ['text', 'email', 'tel', 'number', 'textarea', 'select'] as const;

const FieldDefinition = z.strictObject({
  name: FieldName,
  type: z.enum(FIELD_TYPES),
  label: LocalizedText(200),
  required: z._default(z.boolean(), false),
  /**
   * Checks beyond the field's own (an email is always checked as an address). No regular
   * expressions: a pattern from data run on every public post could backtrack for seconds.
   */
  validation: z.optional(z
    .strictObject({
      minLength: z.optional(z.int().check(z.gte(0), z.lte(2000))),
      maxLength: z.optional(z.int().check(z.gte(1), z.lte(2000))),
      min: z.optional(z.number().check(z.gte(0), z.lte(Number.MAX_SAFE_INTEGER))),
      max: z.optional(z.number().check(z.gte(0), z.lte(Number.MAX_SAFE_INTEGER))),
    })),
  /** The choices of a `select`, each with the value stored and its label. */
  options: z.optional(z.array(z.strictObject({ value: z.string().check(z.trim(), z.minLength(1), z.maxLength(200)), label: LocalizedText(200) })).check(z.minLength(1), z.maxLength(100))),
});
export type FieldDefinition = z.infer<typeof FieldDefinition>;

const ConsentDefinition = z.strictObject({
  subscription: SubscriptionTypeId,
  /** The exact words beside the checkbox; the one shown is kept with the consent record. */
  text: LocalizedText(1000),
});
export type ConsentDefinition = z.infer<typeof ConsentDefinition>;


const Success = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('message'), message: LocalizedText(1000) }),
  z.strictObject({ kind: z.literal('redirect'), url: z.url({ protocol: /^https?$/, error: 'must be an absolute http(s) URL' }).check(z.maxLength(2000)) }),
]);

export const CAPTCHA_PROVIDERS = ['turnstile', 'hcaptcha'] as const;
export type CaptchaProvider = (typeof CAPTCHA_PROVIDERS)[number];

/** The field each provider's widget adds to the form with the visitor's answer. */
export const CAPTCHA_RESPONSE_FIELD = { turnstile: 'cf-turnstile-response', hcaptcha: 'h-captcha-response' } as const satisfies Record<CaptchaProvider, string>;

const Spam = z.strictObject({
  /**
   * A person needs a few seconds to fill a form in; a bot posts at once. Checked on posts that carry
   * the signed render time the hosted page and the embed script put in the form; 0 turns it off.
   */
  minSecondsToSubmit: z._default(z.int().check(z.gte(0), z.lte(3600)), 3),
  captcha: z.optional(z
    .strictObject({
      provider: z.enum(CAPTCHA_PROVIDERS),
      siteKey: z.string().check(z.regex(/^[A-Za-z0-9_-]{1,100}$/, 'must be the site key the provider gave (letters, digits, - or _)')),
      /** The key, in the form-captcha secret, of this form's secret key (the secret itself never enters a definition). */
      secretName: z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, - or _')),
    })),
});

const MAX_FIELDS = 30;

export const FormDefinition = z
  .strictObject({
    title: LocalizedText(200),
    intro: z.optional(LocalizedText(1000)),
    submitLabel: z.optional(LocalizedText(100)),
    /** The language of the page when the visitor's browser asks for neither. */
    defaultLanguage: z._default(z.enum(LANGUAGES), 'en'),
    fields: z.array(FieldDefinition).check(z.minLength(1), z.maxLength(MAX_FIELDS)),
    consents: z._default(z.array(ConsentDefinition).check(z.maxLength(50)), []),
    hidden: z._default(z.array(z.enum(HIDDEN_FIELDS)).check(z.maxLength(HIDDEN_FIELDS.length)), []),
    success: Success,
    /** Sites that may embed the form, and the only origins a success redirect may go to. */
    allowedOrigins: z._default(z.array(Origin).check(z.maxLength(20)), []),
    /** A posted field the form does not declare: kept as a custom attribute, or ignored. Never refused. */
    unknownFields: z._default(z.enum(['keep', 'ignore']), 'ignore'),
    spam: z._default(Spam, { minSecondsToSubmit: 3 }),
  }).check(z.superRefine((form, context) => {
    const issue = (path: PropertyKey[], message: string) => context.addIssue({ code: 'custom', path, message });
    if (!form.fields.some((field) => field.name === 'email')) issue(['fields'], 'must include the email field: it is how a lead is known');
    const seen = new Set<string>();
    form.fields.forEach((field, index) => {
      if (seen.has(field.name)) issue(['fields', index, 'name'], `${field.name} is declared twice`);
      seen.add(field.name);
      if (field.name === 'email' && !field.required) issue(['fields', index, 'required'], 'must be true for the email field');
      if ((field.type === 'select') !== (field.options !== undefined)) issue(['fields', index, 'options'], field.type === 'select' ? 'a select needs its options' : 'only a select has options');
      const { minLength, maxLength, min, max } = field.validation ?? {};
      if (minLength !== undefined && maxLength !== undefined && minLength > maxLength) issue(['fields', index, 'validation', 'minLength'], 'must not be more than maxLength');
      if (min !== undefined && max !== undefined && min > max) issue(['fields', index, 'validation', 'min'], 'must not be more than max');
      if ((min !== undefined || max !== undefined) && field.type !== 'number') issue(['fields', index, 'validation'], 'min and max apply to number fields only');
    });
    const subscriptions = form.consents.map((consent) => consent.subscription);
    subscriptions.forEach((subscription, index) => {
      if (subscriptions.indexOf(subscription) !== index) issue(['consents', index, 'subscription'], `${subscription} is offered twice`);
    });
    if (form.success.kind === 'redirect') {
      const origin = new URL(form.success.url).origin;
      if (!form.allowedOrigins.includes(origin)) issue(['success', 'url'], `must be on one of allowedOrigins (add ${origin} there)`);
    }
  }), z.meta({ id: 'FormDefinition' }));
export type FormDefinition = z.output<typeof FormDefinition>;
export type FormDefinitionInput = z.input<typeof FormDefinition>;

/** A stored version of a form: its definition and when it was saved. Versions never change. */
export interface FormVersion {
  readonly formId: string;
  readonly version: number;
  readonly createdAt: string;
  readonly definition: FormDefinition;
}

/** The head of a form: its latest version, kept whole so a submission reads it in one request. */
export interface FormSummary {
  readonly formId: string;
  readonly title: string;
  readonly latestVersion: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

import * as z from 'zod';
import './messages';
import { checkEmail } from '../domain/email';
import { MAX_EVENTS_PER_REQUEST } from '../domain/events';
import { MAX_CLOCK_SKEW_MS } from '../domain/event-log';
import { LANGUAGES, SUBSCRIPTION_TYPES } from '../domain/subscriptions';

/**
 * Request and response schemas of the public API. Handlers parse with them and the OpenAPI document
 * is generated from them, so the documentation cannot drift from what is enforced.
 */

// HTML forms send every field, empty ones as "": treat those as absent, never as 0 or "".
const blankAsAbsent = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);

/** C0 and C1 controls, DEL and the Unicode line and paragraph separators: never part of a one-line value. */
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
/** One line of text a person typed: no control characters (a CR/LF in a name must not reach a mail header). */
export const lineOfText = (max: number) =>
  z.string().trim().max(max).refine((value) => !CONTROL_CHARACTERS.test(value), 'must not contain control characters or line breaks');
const text = (max: number) => z.preprocess(blankAsAbsent, lineOfText(max).optional());

/**
 * Numbers leadflow stores hold exactly in JavaScript and in DynamoDB: finite, within ±(2^53 - 1),
 * and not so close to zero that DynamoDB (which keeps 38 digits down to 1e-130) cannot store them.
 */
export const MAX_EXACT_NUMBER = Number.MAX_SAFE_INTEGER;
export const storableNumber = () =>
  z
    .number()
    .refine((value) => Math.abs(value) <= MAX_EXACT_NUMBER, `must be between -${MAX_EXACT_NUMBER} and ${MAX_EXACT_NUMBER}`)
    .refine((value) => value === 0 || Math.abs(value) >= 1e-130, 'must be 0 or at least 1e-130 in size');

/**
 * A whole number from JSON, or from a form field as plain decimal digits. Text such as `0x10`, `1e3`
 * or `12abc` is refused rather than read as 16, 1000 or 12.
 */
const DECIMAL_DIGITS = /^[0-9]{1,16}$/;
const wholeNumber = (max: number) =>
  z.preprocess(
    (value) => {
      const present = blankAsAbsent(value);
      return typeof present === 'string' && DECIMAL_DIGITS.test(present.trim()) ? Number(present.trim()) : present;
    },
    z.number({ error: (issue) => (issue.input === undefined ? undefined : 'must be a whole number written with digits only') }).int('must be a whole number').min(0, 'must be at least 0').max(max, `must be at most ${max}`).optional(),
  );

/** A page address: http or https only, so a `javascript:` or `data:` link is never stored as a page. */
export const pageUrl = () =>
  z.url({ protocol: /^https?$/, error: 'must be an absolute http(s) URL such as https://example.com/pricing' }).max(2000);

/** The earliest time leadflow accepts for anything that happened: year 0000 is not a date. */
export const EARLIEST_TIME = '2000-01-01T00:00:00Z';
const listOf = <T extends z.ZodType>(item: T) =>
  z.preprocess((value) => (value === undefined || Array.isArray(value) ? value : [value]), z.array(item).max(20).optional());

export const Email = z
  .string()
  .max(320)
  .transform((value, context) => {
    const check = checkEmail(value);
    if (check.ok) return check.email;
    context.addIssue({ code: 'custom', message: check.reason });
    return z.NEVER;
  })
  .meta({ description: 'Normalised (trimmed, lower-cased, ASCII domain); one lead per address.', example: 'jane@example.com' });

/**
 * Checks the names of a flat object on the input itself, before a record schema reads it: a record
 * would silently drop a key such as `__proto__`, so it is refused by name here, with the count.
 */
function checkNames(rule: { name: RegExp; nameMessage: string; max: number; what: string }) {
  return (input: unknown, context: z.RefinementCtx) => {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) return input;
    const names = Object.keys(input);
    if (names.length > rule.max) context.addIssue({ code: 'custom', message: `must have at most ${rule.max} ${rule.what}`, input });
    for (const name of names.filter((candidate) => !rule.name.test(candidate))) context.addIssue({ code: 'custom', path: [name], message: rule.nameMessage, input });
    return input;
  };
}

const ATTRIBUTE_NAME = /^[a-z][A-Za-z0-9_]{0,39}$/;
export const MAX_ATTRIBUTES = 20;
const AttributeValue = z.union([lineOfText(200), storableNumber(), z.boolean()], {
  error: 'must be text of at most 200 characters, a number or true/false',
});

/**
 * A team's own fields (`plan`, `seats`, `trial`): flat values, so conditions can match them as
 * `lead.attributes.<name>`. A blank value is treated as absent, as for every form field.
 */
export const Attributes = z
  .preprocess(
    checkNames({ name: ATTRIBUTE_NAME, nameMessage: 'name must be a lower-case letter then up to 39 letters, digits or _', max: MAX_ATTRIBUTES, what: 'attributes' }),
    z.record(z.string(), z.preprocess(blankAsAbsent, AttributeValue.optional())),
  )
  .transform((attributes) => Object.fromEntries(Object.entries(attributes).filter((entry): entry is [string, string | number | boolean] => entry[1] !== undefined)))
  .meta({
    description: `Up to ${MAX_ATTRIBUTES} custom attributes; an HTML form sends them as \`attributes.<name>\` fields (values stay text). A submission sets the attributes it names and keeps the others.`,
    example: { plan: 'pro', seats: 12, trial: true },
  });

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Gathers an HTML form's `attributes.<name>` fields into the `attributes` object the schema expects. */
export function withFormAttributes(body: unknown): unknown {
  if (!isPlainObject(body)) return body;
  const prefixed = Object.keys(body).filter((field) => field.startsWith('attributes.'));
  if (prefixed.length === 0 || (body.attributes !== undefined && !isPlainObject(body.attributes))) return body;
  const fields = Object.entries(body).filter(([field]) => !field.startsWith('attributes.') && field !== 'attributes');
  // Built from entries, so a field named like `attributes.__proto__` stays a field (and is refused by name).
  const attributes = Object.fromEntries([
    ...Object.entries(isPlainObject(body.attributes) ? body.attributes : {}),
    ...prefixed.map((field) => [field.slice('attributes.'.length), body[field]] as const),
  ]);
  return { ...Object.fromEntries(fields), attributes };
}

export const FormSubmission = z
  .strictObject({
    email: Email,
    firstName: text(100),
    lastName: text(100),
    company: text(200),
    phone: z.preprocess(
      blankAsAbsent,
      z.string().trim().regex(/^\+?[0-9 ().-]{6,25}$/, 'must be a phone number such as +62 21 555 0100').optional(),
    ),
    preferredChannel: z.preprocess(blankAsAbsent, z.enum(['email', 'phone', 'chat', 'sms']).optional()),
    role: text(100),
    industry: text(100),
    teamSize: wholeNumber(10_000_000),
    annualRevenue: wholeNumber(1e13),
    budget: wholeNumber(1e12),
    country: z.preprocess(
      (value) => (typeof blankAsAbsent(value) === 'string' ? String(value).trim().toUpperCase() : blankAsAbsent(value)),
      z.string().regex(/^[A-Z]{2}$/, 'must be a two-letter ISO 3166 country code').optional(),
    ),
    /** One checkbox per subscription type; only ticked boxes are sent by a browser. */
    consent: listOf(z.enum(SUBSCRIPTION_TYPES)),
    consentText: text(1000),
    pageUrl: z.preprocess(blankAsAbsent, pageUrl().optional()),
    referrer: z.preprocess(blankAsAbsent, pageUrl().optional()),
    utm_source: text(200),
    utm_medium: text(200),
    utm_campaign: text(200),
    utm_term: text(200),
    utm_content: text(200),
    /** The tracking snippet's visitor id: its earlier events join the lead. */
    anonymousId: z.preprocess(blankAsAbsent, z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'must be 8-64 letters, digits, - or _').optional()),
    attributes: Attributes.optional(),
    /** Also accepted as the Idempotency-Key header; a retry with the same key is the same submission. */
    idempotencyKey: text(128),
    /** Honeypot: hidden from people, filled by bots. A filled one is accepted and dropped. */
    website: z.string().max(2000).optional(),
    /** The signed time the hosted or embedded form was rendered, checked when the form's definition asks for a minimum time to submit. */
    renderToken: z.string().max(1000).optional(),
    /** The language the form was shown in: its consent text is recorded in it, and a browser's answer page speaks it. */
    lang: z.preprocess(blankAsAbsent, z.enum(LANGUAGES).optional()),
    /** A CAPTCHA widget's answer (Turnstile, hCaptcha), verified server-side when the form's definition asks for one. */
    'cf-turnstile-response': z.string().max(4096).optional(),
    'h-captcha-response': z.string().max(4096).optional(),
    /** hCaptcha's widget posts its answer under this name as well. */
    'g-recaptcha-response': z.string().max(4096).optional(),
  })
  .meta({ id: 'FormSubmission' });
export type FormSubmission = z.infer<typeof FormSubmission>;

export const SubmissionAccepted = z
  .object({
    status: z.literal('accepted'),
    leadId: z.string(),
    submissionId: z.string(),
  })
  .meta({ id: 'SubmissionAccepted' });

const PageViewProperties = z.strictObject({
  url: pageUrl(),
  title: lineOfText(300).optional(),
  secondsOnPage: z.number().min(0).max(86_400).optional(),
  referrer: pageUrl().optional(),
});
const ContentDownloadProperties = z.strictObject({
  contentId: lineOfText(200).pipe(z.string().min(1)),
  title: lineOfText(300).optional(),
});
const WebinarRegistrationProperties = z.strictObject({
  webinarId: lineOfText(200).pipe(z.string().min(1)),
  title: lineOfText(300).optional(),
});
const ChatMessageProperties = z.strictObject({
  conversationId: lineOfText(200).pipe(z.string().min(1)),
  characters: z.number().int().min(0).max(100_000).optional(),
});
const PROPERTY_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
const MAX_CUSTOM_PROPERTIES = 20;
/**
 * Any other event type: flat properties, so rules can match them. Names are checked on the input
 * itself (own keys), so `__proto__` is refused by name instead of vanishing inside a record.
 */
const CustomProperties = z.preprocess(
  checkNames({ name: PROPERTY_NAME, nameMessage: 'name must be a letter then up to 63 letters, digits or _', max: MAX_CUSTOM_PROPERTIES, what: 'properties' }),
  z.record(z.string(), z.union([lineOfText(500), storableNumber(), z.boolean()], { error: 'must be text of at most 500 characters, a number or true/false' })),
);

export const KNOWN_EVENT_PROPERTIES = {
  page_view: PageViewProperties,
  content_download: ContentDownloadProperties,
  webinar_registration: WebinarRegistrationProperties,
  chat_message: ChatMessageProperties,
} as const;

/**
 * When something happened: an ISO 8601 date-time from 2000 on, not in the future beyond the clock skew a
 * client may have (further ahead is a bug on the sender's side).
 */
export const pastDateTime = () =>
  z.iso
    .datetime({ offset: true, error: 'must be an ISO 8601 date-time such as 2026-11-22T10:00:00Z' })
    .refine((value) => Date.parse(value) >= Date.parse(EARLIEST_TIME), `must not be before ${EARLIEST_TIME}`)
    .refine((value) => Date.parse(value) <= Date.now() + MAX_CLOCK_SKEW_MS, 'must not be in the future');

export const EngagementEventInput = z
  .strictObject({
    id: z.string().regex(/^[A-Za-z0-9_.:-]{8,100}$/, 'must be 8-100 letters, digits, _ . : or -'),
    type: z.string().regex(/^[a-z][a-z0-9_]{1,63}$/, 'must be snake_case, for example page_view'),
    occurredAt: pastDateTime(),
    anonymousId: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'must be 8-64 letters, digits, - or _').optional(),
    email: Email.optional(),
    // Checked below against the schema of its type. A record would silently drop a `__proto__` key: refuse it by name first.
    properties: z
      .preprocess((properties, context) => {
        if (isPlainObject(properties) && Object.hasOwn(properties, '__proto__')) {
          context.addIssue({ code: 'custom', path: ['__proto__'], message: 'is not an allowed property name', input: properties });
        }
        return properties;
      }, z.record(z.string(), z.unknown()))
      .default({}),
  })
  .superRefine((event, context) => {
    if ((event.anonymousId === undefined) === (event.email === undefined)) {
      context.addIssue({ code: 'custom', path: ['anonymousId'], message: 'give exactly one of anonymousId or email' });
    }
    // An own-property check: a type named `constructor` is a custom event, not Object's constructor.
    const schema = Object.hasOwn(KNOWN_EVENT_PROPERTIES, event.type)
      ? KNOWN_EVENT_PROPERTIES[event.type as keyof typeof KNOWN_EVENT_PROPERTIES]
      : CustomProperties;
    const result = schema.safeParse(event.properties);
    for (const issue of result.error?.issues ?? []) {
      context.addIssue({ code: 'custom', path: ['properties', ...issue.path], message: issue.message });
    }
  })
  .meta({ id: 'EngagementEvent' });
export type EngagementEventInput = z.infer<typeof EngagementEventInput>;

export const EventBatch = z
  .strictObject({
    events: z.array(EngagementEventInput).min(1, 'must hold at least one event').max(MAX_EVENTS_PER_REQUEST, `must hold at most ${MAX_EVENTS_PER_REQUEST} events`),
  })
  .meta({ id: 'EventBatch' });

export const EventsAccepted = z
  .object({
    accepted: z.number().int(),
    duplicates: z.number().int(),
    events: z.array(z.object({ id: z.string(), status: z.enum(['accepted', 'duplicate']) })),
  })
  .meta({ id: 'EventsAccepted' });

export const ErrorBody = z
  .object({
    message: z.string(),
    issues: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  })
  .meta({ id: 'Error' });
export type ErrorBody = z.infer<typeof ErrorBody>;

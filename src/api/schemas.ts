import * as z from 'zod/mini';
import { preprocess } from '../domain/preprocess';
import './messages';
import { checkEmail } from '../domain/email';
import { MAX_EVENTS_PER_REQUEST } from '../domain/events';
import { MAX_CLOCK_SKEW_MS } from '../domain/event-log';
import { LANGUAGES, SubscriptionTypeId } from '../domain/subscriptions';

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
  z.string().check(z.trim(), z.maxLength(max), z.refine((value) => !CONTROL_CHARACTERS.test(value), 'must not contain control characters or line breaks'));
const text = (max: number) => preprocess(blankAsAbsent, z.optional(lineOfText(max)));

/**
 * Numbers leadflow stores hold exactly in JavaScript and in DynamoDB: finite, within ±(2^53 - 1),
 * and not so close to zero that DynamoDB (which keeps 38 digits down to 1e-130) cannot store them.
 */
export const MAX_EXACT_NUMBER = Number.MAX_SAFE_INTEGER;
export const storableNumber = () =>
  z
    .number().check(z.refine((value) => Math.abs(value) <= MAX_EXACT_NUMBER, `must be between -${MAX_EXACT_NUMBER} and ${MAX_EXACT_NUMBER}`), z.refine((value) => value === 0 || Math.abs(value) >= 1e-130, 'must be 0 or at least 1e-130 in size'));

/**
 * A whole number from JSON, or from a form field as plain decimal digits. Text such as `0x10`, `1e3`
 * or `12abc` is refused rather than read as 16, 1000 or 12.
 */
const DECIMAL_DIGITS = /^[0-9]{1,16}$/;
const wholeNumber = (max: number) =>
  preprocess((value) => {
      const present = blankAsAbsent(value);
      return typeof present === 'string' && DECIMAL_DIGITS.test(present.trim()) ? Number(present.trim()) : present;
    }, z.optional(z.number({ error: (issue) => (issue.input === undefined ? undefined : 'must be a whole number written with digits only') }).check(z.int('must be a whole number'), z.gte(0, 'must be at least 0'), z.lte(max, `must be at most ${max}`))));

/** A page address: http or https only, so a `javascript:` or `data:` link is never stored as a page. */
export const pageUrl = () =>
  z.url({ protocol: /^https?$/, error: 'must be an absolute http(s) URL such as https://example.com/pricing' }).check(z.maxLength(2000));

/** The earliest time leadflow accepts for anything that happened: year 0000 is not a date. */
export const EARLIEST_TIME = '2000-01-01T00:00:00Z';
const listOf = <T extends z.ZodMiniType>(item: T) =>
  preprocess((value) => (value === undefined || Array.isArray(value) ? value : [value]), z.optional(z.array(item).check(z.maxLength(20))));

export const Email = z.pipe(z
  .string().check(z.maxLength(320)), z.transform((value, context) => {
    const check = checkEmail(value);
    if (check.ok) return check.email;
    context.issues.push({ input: context.value, code: 'custom', message: check.reason });
    return z.NEVER;
  })).check(z.meta({ description: 'Normalised (trimmed, lower-cased, ASCII domain); one lead per address.', example: 'jane@example.com' }));

/**
 * Checks the names of a flat object on the input itself, before a record schema reads it: a record
 * would silently drop a key such as `__proto__`, so it is refused by name here, with the count.
 */
function checkNames(rule: { name: RegExp; nameMessage: string; max: number; what: string }) {
  return (input: unknown, context: z.core.ParsePayload) => {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) return input;
    const names = Object.keys(input);
    if (names.length > rule.max) context.issues.push({ code: 'custom', message: `must have at most ${rule.max} ${rule.what}`, input });
    for (const name of names.filter((candidate) => !rule.name.test(candidate))) context.issues.push({ code: 'custom', path: [name], message: rule.nameMessage, input });
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
export const Attributes = z.pipe(preprocess(checkNames({ name: ATTRIBUTE_NAME, nameMessage: 'name must be a lower-case letter then up to 39 letters, digits or _', max: MAX_ATTRIBUTES, what: 'attributes' }), z.record(z.string(), preprocess(blankAsAbsent, z.optional(AttributeValue)))), z.transform((attributes) => Object.fromEntries(Object.entries(attributes).filter((entry): entry is [string, string | number | boolean] => entry[1] !== undefined)))).check(z.meta({
    description: `Up to ${MAX_ATTRIBUTES} custom attributes; an HTML form sends them as \`attributes.<name>\` fields (values stay text). A submission sets the attributes it names and keeps the others.`,
    example: { plan: 'pro', seats: 12, trial: true },
  }));

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
    phone: preprocess(blankAsAbsent, z.optional(z.string().check(z.trim(), z.regex(/^\+?[0-9 ().-]{6,25}$/, 'must be a phone number such as +62 21 555 0100')))),
    preferredChannel: preprocess(blankAsAbsent, z.optional(z.enum(['email', 'phone', 'chat', 'sms']))),
    role: text(100),
    industry: text(100),
    teamSize: wholeNumber(10_000_000),
    annualRevenue: wholeNumber(1e13),
    budget: wholeNumber(1e12),
    country: preprocess((value) => (typeof blankAsAbsent(value) === 'string' ? String(value).trim().toUpperCase() : blankAsAbsent(value)), z.optional(z.string().check(z.regex(/^[A-Z]{2}$/, 'must be a two-letter ISO 3166 country code')))),
    /** One checkbox per subscription type; only ticked boxes are sent by a browser. */
    consent: listOf(SubscriptionTypeId),
    consentText: text(1000),
    pageUrl: preprocess(blankAsAbsent, z.optional(pageUrl())),
    referrer: preprocess(blankAsAbsent, z.optional(pageUrl())),
    utm_source: text(200),
    utm_medium: text(200),
    utm_campaign: text(200),
    utm_term: text(200),
    utm_content: text(200),
    /** The tracking snippet's visitor id: its earlier events join the lead. */
    anonymousId: preprocess(blankAsAbsent, z.optional(z.string().check(z.regex(/^[A-Za-z0-9_-]{8,64}$/, 'must be 8-64 letters, digits, - or _')))),
    attributes: z.optional(Attributes),
    /** Also accepted as the Idempotency-Key header; a retry with the same key is the same submission. */
    idempotencyKey: text(128),
    /** Honeypot: hidden from people, filled by bots. A filled one is accepted and dropped. */
    website: z.optional(z.string().check(z.maxLength(2000))),
    /** The signed time the hosted or embedded form was rendered, checked when the form's definition asks for a minimum time to submit. */
    renderToken: z.optional(z.string().check(z.maxLength(1000))),
    /** The language the form was shown in: its consent text is recorded in it, and a browser's answer page speaks it. */
    lang: preprocess(blankAsAbsent, z.optional(z.enum(LANGUAGES))),
    /** A CAPTCHA widget's answer (Turnstile, hCaptcha), verified server-side when the form's definition asks for one. */
    'cf-turnstile-response': z.optional(z.string().check(z.maxLength(4096))),
    'h-captcha-response': z.optional(z.string().check(z.maxLength(4096))),
    /** hCaptcha's widget posts its answer under this name as well. */
    'g-recaptcha-response': z.optional(z.string().check(z.maxLength(4096))),
  }).check(z.meta({ id: 'FormSubmission' }));
export type FormSubmission = z.infer<typeof FormSubmission>;

export const SubmissionAccepted = z
  .object({
    status: z.literal('accepted'),
    leadId: z.string(),
    submissionId: z.string(),
  }).check(z.meta({ id: 'SubmissionAccepted' }));

const PageViewProperties = z.strictObject({
  url: pageUrl(),
  title: z.optional(lineOfText(300)),
  secondsOnPage: z.optional(z.number().check(z.gte(0), z.lte(86_400))),
  referrer: z.optional(pageUrl()),
});
const ContentDownloadProperties = z.strictObject({
  contentId: z.pipe(lineOfText(200), z.string().check(z.minLength(1))),
  title: z.optional(lineOfText(300)),
});
const WebinarRegistrationProperties = z.strictObject({
  webinarId: z.pipe(lineOfText(200), z.string().check(z.minLength(1))),
  title: z.optional(lineOfText(300)),
});
const ChatMessageProperties = z.strictObject({
  conversationId: z.pipe(lineOfText(200), z.string().check(z.minLength(1))),
  characters: z.optional(z.number().check(z.int(), z.gte(0), z.lte(100_000))),
});
const PROPERTY_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
const MAX_CUSTOM_PROPERTIES = 20;
/**
 * Any other event type: flat properties, so rules can match them. Names are checked on the input
 * itself (own keys), so `__proto__` is refused by name instead of vanishing inside a record.
 */
const CustomProperties = preprocess(checkNames({ name: PROPERTY_NAME, nameMessage: 'name must be a letter then up to 63 letters, digits or _', max: MAX_CUSTOM_PROPERTIES, what: 'properties' }), z.record(z.string(), z.union([lineOfText(500), storableNumber(), z.boolean()], { error: 'must be text of at most 500 characters, a number or true/false' })));

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
    .datetime({ offset: true, error: 'must be an ISO 8601 date-time such as 2026-11-22T10:00:00Z' }).check(z.refine((value) => Date.parse(value) >= Date.parse(EARLIEST_TIME), `must not be before ${EARLIEST_TIME}`), z.refine((value) => Date.parse(value) <= Date.now() + MAX_CLOCK_SKEW_MS, 'must not be in the future'));

export const EngagementEventInput = z
  .strictObject({
    id: z.string().check(z.regex(/^[A-Za-z0-9_.:-]{8,100}$/, 'must be 8-100 letters, digits, _ . : or -')),
    type: z.string().check(z.regex(/^[a-z][a-z0-9_]{1,63}$/, 'must be snake_case, for example page_view')),
    occurredAt: pastDateTime(),
    anonymousId: z.optional(z.string().check(z.regex(/^[A-Za-z0-9_-]{8,64}$/, 'must be 8-64 letters, digits, - or _'))),
    email: z.optional(Email),
    // Checked below against the schema of its type. A record would silently drop a `__proto__` key: refuse it by name first.
    properties: z._default(preprocess((properties, context) => {
        if (isPlainObject(properties) && Object.hasOwn(properties, '__proto__')) {
          context.issues.push({ code: 'custom', path: ['__proto__'], message: 'is not an allowed property name', input: properties });
        }
        return properties;
      }, z.record(z.string(), z.unknown())), {}),
  }).check(z.superRefine((event, context) => {
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
  }), z.meta({ id: 'EngagementEvent' }));
export type EngagementEventInput = z.infer<typeof EngagementEventInput>;

export const EventBatch = z
  .strictObject({
    events: z.array(EngagementEventInput).check(z.minLength(1, 'must hold at least one event'), z.maxLength(MAX_EVENTS_PER_REQUEST, `must hold at most ${MAX_EVENTS_PER_REQUEST} events`)),
  }).check(z.meta({ id: 'EventBatch' }));

export const EventsAccepted = z
  .object({
    accepted: z.number().check(z.int()),
    duplicates: z.number().check(z.int()),
    events: z.array(z.object({ id: z.string(), status: z.enum(['accepted', 'duplicate']) })),
  }).check(z.meta({ id: 'EventsAccepted' }));

export const ErrorBody = z
  .object({
    message: z.string(),
    issues: z.optional(z.array(z.object({ field: z.string(), message: z.string() }))),
  }).check(z.meta({ id: 'Error' }));
export type ErrorBody = z.infer<typeof ErrorBody>;

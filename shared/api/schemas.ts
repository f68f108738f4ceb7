import { z } from 'zod';
import { checkEmail } from '../domain/email';
import { SUBSCRIPTION_TYPES } from '../domain/subscriptions';

/**
 * Request and response schemas of the public API. Handlers parse with them and the OpenAPI document
 * is generated from them, so the documentation cannot drift from what is enforced.
 */

// HTML forms send every field, empty ones as "": treat those as absent, never as 0 or "".
const blankAsAbsent = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);
const text = (max: number) => z.preprocess(blankAsAbsent, z.string().trim().max(max).optional());
const wholeNumber = (max: number) =>
  z.preprocess(
    blankAsAbsent,
    z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(0).max(max).optional(),
  );
const listOf = <T extends z.ZodType>(item: T) =>
  z.preprocess((value) => (value === undefined || Array.isArray(value) ? value : [value]), z.array(item).max(20).optional());

export const Email = z
  .string({ error: 'is required' })
  .max(320)
  .transform((value, context) => {
    const check = checkEmail(value);
    if (check.ok) return check.email;
    context.addIssue({ code: 'custom', message: check.reason });
    return z.NEVER;
  })
  .meta({ description: 'Normalised (trimmed, lower-cased, ASCII domain); one lead per address.', example: 'jane@example.com' });

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
    pageUrl: z.preprocess(blankAsAbsent, z.url().max(2000).optional()),
    referrer: z.preprocess(blankAsAbsent, z.url().max(2000).optional()),
    utm_source: text(200),
    utm_medium: text(200),
    utm_campaign: text(200),
    utm_term: text(200),
    utm_content: text(200),
    /** The tracking snippet's visitor id: its earlier events join the lead. */
    anonymousId: z.preprocess(blankAsAbsent, z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'must be 8-64 letters, digits, - or _').optional()),
    /** Also accepted as the Idempotency-Key header; a retry with the same key is the same submission. */
    idempotencyKey: text(128),
    /** Honeypot: hidden from people, filled by bots. A filled one is accepted and dropped. */
    website: z.string().max(2000).optional(),
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
  url: z.url().max(2000),
  title: z.string().max(300).optional(),
  secondsOnPage: z.number().min(0).max(86_400).optional(),
  referrer: z.url().max(2000).optional(),
});
const ContentDownloadProperties = z.strictObject({
  contentId: z.string().min(1).max(200),
  title: z.string().max(300).optional(),
});
const WebinarRegistrationProperties = z.strictObject({
  webinarId: z.string().min(1).max(200),
  title: z.string().max(300).optional(),
});
const ChatMessageProperties = z.strictObject({
  conversationId: z.string().min(1).max(200),
  characters: z.number().int().min(0).max(100_000).optional(),
});
/** Any other event type: flat properties, so rules can match them. */
const CustomProperties = z
  .record(z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/), z.union([z.string().max(500), z.number(), z.boolean()]))
  .refine((properties) => Object.keys(properties).length <= 20, 'must have at most 20 properties');

export const KNOWN_EVENT_PROPERTIES = {
  page_view: PageViewProperties,
  content_download: ContentDownloadProperties,
  webinar_registration: WebinarRegistrationProperties,
  chat_message: ChatMessageProperties,
} as const;

/** Events may be stamped a little ahead by a client clock; further ahead is a bug on the sender's side. */
const MAX_CLOCK_SKEW_MS = 5 * 60_000;

export const EngagementEventInput = z
  .strictObject({
    id: z.string().regex(/^[A-Za-z0-9_.:-]{8,100}$/, 'must be 8-100 letters, digits, _ . : or -'),
    type: z.string().regex(/^[a-z][a-z0-9_]{1,63}$/, 'must be snake_case, for example page_view'),
    occurredAt: z.iso
      .datetime({ offset: true, error: 'must be an ISO 8601 date-time such as 2026-11-22T10:00:00Z' })
      .refine((value) => Date.parse(value) <= Date.now() + MAX_CLOCK_SKEW_MS, 'must not be in the future'),
    anonymousId: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'must be 8-64 letters, digits, - or _').optional(),
    email: Email.optional(),
    properties: z.record(z.string(), z.unknown()).default({}),
  })
  .superRefine((event, context) => {
    if ((event.anonymousId === undefined) === (event.email === undefined)) {
      context.addIssue({ code: 'custom', path: ['anonymousId'], message: 'give exactly one of anonymousId or email' });
    }
    const schema = event.type in KNOWN_EVENT_PROPERTIES
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
    events: z.array(EngagementEventInput).min(1, 'must hold at least one event').max(50, 'must hold at most 50 events'),
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

const MAX_BACKTEST_DAYS = 92;

/** A back-test's window: by default the 30 days before now; at most 92 days. */
export const BacktestRequest = z
  .object({
    from: z.iso.datetime({ offset: true }).optional().describe('Start of the window (inclusive); default: 30 days before `to`.'),
    to: z.iso.datetime({ offset: true }).optional().describe('End of the window (exclusive); default: now.'),
  })
  .strict()
  .transform((window, context) => {
    const to = window.to ? new Date(window.to) : new Date();
    const from = window.from ? new Date(window.from) : new Date(to.getTime() - 30 * 86_400_000);
    if (from >= to) context.addIssue({ code: 'custom', path: ['from'], message: 'must be before `to`' });
    if (to.getTime() - from.getTime() > MAX_BACKTEST_DAYS * 86_400_000) context.addIssue({ code: 'custom', path: ['from'], message: `the window may span at most ${MAX_BACKTEST_DAYS} days` });
    return { from: from.toISOString(), to: to.toISOString() };
  })
  .meta({ id: 'BacktestRequest' });

/** Lifting a suppression needs a reason, kept with the audit record. */
export const LiftRequest = z
  .strictObject({ reason: z.string().trim().min(3, 'must say why (3 characters or more)').max(500) })
  .meta({ id: 'LiftSuppressionRequest' });

/** A test send: up to 5 addresses, personalised with one lead's data when a lead is named. */
export const CampaignTestRequest = z
  .strictObject({
    to: z.array(Email).min(1, 'must name at least one address').max(5, 'must name at most 5 addresses'),
    leadId: z.uuid('must be a lead id (UUID)').optional(),
  })
  .meta({ id: 'CampaignTestRequest' });

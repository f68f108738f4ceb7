import * as z from 'zod/mini';
import { FEEDBACK_ACTIONS, BILLING_FREQUENCIES } from '../../src/domain/handoff/feedback';
import { LIFECYCLE_STAGES } from '../../src/domain/handoff/lifecycle';
import { Email } from '../../src/api/schemas';

/** Request and response schemas of sales feedback and CRM updates. */

const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));
const hasAtMostTwoDecimals = (amount: number) => Math.abs(amount * 100 - Math.round(amount * 100)) < 1e-6;
const MAX_CLOCK_SKEW_MS = 5 * 60_000;

const Currency = z.pipe(z
  .string({ error: 'is required' }).check(z.trim()), z.transform((code) => code.toUpperCase())).check(z.refine((code) => /^[A-Z]{3}$/.test(code) && CURRENCIES.has(code), 'must be an ISO 4217 currency code such as USD or IDR'));

/** Who gave the feedback: a rep's id or name as the CRM knows them. */
const Actor = z.string({ error: 'is required' }).check(z.trim(), z.minLength(1, 'must name who gives the feedback'), z.maxLength(200));

export const FeedbackRequest = z
  .strictObject({
    action: z.enum(FEEDBACK_ACTIONS, { error: `must be one of ${FEEDBACK_ACTIONS.join(', ')}` }),
    reason: z.optional(z
      .string().check(z.trim(), z.minLength(1), z.maxLength(200))).check(z.describe('reject, won, lost: a code from the sales reason lists (GET /v1/admin/settings/sales-reasons). accept, disqualify: an optional note.')),
    amount: z.optional(z.number({ error: 'must be a number' }).check(z.positive('must be more than 0'), z.lte(1e12), z.refine(hasAtMostTwoDecimals, 'must have at most 2 decimals'))),
    currency: z.optional(Currency),
    billingFrequency: z.optional(z.enum(BILLING_FREQUENCIES)),
    actor: z.optional(Actor).check(z.describe('Who gives the feedback: required from a service (the CLI names the rep); a signed-in person is recorded as themselves.')),
  }).check(z.superRefine((feedback, context) => {
    if ((feedback.action === 'reject' || feedback.action === 'won' || feedback.action === 'lost') && !feedback.reason) {
      context.addIssue({ code: 'custom', path: ['reason'], message: `is required for ${feedback.action}` });
    }
    if (feedback.action === 'won') {
      for (const field of ['amount', 'currency', 'billingFrequency'] as const) {
        if (feedback[field] === undefined) context.addIssue({ code: 'custom', path: [field], message: 'is required for won' });
      }
    }
    if (feedback.amount !== undefined && feedback.currency === undefined) context.addIssue({ code: 'custom', path: ['currency'], message: 'is required with an amount' });
    if (feedback.action !== 'won' && feedback.action !== 'lost' && (feedback.amount !== undefined || feedback.billingFrequency !== undefined)) {
      context.addIssue({ code: 'custom', path: ['amount'], message: 'is only for won or lost' });
    }
  }), z.meta({ id: 'SalesFeedback' }));
export type FeedbackRequest = z.infer<typeof FeedbackRequest>;

const ContactUpdate = z
  .strictObject({
    firstName: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(100))),
    lastName: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(100))),
    company: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(200))),
    phone: z.optional(z.string().check(z.trim(), z.regex(/^\+?[0-9 ()./-]{3,30}$/, 'must be a phone number (digits, spaces, + ( ) . / -)'))),
    role: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(100))),
  }).check(z.refine((contact) => Object.keys(contact).length > 0, 'must name at least one field'));

export const CrmUpdate = z
  .strictObject({
    updateId: z
      .string({ error: 'is required' }).check(z.regex(/^[\x21-\x7E]{1,100}$/, 'must be 1-100 visible ASCII characters (no spaces)'), z.describe('The CRM\'s id of this update: a repeat changes nothing.')),
    occurredAt: z.pipe(z.iso
      .datetime({ offset: true, error: 'must be an ISO 8601 date-time such as 2026-11-22T10:00:00Z' }).check(z.refine((value) => Number.isNaN(Date.parse(value)) || Date.parse(value) <= Date.now() + MAX_CLOCK_SKEW_MS, 'must not be in the future')), z.transform((value) => new Date(value).toISOString())).check(z.describe('When the change happened in the CRM: an update older than the last one applied to the lead changes nothing (`stale`).')),
    leadId: z.optional(z.uuid('must be a lead id (UUID)')),
    email: z.optional(Email),
    stage: z.optional(z.enum(LIFECYCLE_STAGES, { error: `must be one of ${LIFECYCLE_STAGES.join(', ')}` })),
    contact: z.optional(ContactUpdate),
    actor: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(200))).check(z.describe('Who made the change in the CRM; `crm` when absent.')),
  }).check(z.superRefine((update, context) => {
    if ((update.leadId === undefined) === (update.email === undefined)) context.addIssue({ code: 'custom', path: ['leadId'], message: 'give exactly one of leadId or email' });
    if (update.stage === undefined && update.contact === undefined) context.addIssue({ code: 'custom', path: ['stage'], message: 'give a stage, a contact or both' });
  }), z.meta({ id: 'CrmUpdate' }));
export type CrmUpdate = z.infer<typeof CrmUpdate>;

export const MAX_CRM_UPDATES = 100;
export const CrmUpdateBatch = z
  .strictObject({ updates: z.array(CrmUpdate).check(z.minLength(1, 'must hold at least one update'), z.maxLength(MAX_CRM_UPDATES, `must hold at most ${MAX_CRM_UPDATES} updates`)) }).check(z.meta({ id: 'CrmUpdateBatch' }));

export const CRM_UPDATE_STATUSES = ['applied', 'duplicate', 'stale', 'invalid_transition', 'unknown_lead'] as const;
export type CrmUpdateStatus = (typeof CRM_UPDATE_STATUSES)[number];

export const CrmUpdatesApplied = z
  .object({
    updates: z
      .array(
        z.object({
          updateId: z.string(),
          status: z.enum(CRM_UPDATE_STATUSES),
          leadId: z.optional(z.string()),
          stage: z.optional(z.enum(LIFECYCLE_STAGES)),
          allowed: z.optional(z.array(z.enum(LIFECYCLE_STAGES))).check(z.describe('invalid_transition: the stages the lead may move to.')),
          message: z.optional(z.string()),
        }),
      ).check(z.describe('One result per update, in the order sent.')),
  }).check(z.meta({ id: 'CrmUpdatesApplied' }));
export type CrmUpdatesApplied = z.infer<typeof CrmUpdatesApplied>;

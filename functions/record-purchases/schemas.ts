import * as z from 'zod/mini';
import { Email, pastDateTime } from '../../src/api/schemas';
import { PAYMENT_METHODS } from '../../src/domain/purchases';

const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));
const hasAtMostTwoDecimals = (amount: number) => Math.abs(amount * 100 - Math.round(amount * 100)) < 1e-6;

/** One purchase from a shop or CRM; `orderId` makes recording it idempotent. */
export const PurchaseInput = z
  .strictObject({
    orderId: z
      .string({ error: 'is required' }).check(z.regex(/^[\x21-\x7E]{1,100}$/, 'must be 1-100 visible ASCII characters (no spaces)'), z.describe('The order id of your shop or CRM; an order is recorded once, whichever request repeats it.')),
    email: z.optional(Email).check(z.describe('The buyer; give exactly one of email or leadId. An address nobody submitted yet becomes a lead with only that address.')),
    leadId: z.optional(z.uuid('must be a lead id (UUID)')).check(z.describe('The buyer as a lead id; give exactly one of email or leadId.')),
    product: z.string({ error: 'is required' }).check(z.trim(), z.minLength(1, 'must not be empty'), z.maxLength(200)),
    amount: z
      .number({ error: 'must be a number' }).check(z.positive('must be more than 0'), z.lte(1e12), z.refine(hasAtMostTwoDecimals, 'must have at most 2 decimals'), z.describe('In `currency`: more than 0, at most 2 decimals.')),
    currency: z.pipe(z
      .string({ error: 'is required' }).check(z.trim()), z.transform((code) => code.toUpperCase())).check(z.refine((code) => /^[A-Z]{3}$/.test(code) && CURRENCIES.has(code), 'must be an ISO 4217 currency code such as USD or IDR'), z.meta({ description: 'ISO 4217 (upper-cased). A lead keeps the currency of its first purchase; leadflow converts no currencies.', example: 'USD' })),
    purchasedAt: z.pipe(pastDateTime(), z.transform((value) => new Date(value).toISOString())),
    paymentMethod: z.optional(z.enum(PAYMENT_METHODS)),
    quantity: z.optional(z.number().check(z.int('must be a whole number'), z.gte(1), z.lte(1_000_000))),
  }).check(z.superRefine((purchase, context) => {
    if ((purchase.email === undefined) === (purchase.leadId === undefined)) {
      context.addIssue({ code: 'custom', path: ['email'], message: 'give exactly one of email or leadId' });
    }
  }), z.meta({ id: 'Purchase' }));
export type PurchaseInput = z.infer<typeof PurchaseInput>;

export const MAX_PURCHASES_PER_REQUEST = 100;

export const PurchaseBatch = z
  .strictObject({
    purchases: z
      .array(PurchaseInput).check(z.minLength(1, 'must hold at least one purchase'), z.maxLength(MAX_PURCHASES_PER_REQUEST, `must hold at most ${MAX_PURCHASES_PER_REQUEST} purchases`)),
  }).check(z.meta({ id: 'PurchaseBatch' }));

export const PURCHASE_STATUSES = ['recorded', 'duplicate', 'unknown_lead', 'currency_mismatch'] as const;
export type PurchaseStatus = (typeof PURCHASE_STATUSES)[number];

export const PurchasesRecorded = z
  .object({
    recorded: z.number().check(z.int()),
    duplicates: z.number().check(z.int()),
    refused: z.number().check(z.int(), z.describe('Items not recorded: unknown lead or another currency than the lead keeps.')),
    purchases: z.array(
      z.object({
        orderId: z.string(),
        status: z.enum(PURCHASE_STATUSES),
        leadId: z.optional(z.string()),
        message: z.optional(z.string()),
      }),
    ).check(z.describe('One result per item, in the order sent.')),
  }).check(z.meta({ id: 'PurchasesRecorded' }));
export type PurchasesRecorded = z.infer<typeof PurchasesRecorded>;

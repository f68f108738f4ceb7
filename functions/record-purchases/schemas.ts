import * as z from 'zod';
import { Email, pastDateTime } from '../../src/api/schemas';
import { PAYMENT_METHODS } from '../../src/domain/purchases';

const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));
const hasAtMostTwoDecimals = (amount: number) => Math.abs(amount * 100 - Math.round(amount * 100)) < 1e-6;

/** One purchase from a shop or CRM; `orderId` makes recording it idempotent. */
export const PurchaseInput = z
  .strictObject({
    orderId: z
      .string({ error: 'is required' })
      .regex(/^[\x21-\x7E]{1,100}$/, 'must be 1-100 visible ASCII characters (no spaces)')
      .describe('The order id of your shop or CRM; an order is recorded once, whichever request repeats it.'),
    email: Email.optional().describe('The buyer; give exactly one of email or leadId. An address nobody submitted yet becomes a lead with only that address.'),
    leadId: z.uuid('must be a lead id (UUID)').optional().describe('The buyer as a lead id; give exactly one of email or leadId.'),
    product: z.string({ error: 'is required' }).trim().min(1, 'must not be empty').max(200),
    amount: z
      .number({ error: 'must be a number' })
      .positive('must be more than 0')
      .max(1e12)
      .refine(hasAtMostTwoDecimals, 'must have at most 2 decimals')
      .describe('In `currency`: more than 0, at most 2 decimals.'),
    currency: z
      .string({ error: 'is required' })
      .trim()
      .transform((code) => code.toUpperCase())
      .refine((code) => /^[A-Z]{3}$/.test(code) && CURRENCIES.has(code), 'must be an ISO 4217 currency code such as USD or IDR')
      .meta({ description: 'ISO 4217 (upper-cased). A lead keeps the currency of its first purchase; leadflow converts no currencies.', example: 'USD' }),
    purchasedAt: pastDateTime().transform((value) => new Date(value).toISOString()),
    paymentMethod: z.enum(PAYMENT_METHODS).optional(),
    quantity: z.number().int('must be a whole number').min(1).max(1_000_000).optional(),
  })
  .superRefine((purchase, context) => {
    if ((purchase.email === undefined) === (purchase.leadId === undefined)) {
      context.addIssue({ code: 'custom', path: ['email'], message: 'give exactly one of email or leadId' });
    }
  })
  .meta({ id: 'Purchase' });
export type PurchaseInput = z.infer<typeof PurchaseInput>;

export const MAX_PURCHASES_PER_REQUEST = 100;

export const PurchaseBatch = z
  .strictObject({
    purchases: z
      .array(PurchaseInput)
      .min(1, 'must hold at least one purchase')
      .max(MAX_PURCHASES_PER_REQUEST, `must hold at most ${MAX_PURCHASES_PER_REQUEST} purchases`),
  })
  .meta({ id: 'PurchaseBatch' });

export const PURCHASE_STATUSES = ['recorded', 'duplicate', 'unknown_lead', 'currency_mismatch'] as const;
export type PurchaseStatus = (typeof PURCHASE_STATUSES)[number];

export const PurchasesRecorded = z
  .object({
    recorded: z.number().int(),
    duplicates: z.number().int(),
    refused: z.number().int().describe('Items not recorded: unknown lead or another currency than the lead keeps.'),
    purchases: z.array(
      z.object({
        orderId: z.string(),
        status: z.enum(PURCHASE_STATUSES),
        leadId: z.string().optional(),
        message: z.string().optional(),
      }),
    ).describe('One result per item, in the order sent.'),
  })
  .meta({ id: 'PurchasesRecorded' });
export type PurchasesRecorded = z.infer<typeof PurchasesRecorded>;

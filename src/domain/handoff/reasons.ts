import * as z from 'zod/mini';

/** A reason code: what reports group by and what a request names. */
export const ReasonCode = z.string().check(z.regex(/^[a-z][a-z0-9_]{1,39}$/, 'must be a code of 2-40 lower-case letters, digits or _ starting with a letter'));

export const Reason = z.strictObject({
  code: ReasonCode,
  label: z.string().check(z.trim(), z.minLength(1, 'must not be empty'), z.maxLength(100)),
});

export const reasonList = (name: string) =>
  z
    .array(Reason).check(z.minLength(1, `must hold at least one ${name} reason`), z.maxLength(50), z.superRefine((reasons, context) => {
      const seen = new Set<string>();
      reasons.forEach((reason, index) => {
        if (seen.has(reason.code)) context.addIssue({ code: 'custom', path: [index, 'code'], message: `repeats ${reason.code}` });
        seen.add(reason.code);
      });
    }));

/**
 * The reason lists sales choose from: data, so a team can replace them (`PUT /v1/admin/settings/sales-reasons`).
 * A lost reason marked `never` disqualifies the lead instead of recycling it.
 */
export const SalesReasons = z
  .strictObject({
    reject: reasonList('reject'),
    won: reasonList('won'),
    lost: z
      .array(z.extend(Reason, { never: z.optional(z.boolean()).check(z.describe('Losing for this reason disqualifies the lead rather than recycling it.')) })).check(z.minLength(1, 'must hold at least one lost reason'), z.maxLength(50), z.superRefine((reasons, context) => {
        const seen = new Set<string>();
        reasons.forEach((reason, index) => {
          if (seen.has(reason.code)) context.addIssue({ code: 'custom', path: [index, 'code'], message: `repeats ${reason.code}` });
          seen.add(reason.code);
        });
      })),
  }).check(z.meta({ id: 'SalesReasons' }));
export type SalesReasons = z.infer<typeof SalesReasons>;
export type ReasonKind = keyof SalesReasons;

/** The standard lists, used until a team saves its own. */
export const DEFAULT_SALES_REASONS: SalesReasons = {
  reject: [
    { code: 'not_decision_maker', label: 'Not a decision maker' },
    { code: 'no_budget', label: 'No budget' },
    { code: 'bad_timing', label: 'Bad timing' },
    { code: 'wrong_fit', label: 'Wrong fit' },
    { code: 'already_customer', label: 'Already a customer' },
    { code: 'duplicate', label: 'Duplicate' },
    { code: 'bad_contact_data', label: 'Bad contact data' },
  ],
  won: [
    { code: 'product_fit', label: 'Product fit' },
    { code: 'price', label: 'Price' },
    { code: 'relationship', label: 'Relationship' },
    { code: 'features', label: 'Features' },
    { code: 'support', label: 'Support and service' },
  ],
  lost: [
    { code: 'price', label: 'Price' },
    { code: 'competitor', label: 'Went with a competitor' },
    { code: 'no_decision', label: 'No decision' },
    { code: 'timing', label: 'Timing' },
    { code: 'missing_feature', label: 'Missing feature' },
    { code: 'not_a_fit', label: 'Not a fit, never will be', never: true },
  ],
};

export const reasonCodes = (reasons: SalesReasons, kind: ReasonKind) => reasons[kind].map((reason) => reason.code);

/** A lost reason that means the lead will never buy: the lead is disqualified, not recycled. */
export const meansNever = (reasons: SalesReasons, code: string) => reasons.lost.some((reason) => reason.code === code && reason.never === true);

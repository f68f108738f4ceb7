import * as z from 'zod/mini';

/** Answer schemas more than one function shares; those of one function are declared beside it. */

/** Who a campaign or segment reaches now: a count and a sample, stopped early on a large table. */
export const AudiencePreview = z
  .object({
    count: z.int().check(z.gte(0)),
    sample: z.array(z.object({ leadId: z.string(), email: z.string() })),
    complete: z.boolean().check(z.describe('False when counting stopped at its limit; `count` is then the count among `leadsScanned`.')),
    leadsScanned: z.int().check(z.gte(0)),
  }).check(z.meta({ id: 'AudiencePreview' }));
export type AudiencePreview = z.output<typeof AudiencePreview>;

/** An email as a recipient would get it, footer included. */
export const RenderedEmail = z
  .object({ subject: z.string(), html: z.string(), text: z.string() }).check(z.meta({ id: 'RenderedEmail' }));

/** A subscriber page: HTML with no script and no cookie. */
export const HtmlPage = z.string().check(z.describe('An HTML page (no script, no cookie).'));

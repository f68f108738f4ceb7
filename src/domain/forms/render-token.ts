import * as z from 'zod/mini';
import { signPayload, verifyPayload, type KeyRing } from '../consent/signed-token';

/**
 * The time a form was rendered, signed, carried in the form as `renderToken`: a post that comes back
 * sooner than a person could fill the form in, or whose token is forged or from another form, is a
 * bot's. Such a post is answered as if accepted and dropped, as the honeypot does, so a bot learns
 * nothing it could adapt to. A post with no token at all did not come from a rendered form (a site's
 * own HTML, an API client): it is not timed, since dropping it would lose every lead of a site that
 * pushed a definition for its existing form; a bot filling in the rendered form posts the token with
 * the rest. The token never expires: a visitor who leaves the tab open overnight must not lose the lead.
 */
const RenderClaims = z.strictObject({ formId: z.string(), renderedAt: z.int().check(z.gte(0)) });

export function signRenderToken(ring: KeyRing, formId: string, renderedAtMs: number): string {
  return signPayload(ring, 'form-render', { formId, renderedAt: renderedAtMs });
}

export type RenderCheck = { readonly human: true } | { readonly human: false; readonly reason: 'invalid' | 'other-form' | 'too-fast' };

export function checkRenderToken(ring: KeyRing, token: string | undefined, expected: { formId: string; minSeconds: number; nowMs: number }): RenderCheck {
  if (expected.minSeconds === 0 || token === undefined || token === '') return { human: true };
  const check = verifyPayload(ring, 'form-render', token);
  const claims = check.valid ? RenderClaims.safeParse(check.value) : undefined;
  if (!claims?.success) return { human: false, reason: 'invalid' };
  if (claims.data.formId !== expected.formId) return { human: false, reason: 'other-form' };
  if (expected.nowMs - claims.data.renderedAt < expected.minSeconds * 1000) return { human: false, reason: 'too-fast' };
  return { human: true };
}

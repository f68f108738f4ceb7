import * as z from 'zod';
import { signPayload, verifyPayload, type KeyRing } from '../consent/signed-token';

/**
 * The time a form was rendered, signed, carried in the form as `renderToken`: a post that comes back
 * sooner than a person could fill the form in, or whose token is missing, forged or from another
 * form, is a bot's. Such a post is answered as if accepted and dropped, as the honeypot does, so a
 * bot learns nothing it could adapt to. The token never expires: a visitor who leaves the tab open
 * overnight must not lose the lead.
 */
const RenderClaims = z.strictObject({ formId: z.string(), renderedAt: z.int().min(0) });

export function signRenderToken(ring: KeyRing, formId: string, renderedAtMs: number): string {
  return signPayload(ring, 'form-render', { formId, renderedAt: renderedAtMs });
}

export type RenderCheck = { readonly human: true } | { readonly human: false; readonly reason: 'missing' | 'invalid' | 'other-form' | 'too-fast' };

export function checkRenderToken(ring: KeyRing, token: string | undefined, expected: { formId: string; minSeconds: number; nowMs: number }): RenderCheck {
  if (expected.minSeconds === 0) return { human: true };
  if (!token) return { human: false, reason: 'missing' };
  const check = verifyPayload(ring, 'form-render', token);
  const claims = check.valid ? RenderClaims.safeParse(check.value) : undefined;
  if (!claims?.success) return { human: false, reason: 'invalid' };
  if (claims.data.formId !== expected.formId) return { human: false, reason: 'other-form' };
  if (expected.nowMs - claims.data.renderedAt < expected.minSeconds * 1000) return { human: false, reason: 'too-fast' };
  return { human: true };
}

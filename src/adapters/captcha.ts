import * as z from 'zod/mini';
import type { CaptchaProvider } from '../domain/forms/definition';
import { Unavailable } from '../domain/errors';

/** Each provider's server-side check; both take the same form and answer `{ success }`. */
export const CAPTCHA_VERIFY_URLS = {
  turnstile: 'https://challenges.cloudflare.com/turnstile/v0/siteverify',
  hcaptcha: 'https://api.hcaptcha.com/siteverify',
} as const satisfies Record<CaptchaProvider, string>;

const Verdict = z.looseObject({ success: z.boolean() });

export interface CaptchaCheck {
  readonly provider: CaptchaProvider;
  readonly secret: string;
  readonly response: string;
  readonly remoteIp?: string;
}

export type CaptchaVerifier = (check: CaptchaCheck) => Promise<boolean>;

const TIMEOUT_MS = 3000;

/**
 * Verifies a visitor's CAPTCHA answer with its provider (Cloudflare Turnstile or hCaptcha `siteverify`),
 * at the endpoints given (the providers' own unless configured otherwise, as tests do with a local
 * stub). A provider that cannot be reached or answers nonsense is Unavailable (503, retry), never a
 * refusal of the visitor. The secret goes in the request body only, never into a log or an error.
 */
export function captchaVerifier(endpoints: Readonly<Record<CaptchaProvider, string>>, fetchImpl: typeof fetch = fetch): CaptchaVerifier {
  return async ({ provider, secret, response, remoteIp }) => {
    const body = new URLSearchParams({ secret, response, ...(remoteIp ? { remoteip: remoteIp } : {}) });
    let answer: Response;
    try {
      answer = await fetchImpl(endpoints[provider], { method: 'POST', body, signal: AbortSignal.timeout(TIMEOUT_MS) });
    } catch {
      throw new Unavailable(`The ${provider} check could not be reached; try again`, 2);
    }
    const verdict = Verdict.safeParse(answer.ok ? await answer.json().catch(() => undefined) : undefined);
    if (!verdict.success) throw new Unavailable(`The ${provider} check answered ${answer.status}; try again`, 2);
    return verdict.data.success;
  };
}

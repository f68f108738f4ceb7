/** Result of checking an address typed into a form: the normalised address or why it was refused. */
export type EmailCheck = { readonly ok: true; readonly email: string } | { readonly ok: false; readonly reason: string };

// RFC 5321 limits: 64 octets for the local part, 254 for the whole path usable in practice.
const MAX_LOCAL_LENGTH = 64;
const MAX_ADDRESS_LENGTH = 254;
const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const DOMAIN_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Normalises an address so that one person maps to one lead: trims, lower-cases the whole address
 * (every large mailbox provider treats the local part case-insensitively, and case variants would
 * otherwise split a lead in two) and converts an internationalised domain to its ASCII form.
 * Provider-specific rewrites (Gmail dots, plus tags) are not applied: they would merge distinct
 * mailboxes at other providers.
 */
export function checkEmail(input: string): EmailCheck {
  const trimmed = input.trim();
  const at = trimmed.lastIndexOf('@');
  if (at <= 0 || at === trimmed.length - 1) return { ok: false, reason: 'must look like name@example.com' };
  const local = trimmed.slice(0, at).toLowerCase();
  let domain: string;
  try {
    domain = new URL(`http://${trimmed.slice(at + 1)}`).hostname;
  } catch {
    return { ok: false, reason: 'has an invalid domain' };
  }
  if (local.length > MAX_LOCAL_LENGTH) return { ok: false, reason: 'has a part before @ longer than 64 characters' };
  if (!LOCAL_PART.test(local)) return { ok: false, reason: 'has characters not allowed before @' };
  const labels = domain.split('.');
  if (labels.length < 2 || !labels.every((label) => DOMAIN_LABEL.test(label)) || /^\d+$/.test(labels.at(-1) ?? '')) {
    return { ok: false, reason: 'has an invalid domain' };
  }
  const email = `${local}@${domain}`;
  if (email.length > MAX_ADDRESS_LENGTH) return { ok: false, reason: 'is longer than 254 characters' };
  return { ok: true, email };
}

/** An email as the mailer sends it: recipients, content, and the headers and tags it carries. */
export interface OutgoingEmail {
  readonly to: readonly string[];
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  /** Extra headers (SES v2 `Headers`), e.g. List-Unsubscribe on marketing mail. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Tags carried into the configuration set's events, to tie bounces and clicks back to their cause. */
  readonly tags?: Readonly<Record<string, string>>;
}

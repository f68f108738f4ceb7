import { subscriptionLabel, type SubscriptionCatalogue, type SubscriptionType } from '../subscriptions';
import { escapeHtml } from '../html';

/** Confirmation links expire: a forwarded or leaked old email should not subscribe anyone. */
export const CONFIRMATION_LINK_DAYS = 7;

export interface ConfirmationLink {
  readonly subscription: SubscriptionType;
  readonly url: string;
}

/**
 * The double opt-in email, in English and Indonesian: one link per subscription to confirm. It is
 * transactional (the subscriber just asked for it), so it carries no unsubscribe header.
 */
export function composeConfirmationEmail(firstName: string | undefined, links: readonly ConfirmationLink[], preferencesUrl: string, catalogue: SubscriptionCatalogue) {
  const greeting = { en: firstName ? `Hello ${firstName},` : 'Hello,', id: firstName ? `Halo ${firstName},` : 'Halo,' };
  const lines = (lang: 'en' | 'id') => links.map((link) => `${subscriptionLabel(catalogue, link.subscription)[lang]}: ${link.url}`);
  const text = [
    greeting.en,
    '',
    'Please confirm what you asked to receive from us. Until you do, we send you nothing of it.',
    ...lines('en'),
    `The links work for ${CONFIRMATION_LINK_DAYS} days. If you did not ask for this, ignore this email.`,
    `Your email preferences: ${preferencesUrl}`,
    '',
    greeting.id,
    '',
    'Mohon konfirmasikan apa yang ingin Anda terima dari kami. Sebelum itu, kami tidak mengirimkan apa pun.',
    ...lines('id'),
    `Tautan berlaku selama ${CONFIRMATION_LINK_DAYS} hari. Jika Anda tidak memintanya, abaikan email ini.`,
    `Preferensi email Anda: ${preferencesUrl}`,
  ].join('\n');
  const items = (lang: 'en' | 'id') =>
    links.map((link) => `<li><a href="${escapeHtml(link.url)}">${escapeHtml(subscriptionLabel(catalogue, link.subscription)[lang])}</a></li>`).join('');
  const html = `<p>${escapeHtml(greeting.en)}</p><p>Please confirm what you asked to receive from us. Until you do, we send you nothing of it.</p><ul>${items('en')}</ul><p>The links work for ${CONFIRMATION_LINK_DAYS} days. If you did not ask for this, ignore this email.</p><p><a href="${escapeHtml(preferencesUrl)}">Your email preferences</a></p><hr><div lang="id"><p>${escapeHtml(greeting.id)}</p><p>Mohon konfirmasikan apa yang ingin Anda terima dari kami. Sebelum itu, kami tidak mengirimkan apa pun.</p><ul>${items('id')}</ul><p>Tautan berlaku selama ${CONFIRMATION_LINK_DAYS} hari. Jika Anda tidak memintanya, abaikan email ini.</p><p><a href="${escapeHtml(`${preferencesUrl}&lang=id`)}">Preferensi email Anda</a></p></div>`;
  return { subject: 'Please confirm your subscription / Konfirmasi langganan Anda', text, html };
}

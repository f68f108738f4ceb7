import { escapeHtml } from '../html';
import { subscriptionLabel, type SubscriptionCatalogue, type SubscriptionType } from '../subscriptions';
import type { RenderedEmail } from './template';

/**
 * The footer every marketing email ends with, added by the sender so no template can leave it out:
 * why the subscriber gets it, a one-click unsubscribe link and the preference centre.
 */
export function withSubscriberFooter(
  email: RenderedEmail,
  links: { readonly subscription: SubscriptionType; readonly unsubscribeUrl: string; readonly preferencesUrl: string },
  catalogue: SubscriptionCatalogue,
): RenderedEmail {
  const label = subscriptionLabel(catalogue, links.subscription);
  const text = `You receive this because you subscribed to ${label.en}. Unsubscribe: ${links.unsubscribeUrl} · Email preferences: ${links.preferencesUrl}`;
  const html = `<hr><p style="font-size:12px;color:#555">You receive this because you subscribed to ${escapeHtml(label.en)} / Anda menerima ini karena berlangganan ${escapeHtml(label.id)}. <a href="${escapeHtml(links.unsubscribeUrl)}">Unsubscribe / Berhenti berlangganan</a> · <a href="${escapeHtml(links.preferencesUrl)}">Email preferences / Preferensi email</a></p>`;
  return { subject: email.subject, text: `${email.text}\n\n--\n${text}`, html: email.html.includes('</body>') ? email.html.replace('</body>', `${html}</body>`) : `${email.html}${html}` };
}

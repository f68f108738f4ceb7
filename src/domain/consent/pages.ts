import { LANGUAGES, subscriptionLabel, type Language, type SubscriptionCatalogue, type SubscriptionStatus, type SubscriptionType } from '../subscriptions';
import { escapeHtml, linkPage } from '../html';

/**
 * The subscriber-facing pages: plain HTML forms that work without JavaScript or cookies, with one
 * heading, labelled controls grouped in fieldsets, and the page language declared for screen readers.
 */
const TEXT = {
  en: {
    preferencesTitle: 'Your email preferences',
    preferencesIntro: 'Choose what we may send you. Changes apply before our next email.',
    subscribed: 'Send me this',
    notSubscribed: 'Do not send me this',
    pending: 'Waiting for you to confirm from the email we sent.',
    serviceMail: 'Service email',
    serviceMailNote: 'Sent when there is something you need to know, at any hour, and not counted in our limit on marketing email. You can still stop it here.',
    save: 'Save my preferences',
    leaveTitle: 'Leave everything',
    leaveIntro: 'Stop every kind of email from us at once.',
    leave: 'Unsubscribe from everything',
    saved: 'Your preferences are saved.',
    unsubscribeTitle: 'Unsubscribe',
    unsubscribeFrom: (what: string) => `Stop sending me ${what}.`,
    everything: 'any email',
    unsubscribe: 'Unsubscribe',
    unsubscribed: 'You are unsubscribed. It takes effect before our next email.',
    managePreferences: 'Manage all your email preferences',
    confirmTitle: 'Confirm your subscription',
    confirmAsk: (what: string) => `Confirm that you want to receive ${what}.`,
    confirm: 'Confirm',
    confirmed: (what: string) => `Thank you: you will receive ${what}.`,
    nothingToConfirm: 'There is nothing left to confirm with this link.',
    invalidTitle: 'This link does not work',
    invalidIntro: 'The link is incomplete, has been changed, or has expired. Use the link in our most recent email.',
    language: 'Bahasa Indonesia',
  },
  id: {
    preferencesTitle: 'Preferensi email Anda',
    preferencesIntro: 'Pilih apa yang boleh kami kirimkan. Perubahan berlaku sebelum email kami berikutnya.',
    subscribed: 'Kirimkan ini kepada saya',
    notSubscribed: 'Jangan kirimkan ini',
    pending: 'Menunggu konfirmasi Anda dari email yang kami kirim.',
    serviceMail: 'Email layanan',
    serviceMailNote: 'Dikirim saat ada hal yang perlu Anda ketahui, kapan saja, dan tidak dihitung dalam batas email pemasaran kami. Anda tetap dapat menghentikannya di sini.',
    save: 'Simpan preferensi saya',
    leaveTitle: 'Berhenti dari semuanya',
    leaveIntro: 'Hentikan semua jenis email dari kami sekaligus.',
    leave: 'Berhenti berlangganan semuanya',
    saved: 'Preferensi Anda telah disimpan.',
    unsubscribeTitle: 'Berhenti berlangganan',
    unsubscribeFrom: (what: string) => `Berhenti mengirimi saya ${what}.`,
    everything: 'email apa pun',
    unsubscribe: 'Berhenti berlangganan',
    unsubscribed: 'Anda telah berhenti berlangganan. Ini berlaku sebelum email kami berikutnya.',
    managePreferences: 'Kelola semua preferensi email Anda',
    confirmTitle: 'Konfirmasi langganan Anda',
    confirmAsk: (what: string) => `Konfirmasikan bahwa Anda ingin menerima ${what}.`,
    confirm: 'Konfirmasi',
    confirmed: (what: string) => `Terima kasih: Anda akan menerima ${what}.`,
    nothingToConfirm: 'Tidak ada lagi yang perlu dikonfirmasi dengan tautan ini.',
    invalidTitle: 'Tautan ini tidak berfungsi',
    invalidIntro: 'Tautan tidak lengkap, telah diubah, atau kedaluwarsa. Gunakan tautan di email terbaru kami.',
    language: 'English',
  },
} as const;

/** The page language: an explicit `lang` wins, then the browser's first choice, then English. */
export function languageFor(requested: string | undefined, acceptLanguage: string | undefined): Language {
  if (requested && (LANGUAGES as readonly string[]).includes(requested)) return requested as Language;
  return acceptLanguage?.trim().toLowerCase().startsWith('id') ? 'id' : 'en';
}


const otherLanguage = (lang: Language): Language => (lang === 'en' ? 'id' : 'en');

export interface PreferencePageInput {
  readonly lang: Language;
  /** The signed preferences token, carried in the form so the POST needs no cookie. */
  readonly token: string;
  readonly subscriptions: Partial<Record<SubscriptionType, SubscriptionStatus>>;
  readonly catalogue: SubscriptionCatalogue;
  readonly saved?: boolean;
}

/**
 * A row per active type, and per archived type the subscriber is still opted in to or pending on, so
 * they can leave it. A transactional type's row says it is service email and what that changes.
 */
export function preferencePage({ lang, token, subscriptions, catalogue, saved }: PreferencePageInput): string {
  const text = TEXT[lang];
  const hidden = `<input type="hidden" name="token" value="${escapeHtml(token)}"><input type="hidden" name="lang" value="${lang}">`;
  const shown = catalogue.filter((definition) => !definition.archived || (subscriptions[definition.id] !== undefined && subscriptions[definition.id] !== 'opted_out'));
  const rows = shown.map((definition) => {
    const status = subscriptions[definition.id];
    const name = `subscription.${definition.id}`;
    const option = (value: 'opted_in' | 'opted_out', label: string) =>
      `<label><input type="radio" name="${name}" value="${value}"${(value === 'opted_in' ? status === 'opted_in' : status !== 'opted_in' && status !== 'pending') ? ' checked' : ''}> ${escapeHtml(label)}</label>`;
    return `<fieldset>
<legend>${escapeHtml(definition.label[lang])}${definition.transactional ? ` (${escapeHtml(text.serviceMail.toLowerCase())})` : ''}</legend>
<p id="${definition.id}-description">${escapeHtml(definition.description[lang])}</p>
${definition.transactional ? `<p>${escapeHtml(text.serviceMailNote)}</p>\n` : ''}${status === 'pending' ? `<p>${escapeHtml(text.pending)}</p>\n` : ''}${option('opted_in', text.subscribed)}<br>
${option('opted_out', text.notSubscribed)}
</fieldset>`;
  }).join('\n');
  const switchLanguage = `<p><a href="/v1/preferences?token=${encodeURIComponent(token)}&amp;lang=${otherLanguage(lang)}" lang="${otherLanguage(lang)}">${escapeHtml(text.language)}</a></p>`;
  return linkPage(
    lang,
    text.preferencesTitle,
    `<p>${escapeHtml(text.preferencesIntro)}</p>
<form method="post" action="/v1/preferences">
${hidden}
${rows}
<button type="submit" name="action" value="save">${escapeHtml(text.save)}</button>
</form>
<h2>${escapeHtml(text.leaveTitle)}</h2>
<form method="post" action="/v1/preferences">
${hidden}
<p>${escapeHtml(text.leaveIntro)}</p>
<button type="submit" name="action" value="leave">${escapeHtml(text.leave)}</button>
</form>
${switchLanguage}`,
    saved ? text.saved : undefined,
  );
}

export interface UnsubscribePageInput {
  readonly lang: Language;
  readonly token: string;
  readonly subscription?: SubscriptionType;
  readonly catalogue: SubscriptionCatalogue;
  /** A preferences link for the same lead, offered beside the button. */
  readonly preferencesToken: string;
  readonly done?: boolean;
}

/**
 * Shown on GET of an unsubscribe link: a button, never a change (mail scanners prefetch links). Its
 * form posts the same body a mailbox provider's one-click POST sends.
 */
export function unsubscribePage({ lang, token, subscription, catalogue, preferencesToken, done }: UnsubscribePageInput): string {
  const text = TEXT[lang];
  const what = subscription ? subscriptionLabel(catalogue, subscription)[lang].toLowerCase() : text.everything;
  const preferences = `<p><a href="/v1/preferences?token=${encodeURIComponent(preferencesToken)}&amp;lang=${lang}">${escapeHtml(text.managePreferences)}</a></p>`;
  if (done) return linkPage(lang, text.unsubscribeTitle, preferences, text.unsubscribed);
  return linkPage(
    lang,
    text.unsubscribeTitle,
    `<form method="post" action="/v1/unsubscribe?token=${encodeURIComponent(token)}&amp;lang=${lang}">
<input type="hidden" name="List-Unsubscribe" value="One-Click">
<p>${escapeHtml(text.unsubscribeFrom(what))}</p>
<button type="submit">${escapeHtml(text.unsubscribe)}</button>
</form>
${preferences}`,
  );
}

export interface ConfirmPageInput {
  readonly lang: Language;
  readonly token: string;
  readonly subscription: SubscriptionType;
  readonly catalogue: SubscriptionCatalogue;
  readonly preferencesToken: string;
  /** After the POST: whether this link confirmed (or had already confirmed) the subscription. */
  readonly outcome?: 'confirmed' | 'nothing-to-confirm';
}

/** Shown on GET of a confirmation link: a button, never a change (mail scanners fetch links). */
export function confirmPage({ lang, token, subscription, catalogue, preferencesToken, outcome }: ConfirmPageInput): string {
  const text = TEXT[lang];
  const what = subscriptionLabel(catalogue, subscription)[lang].toLowerCase();
  const preferences = `<p><a href="/v1/preferences?token=${encodeURIComponent(preferencesToken)}&amp;lang=${lang}">${escapeHtml(text.managePreferences)}</a></p>`;
  if (outcome) return linkPage(lang, text.confirmTitle, preferences, outcome === 'confirmed' ? text.confirmed(what) : text.nothingToConfirm);
  return linkPage(
    lang,
    text.confirmTitle,
    `<form method="post" action="/v1/subscriptions/confirm?token=${encodeURIComponent(token)}&amp;lang=${lang}">
<p>${escapeHtml(text.confirmAsk(what))}</p>
<button type="submit">${escapeHtml(text.confirm)}</button>
</form>
${preferences}`,
  );
}

export function invalidLinkPage(lang: Language): string {
  return linkPage(lang, TEXT[lang].invalidTitle, `<p>${escapeHtml(TEXT[lang].invalidIntro)}</p>`);
}

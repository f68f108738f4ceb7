import { signPayload, verifyPayload, type KeyRing } from '../consent/signed-token';
import { escapeHtml, linkPage } from '../html';
import { LANGUAGES, type Language } from '../subscriptions';
import { scoresOf, SurveyLinkClaims, type SurveyDefinition } from './surveys';

/**
 * The links and pages of a survey: one signed link per score in the email (a click records that score,
 * with no script, cookie or login), the follow-up page asking why, and a clear page for a link that is
 * tampered with or expired.
 */
const PURPOSE = 'survey-answer';

export const signSurveyLink = (ring: KeyRing, claims: SurveyLinkClaims) => signPayload(ring, PURPOSE, claims);

export type SurveyLinkCheck = { readonly valid: true; readonly claims: SurveyLinkClaims } | { readonly valid: false; readonly reason: 'malformed' | 'unknown-key' | 'bad-signature' | 'expired' };

/** Checks a survey link in constant time; `now` in epoch seconds. Never throws on what a visitor sends. */
export function verifySurveyLink(ring: KeyRing, token: string | undefined, now: number): SurveyLinkCheck {
  if (!token) return { valid: false, reason: 'malformed' };
  const check = verifyPayload(ring, PURPOSE, token);
  if (!check.valid) return check;
  const claims = SurveyLinkClaims.safeParse(check.value);
  if (!claims.success) return { valid: false, reason: 'malformed' };
  if (claims.data.expiresAt <= now) return { valid: false, reason: 'expired' };
  return { valid: true, claims: claims.data };
}

export interface SurveyLink {
  readonly score: number;
  readonly url: string;
}

/** The links of one survey email, one per score of the survey's scale. */
export function surveyLinks(ring: KeyRing, baseUrl: string, survey: SurveyDefinition, claims: Omit<SurveyLinkClaims, 'score' | 'surveyId'>): SurveyLink[] {
  return scoresOf(survey.kind).map((score) => ({
    score,
    url: `${baseUrl}/v1/surveys/answer?token=${encodeURIComponent(signSurveyLink(ring, { ...claims, surveyId: survey.id, score }))}`,
  }));
}

const SCALE_ENDS: Readonly<Record<Language, Readonly<Record<SurveyDefinition['kind'], readonly [string, string]>>>> = {
  en: { nps: ['0 = not at all likely', '10 = extremely likely'], csat: ['1 = very dissatisfied', '5 = very satisfied'] },
  id: { nps: ['0 = sangat tidak mungkin', '10 = sangat mungkin'], csat: ['1 = sangat tidak puas', '5 = sangat puas'] },
};

/**
 * The survey email, English then Indonesian: the question and one link per score. It is marketing
 * mail, so it goes only to subscribers opted in and carries the unsubscribe headers the caller adds.
 */
export function composeSurveyEmail(survey: SurveyDefinition, links: readonly SurveyLink[], firstName: string | undefined, unsubscribeUrl: string) {
  const greeting = { en: firstName ? `Hello ${firstName},` : 'Hello,', id: firstName ? `Halo ${firstName},` : 'Halo,' };
  const withLang = (url: string, lang: Language) => (lang === 'en' ? url : `${url}&lang=${lang}`);
  const footer = { en: 'Click a number: one click records your answer. Stop these emails:', id: 'Klik sebuah angka: satu klik mencatat jawaban Anda. Hentikan email ini:' };
  const text = LANGUAGES.flatMap((lang) => [
    greeting[lang],
    '',
    survey.question[lang],
    `(${SCALE_ENDS[lang][survey.kind].join(', ')})`,
    ...links.map((link) => `${link.score}: ${withLang(link.url, lang)}`),
    '',
    `${footer[lang]} ${unsubscribeUrl}`,
    '',
  ]).join('\n');
  const cell = (link: SurveyLink, lang: Language) =>
    `<td style="padding:2px"><a href="${escapeHtml(withLang(link.url, lang))}" style="display:inline-block;min-width:2em;padding:.4em;border:1px solid #888;border-radius:.3em;text-align:center;text-decoration:none">${link.score}</a></td>`;
  const section = (lang: Language) =>
    `<div lang="${lang}"><p>${escapeHtml(greeting[lang])}</p><p><strong>${escapeHtml(survey.question[lang])}</strong></p><table role="presentation"><tr>${links.map((link) => cell(link, lang)).join('')}</tr></table><p>${escapeHtml(SCALE_ENDS[lang][survey.kind].join(', '))}</p><p>${escapeHtml(footer[lang])} <a href="${escapeHtml(unsubscribeUrl)}">${lang === 'en' ? 'unsubscribe' : 'berhenti berlangganan'}</a></p></div>`;
  const html = `${section('en')}<hr>${section('id')}`;
  return { subject: `${survey.subject.en} / ${survey.subject.id}`, text, html };
}

const TEXT = {
  en: {
    title: 'Thank you',
    recorded: (score: number) => `Your answer ${score} is recorded. Clicked the wrong number? Click another one in the email to change it.`,
    confirmTitle: 'Your answer',
    confirmAsk: (score: number) => `Record ${score} as your answer?`,
    confirm: 'Record my answer',
    reason: 'Choose the main reason',
    comment: 'Anything else you want to tell us? (optional)',
    send: 'Send',
    saved: 'Thank you: your reason is saved.',
    other: 'Another reason',
    invalidTitle: 'This link does not work',
    invalidIntro: 'The link is incomplete, has been changed, or its answer window has closed. Use the links in our most recent survey email.',
  },
  id: {
    title: 'Terima kasih',
    recorded: (score: number) => `Jawaban Anda ${score} telah dicatat. Salah klik? Klik angka lain di email untuk mengubahnya.`,
    confirmTitle: 'Jawaban Anda',
    confirmAsk: (score: number) => `Catat ${score} sebagai jawaban Anda?`,
    confirm: 'Catat jawaban saya',
    reason: 'Pilih alasan utama',
    comment: 'Ada hal lain yang ingin Anda sampaikan? (opsional)',
    send: 'Kirim',
    saved: 'Terima kasih: alasan Anda telah disimpan.',
    other: 'Alasan lain',
    invalidTitle: 'Tautan ini tidak berfungsi',
    invalidIntro: 'Tautan tidak lengkap, telah diubah, atau waktu menjawab sudah berakhir. Gunakan tautan di email survei terbaru kami.',
  },
} as const;


export interface FollowUpPageInput {
  readonly lang: Language;
  readonly token: string;
  readonly score: number;
  readonly question: string;
  /** The reasons offered: satisfaction reasons to promoters, problems to the others. */
  readonly reasons: readonly { readonly code: string; readonly label: string }[];
  /** After the follow-up was posted. */
  readonly saved?: boolean;
}

/** The page after a click: the answer is recorded, and a form asks why (a plain POST, no script). */
export function followUpPage({ lang, token, score, question, reasons, saved }: FollowUpPageInput): string {
  const text = TEXT[lang];
  if (saved) return linkPage(lang, text.title, '', text.saved);
  const options = [...reasons, { code: 'other', label: text.other }]
    .map((reason) => `<label><input type="radio" name="reason" value="${escapeHtml(reason.code)}"> ${escapeHtml(reason.label)}</label><br>`)
    .join('\n');
  return linkPage(
    lang,
    text.title,
    `<form method="post" action="/v1/surveys/follow-up">
<input type="hidden" name="token" value="${escapeHtml(token)}"><input type="hidden" name="lang" value="${lang}">
<fieldset>
<legend>${escapeHtml(question)} ${escapeHtml(text.reason)}</legend>
${options}
</fieldset>
<label for="comment">${escapeHtml(text.comment)}</label>
<textarea id="comment" name="comment" rows="4" maxlength="1000"></textarea>
<button type="submit">${escapeHtml(text.send)}</button>
</form>`,
    text.recorded(score),
  );
}

/**
 * Shown instead of recording when the click looks like a mail scanner's (seconds after sending, or a
 * known gateway): a button the person presses, which a scanner does not.
 */
export function confirmAnswerPage(lang: Language, token: string, score: number): string {
  const text = TEXT[lang];
  return linkPage(
    lang,
    text.confirmTitle,
    `<form method="post" action="/v1/surveys/answer?token=${encodeURIComponent(token)}&amp;lang=${lang}">
<p>${escapeHtml(text.confirmAsk(score))}</p>
<button type="submit">${escapeHtml(text.confirm)}</button>
</form>`,
  );
}

export function invalidSurveyLinkPage(lang: Language): string {
  return linkPage(lang, TEXT[lang].invalidTitle, `<p>${escapeHtml(TEXT[lang].invalidIntro)}</p>`);
}

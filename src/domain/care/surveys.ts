import * as z from 'zod/mini';
import { LANGUAGES, SubscriptionTypeId, type Language } from '../subscriptions';
import { LIFECYCLE_STAGES } from '../handoff/lifecycle';
import type { AlertClaim } from '../handoff/alert-email';

/**
 * Satisfaction surveys as data: Net Promoter Score (0-10, "how likely are you to recommend us") and
 * customer satisfaction (1-5). Each answer is one click on a signed link in an email; a follow-up page
 * asks why, with the team's standard reason lists.
 */
export const SURVEY_KINDS = ['nps', 'csat'] as const;
export type SurveyKind = (typeof SURVEY_KINDS)[number];

/** The scale of each kind: every score from `min` to `max` is one link in the email. */
export const SURVEY_SCALES: Readonly<Record<SurveyKind, { readonly min: number; readonly max: number }>> = {
  nps: { min: 0, max: 10 },
  csat: { min: 1, max: 5 },
};

export const scoresOf = (kind: SurveyKind): number[] => {
  const { min, max } = SURVEY_SCALES[kind];
  return Array.from({ length: max - min + 1 }, (_, index) => min + index);
};

/**
 * The three groups of each kind. NPS: detractors 0-6, passives 7-8, promoters 9-10 (Bain's definition).
 * CSAT: 4-5 satisfied, 3 neutral, 1-2 dissatisfied, counted as promoters, passives and detractors so
 * one reason list serves both.
 */
export const SATISFACTION_CATEGORIES = ['promoter', 'passive', 'detractor'] as const;
export type SatisfactionCategory = (typeof SATISFACTION_CATEGORIES)[number];

export function categoryOf(kind: SurveyKind, score: number): SatisfactionCategory {
  if (kind === 'nps') return score >= 9 ? 'promoter' : score >= 7 ? 'passive' : 'detractor';
  return score >= 4 ? 'promoter' : score === 3 ? 'passive' : 'detractor';
}

/** Percentages rounded to one decimal; 0 answers give undefined, never a division by zero. */
const percent = (part: number, whole: number) => Math.round((part / whole) * 1000) / 10;

export interface SatisfactionSummary {
  readonly answers: number;
  readonly promoters: number;
  readonly passives: number;
  readonly detractors: number;
  /**
   * NPS: % promoters - % detractors (-100..100). CSAT: % satisfied (4 or 5) of all answers (0..100).
   * Absent without answers.
   */
  readonly score?: number;
  readonly average?: number;
}

/** The NPS or CSAT of a set of answers, with its three groups. */
export function summarise(kind: SurveyKind, scores: readonly number[]): SatisfactionSummary {
  const count = (category: SatisfactionCategory) => scores.filter((score) => categoryOf(kind, score) === category).length;
  const promoters = count('promoter');
  const passives = count('passive');
  const detractors = count('detractor');
  if (scores.length === 0) return { answers: 0, promoters, passives, detractors };
  const score = kind === 'nps' ? Math.round((percent(promoters, scores.length) - percent(detractors, scores.length)) * 10) / 10 : percent(promoters, scores.length);
  const average = Math.round((scores.reduce((sum, value) => sum + value, 0) / scores.length) * 100) / 100;
  return { answers: scores.length, promoters, passives, detractors, score, average };
}

const Text = z.strictObject(Object.fromEntries(LANGUAGES.map((lang) => [lang, z.string().check(z.trim(), z.minLength(1, 'must not be empty'), z.maxLength(300))])) as Record<Language, z.ZodMiniString>);

export const SurveyId = z.string().check(z.regex(/^[a-z][a-z0-9-]{1,39}$/, 'must be 2-40 lower-case letters, digits or -, starting with a letter'));

/**
 * When a survey goes out by itself: every `everyDays` to customers in `stages` (and never within the
 * settings' gap after any other survey).
 */
export const SurveyRecurrence = z.strictObject({
  everyDays: z.int().check(z.gte(7), z.lte(730)),
  firstAfterDays: z._default(z.int().check(z.gte(0), z.lte(365)), 30).check(z.describe('Days after a lead becomes a customer before its first survey.')),
  stages: z._default(z.array(z.enum(LIFECYCLE_STAGES)).check(z.minLength(1)), ['customer']),
});

export const SurveyDefinition = z
  .strictObject({
    id: SurveyId,
    kind: z.enum(SURVEY_KINDS),
    question: Text.check(z.describe('The question, in every page language.')),
    followUp: Text.check(z.describe('The follow-up question asking why, in every page language.')),
    subject: Text.check(z.describe('The email subject.')),
    subscription: z._default(SubscriptionTypeId, 'product_updates').check(z.describe('Only contacts opted in to this subscription type get the survey.')),
    answerWindowDays: z._default(z.int().check(z.gte(1), z.lte(90)), 14).check(z.describe('Days after sending during which a click records or changes the answer; the links expire then.')),
    recurrence: z.optional(SurveyRecurrence),
  }).check(z.meta({ id: 'SurveyDefinition' }));
export type SurveyDefinition = z.output<typeof SurveyDefinition>;

export const DEFAULT_SURVEYS: readonly SurveyDefinition[] = [
  {
    id: 'nps',
    kind: 'nps',
    question: {
      en: 'How likely are you to recommend us to a friend or colleague?',
      id: 'Seberapa besar kemungkinan Anda merekomendasikan kami kepada teman atau kolega?',
    },
    followUp: { en: 'What is the main reason for your score?', id: 'Apa alasan utama Anda memberikan nilai tersebut?' },
    subject: { en: 'A quick question about us', id: 'Satu pertanyaan singkat tentang kami' },
    subscription: 'product_updates',
    answerWindowDays: 14,
    recurrence: { everyDays: 90, firstAfterDays: 30, stages: ['customer'] },
  },
  {
    id: 'csat',
    kind: 'csat',
    question: { en: 'How satisfied are you with the help you received?', id: 'Seberapa puas Anda dengan bantuan yang Anda terima?' },
    followUp: { en: 'What made you choose this score?', id: 'Apa yang membuat Anda memilih nilai ini?' },
    subject: { en: 'How did we do?', id: 'Bagaimana layanan kami?' },
    subscription: 'product_updates',
    answerWindowDays: 7,
  },
];

/**
 * One answer as recorded on the customer: a later click on another link of the same email replaces it
 * (within the window); `sendId` names that email.
 */
export interface SurveyAnswer {
  readonly surveyId: string;
  readonly kind: SurveyKind;
  readonly sendId: string;
  readonly score: number;
  readonly category: SatisfactionCategory;
  readonly answeredAt: string;
  readonly reason?: string;
  readonly comment?: string;
}

/** One survey email as recorded when it was sent: what its links' clicks are checked against. */
export interface SurveySend {
  readonly leadId: string;
  readonly sendId: string;
  readonly surveyId: string;
  readonly kind: SurveyKind;
  readonly sentAt: string;
  readonly status: 'sending' | 'sent';
  readonly answer?: SurveyAnswer;
}

/** The customer's latest answer of each kind: what segments, scoring and the churn risk read. */
export interface LatestSatisfaction {
  readonly nps?: SurveyAnswer;
  readonly csat?: SurveyAnswer;
}

/**
 * What a survey link carries, signed: the lead, the survey email it came in, the score it records and
 * until when. The score is inside the signature, so changing it in the URL makes a tampered link.
 */
export const SurveyLinkClaims = z.object({
  leadId: z.string().check(z.minLength(1)),
  surveyId: SurveyId,
  sendId: z.string().check(z.minLength(1), z.maxLength(64)),
  score: z.int().check(z.gte(0), z.lte(10)),
  /** Epoch seconds. */
  expiresAt: z.int(),
});
export type SurveyLinkClaims = z.infer<typeof SurveyLinkClaims>;

/** Epoch seconds at which the links of a survey sent at `sentAt` stop working. */
export const answerDeadline = (survey: Pick<SurveyDefinition, 'answerWindowDays'>, sentAt: string) => Math.floor(Date.parse(sentAt) / 1000) + survey.answerWindowDays * 86_400;

/**
 * Whether a survey may go to a customer now: `everyDays` since the last of this survey (0 for one asked
 * for, not recurring) and `gapDays` since any survey, so nobody is surveyed twice within the gap.
 */
export function surveyDue(everyDays: number, gapDays: number, lastOfThisSurvey: string | undefined, lastOfAnySurvey: string | undefined, now: string): boolean {
  const daysSince = (at: string | undefined) => (at ? (Date.parse(now) - Date.parse(at)) / 86_400_000 : Number.POSITIVE_INFINITY);
  return daysSince(lastOfThisSurvey) >= everyDays && daysSince(lastOfAnySurvey) >= gapDays;
}

/** A survey send's claim; one already sent says when its email went out. */
export type SurveySendClaim = Exclude<AlertClaim, { outcome: 'already-sent' }> | { readonly outcome: 'already-sent'; readonly sentAt: string };

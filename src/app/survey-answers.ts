import { OPTIMISTIC_ATTEMPTS, pauseBeforeRetry } from './optimistic-retry';
import type { EventPublisher, LeadReader, Log } from './ports';
import { looksLikeScanner } from '../domain/campaigns/tracking';
import type { CareSettings, CustomerCare } from '../domain/care/customer';
import { verifySurveyLink } from '../domain/care/survey-links';
import { categoryOf, type SurveyAnswer, type SurveyDefinition, type SurveySend } from '../domain/care/surveys';

export type { SurveySend };
import type { KeyRing } from '../domain/consent/signed-token';
import { describeError, LeadBusy, Unavailable } from '../domain/errors';
import { DetailType } from '../domain/events';
import type { Lead } from '../domain/lead';

/**
 * Survey emails and their answers. `recordAnswer` writes the answer on its send record and the lead's
 * care record together, against the lead's version it read.
 */
export interface SurveyRecords {
  getSend(leadId: string, sendId: string): Promise<SurveySend | undefined>;
  recordAnswer(lead: Pick<Lead, 'id' | 'version'>, send: SurveySend, answer: SurveyAnswer, care: CustomerCare): Promise<'recorded' | 'lead-changed'>;
}

export interface SurveyAnswerDependencies {
  readonly keyRing: () => Promise<KeyRing>;
  readonly settings: { settings(): Promise<CareSettings> };
  readonly leads: LeadReader;
  readonly surveys: SurveyRecords;
  readonly publisher: EventPublisher;
  readonly log: Log;
}

/** Who clicked: a scanner's fetch records nothing. */
export interface Click {
  readonly userAgent?: string | undefined;
  /** A POST from the page's button: a person pressed it. */
  readonly confirmed: boolean;
}

export type AnswerOutcome =
  | { readonly outcome: 'invalid' }
  /** Looks like a mail scanner: the page asks the person to press a button. */
  | { readonly outcome: 'confirm'; readonly token: string; readonly score: number }
  | { readonly outcome: 'recorded'; readonly token: string; readonly answer: SurveyAnswer; readonly survey: SurveyDefinition; readonly reasons: CareSettings['reasons'] };

export type FollowUpOutcome = { readonly outcome: 'invalid' } | { readonly outcome: 'saved' } | { readonly outcome: 'unknown-reason' };

/** The reasons the follow-up page offers: what promoters like, else the problems. */
export const followUpReasons = (reasons: CareSettings['reasons'], answer: Pick<SurveyAnswer, 'category'>) => (answer.category === 'promoter' ? reasons.satisfaction : reasons.problems);

export const MAX_COMMENT_LENGTH = 1000;

/**
 * The public side of surveys: a click on a signed score link records the answer (a later click of
 * another score of the same email changes it, while the links last), a follow-up adds the reason and
 * a comment. Links that are tampered with, expired, or name an email never sent record nothing.
 */
/** When a customer may click again after the bus refused the announcement. */
const RETRY_AFTER_SECONDS = 5;

export class SurveyAnswers {
  constructor(private readonly deps: SurveyAnswerDependencies) {}

  async answer(token: string | undefined, click: Click, correlationId: string, now: Date): Promise<AnswerOutcome> {
    const found = await this.find(token, now);
    if (!found || !token) return { outcome: 'invalid' };
    const { claims, survey, send, reasons } = found;
    if (!click.confirmed && looksLikeScanner((now.getTime() - Date.parse(send.sentAt)) / 1000, click.userAgent)) {
      return { outcome: 'confirm', token, score: claims.score };
    }
    const answeredAt = now.toISOString();
    const sameScore = send.answer?.score === claims.score;
    const answer: SurveyAnswer = {
      surveyId: survey.id,
      kind: survey.kind,
      sendId: send.sendId,
      score: claims.score,
      category: categoryOf(survey.kind, claims.score),
      // A repeated click of the same score keeps the answer (and its reason) as it was.
      answeredAt: sameScore && send.answer ? send.answer.answeredAt : answeredAt,
      ...(sameScore && send.answer?.reason ? { reason: send.answer.reason } : {}),
      ...(sameScore && send.answer?.comment ? { comment: send.answer.comment } : {}),
    };
    const lead = await this.write(claims.leadId, send, answer);
    if (!lead) return { outcome: 'invalid' };
    try {
      await this.deps.publisher.publish([
        {
          detailType: DetailType.SurveyAnswered,
          detail: { version: 1, correlationId, leadId: lead.id, surveyId: survey.id, kind: survey.kind, sendId: send.sendId, score: answer.score, category: answer.category, answeredAt: answer.answeredAt },
        },
      ]);
    } catch (error) {
      // The answer is kept; clicking the same link again announces it (the same score keeps the answer as it was).
      this.deps.log.error('Survey answer recorded but not announced', { leadId: lead.id, sendId: send.sendId, error: describeError(error) });
      throw new Unavailable('Your answer is saved, but not yet passed on; please click the link again in a moment', RETRY_AFTER_SECONDS);
    }
    this.deps.log.info('Survey answered', { leadId: lead.id, surveyId: survey.id, sendId: send.sendId, changed: send.answer !== undefined && !sameScore });
    return { outcome: 'recorded', token, answer, survey, reasons };
  }

  /** The reason (a code of the offered list, or `other`) and comment, added to the answer of the link's email. */
  async followUp(token: string | undefined, reason: string | undefined, comment: string | undefined, now: Date): Promise<FollowUpOutcome> {
    const found = await this.find(token, now);
    if (!found?.send.answer) return { outcome: 'invalid' };
    const { send, reasons } = found;
    const answer = send.answer;
    if (!answer) return { outcome: 'invalid' };
    if (reason !== undefined && reason !== 'other' && !followUpReasons(reasons, answer).some((offered) => offered.code === reason)) return { outcome: 'unknown-reason' };
    const trimmed = comment?.trim().slice(0, MAX_COMMENT_LENGTH);
    const withReason: SurveyAnswer = { ...answer, ...(reason ? { reason } : {}), ...(trimmed ? { comment: trimmed } : {}) };
    return (await this.write(send.leadId, send, withReason)) ? { outcome: 'saved' } : { outcome: 'invalid' };
  }

  private async find(token: string | undefined, now: Date) {
    const check = verifySurveyLink(await this.deps.keyRing(), token, Math.floor(now.getTime() / 1000));
    if (!check.valid) {
      this.deps.log.info('Survey link refused', { reason: check.reason });
      return undefined;
    }
    const { claims } = check;
    const settings = await this.deps.settings.settings();
    const survey = settings.surveys.find((candidate) => candidate.id === claims.surveyId);
    const send = await this.deps.surveys.getSend(claims.leadId, claims.sendId);
    if (!survey || !send || send.surveyId !== survey.id || survey.kind !== send.kind) return undefined;
    return { claims, survey, send, reasons: settings.reasons };
  }

  /**
   * The answer on its send and as the lead's latest of its kind, retried while other writes change the
   * lead; undefined when the lead is gone (erased).
   */
  private async write(leadId: string, send: SurveySend, answer: SurveyAnswer): Promise<Lead | undefined> {
    for (let attempt = 0; attempt < OPTIMISTIC_ATTEMPTS; attempt += 1) {
      if (attempt > 0) await pauseBeforeRetry(attempt);
      const lead = await this.deps.leads.getLead(leadId);
      if (!lead) return undefined;
      const care: CustomerCare = { ...lead.care, satisfaction: { ...lead.care?.satisfaction, [answer.kind]: answer } };
      if ((await this.deps.surveys.recordAnswer(lead, send, answer, care)) === 'recorded') return lead;
    }
    throw new LeadBusy(leadId, OPTIMISTIC_ATTEMPTS);
  }
}

import { createHash } from 'node:crypto';
import type { SurveyDefinition } from './surveys';

const DAY_MS = 86_400_000;

/**
 * How far the backfilled timers of customers already due are spread: a backfill over thousands of
 * customers must not send thousands of surveys (or reassess thousands of customers) in one minute.
 */
export const BACKFILL_SPREAD_MS = DAY_MS;

/** A fixed point within the spread for each lead (and purpose): the same on every run, so a repeat computes the same time. */
export function spreadOffsetMs(key: string): number {
  return createHash('sha256').update(key).digest().readUInt32BE(0) % BACKFILL_SPREAD_MS;
}

/** When a customer who has no daily reassessment timer gets its first: within the next day. */
export const backfilledReassessmentAt = (leadId: string, now: Date): Date => new Date(now.getTime() + spreadOffsetMs(`reassess#${leadId}`));

/**
 * When a customer who has no timer for a recurring survey gets it: `everyDays` after its last answer
 * request of that survey, or `firstAfterDays` after it entered its stage, and not before a point
 * within the next day (so overdue customers are spread). The send-time checks (consent, suppression,
 * the gap after any survey) still decide whether the email goes.
 */
export function backfilledSurveyAt(
  survey: Pick<SurveyDefinition, 'id'> & { readonly recurrence: NonNullable<SurveyDefinition['recurrence']> },
  customer: { readonly leadId: string; readonly lastSurveyedAt?: string | undefined; readonly inStageSince?: string | undefined },
  now: Date,
): Date {
  const { everyDays, firstAfterDays } = survey.recurrence;
  const earliest = now.getTime() + spreadOffsetMs(`survey#${survey.id}#${customer.leadId}`);
  const lastSent = customer.lastSurveyedAt ? Date.parse(customer.lastSurveyedAt) : Number.NaN;
  const since = customer.inStageSince ? Date.parse(customer.inStageSince) : Number.NaN;
  const due = Number.isFinite(lastSent) ? lastSent + everyDays * DAY_MS : Number.isFinite(since) ? since + firstAfterDays * DAY_MS : earliest;
  return new Date(Math.max(due, earliest));
}

/**
 * What of the care defaults shipped in the code decides which timers customers have: each recurring
 * survey's id, stages and intervals. A deploy whose fingerprint differs from the last runs the backfill.
 */
export function careTimersFingerprint(surveys: readonly SurveyDefinition[]): string {
  const recurring = surveys.flatMap((survey) => (survey.recurrence ? [{ id: survey.id, ...survey.recurrence }] : []));
  return createHash('sha256').update(JSON.stringify(recurring)).digest('hex').slice(0, 16);
}

/** Whether two survey lists differ in what decides customers' recurring timers. */
export const recurringSurveysChanged = (before: readonly SurveyDefinition[], after: readonly SurveyDefinition[]) => careTimersFingerprint(before) !== careTimersFingerprint(after);

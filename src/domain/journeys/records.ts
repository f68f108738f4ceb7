import type { JourneyDefinition, JourneyStatus } from './definition';
import type { CountChange, EnrolmentState } from './interpreter';
import type { LeadCursor } from '../lead-listing';

/** What the journey engine stores, as its use cases and the table's adapters both see it. */

/** An enrolment as stored: its state and the revision every save checks and bumps. */
export type StoredEnrolment = EnrolmentState & { readonly rev: number };

/** The key of one step of one run of an enrolment: what a claim is taken under. */
export interface StepKey {
  readonly leadId: string;
  readonly journeyId: string;
  readonly run: number;
  readonly seq: number;
}

/** Names a step run in the changes and events its effect makes, so each is applied once. */
export const onceKey = (key: StepKey) => `journey:${key.journeyId}:${key.run}:${key.seq}`;

/**
 * What a step's claim records: held while its effect is under way, then how it ended. An email or
 * notify step is `handed` to send-journey-email once its event is out, `sending` while that function
 * sends it (since `sendingAt`), then ends the same way.
 */
export type StepRecord = { readonly status: 'claimed' | 'handed' | 'sending' | 'done' | 'skipped' | 'interrupted'; readonly stepId: string; readonly claimedAt: string; readonly sendingAt?: string; readonly reason?: string };
export type StepClaim = { readonly outcome: 'claimed' } | { readonly outcome: 'exists'; readonly record: StepRecord };

/** How a handed step run ended, as its record keeps it. */
export type EmailStepEnd = { readonly status: 'done' | 'skipped' | 'interrupted'; readonly reason?: string };

/** What taking a handed step run for sending found: taken; being sent or ended; or not handed (no such claim, or given back). */
export type EmailStepTake = { readonly outcome: 'taken' } | { readonly outcome: 'exists'; readonly record: StepRecord } | { readonly outcome: 'not-handed' };

/**
 * Counters of a journey's report, moved with the save that made them true; an email's opens and
 * clicks are moved by its SES events, once per step run and metric.
 */
export type ReportCount = CountChange | { readonly metric: 'email'; readonly stepId: string; readonly outcome: 'sent' | 'skipped' | 'interrupted' | 'opened' | 'clicked'; readonly reason?: string };

/** A published (or paused) journey version, as entry matching reads it. */
export interface LiveJourney {
  readonly journeyId: string;
  readonly version: number;
  readonly status: 'published' | 'paused';
  readonly definition: JourneyDefinition;
}

/** A follow-up task for sales, kept under its lead. */
export interface SalesTask {
  readonly leadId: string;
  readonly title: string;
  readonly dueAt: string;
  readonly createdAt: string;
  /** `journey:<journeyId>`: where it came from. */
  readonly source: string;
  readonly assignee: string;
}

/** A journey's report: the journey as a whole, each step, each split arm. */
export interface JourneyReport {
  readonly journeyId: string;
  readonly name: string;
  readonly status: JourneyStatus;
  readonly publishedVersion?: number;
  readonly entered: number;
  readonly waiting: number;
  readonly completed: number;
  readonly exited: number;
  readonly exitedBy: Readonly<Record<string, number>>;
  readonly goalReached: number;
  readonly steps: readonly {
    readonly stepId: string;
    readonly type: string;
    readonly entered: number;
    readonly emails?: { readonly sent: number; readonly skipped: number; readonly interrupted: number; readonly opened: number; readonly clicked: number; readonly skippedBy: Readonly<Record<string, number>> };
    readonly arms?: Readonly<Record<string, number>>;
  }[];
}

/** Where the round of date entries over every lead stands: when it started, and the next page (none: the round is over). */
export interface DateRound {
  readonly startedAt: string;
  readonly cursor?: LeadCursor;
  /** The published date journeys (`<journeyId>@<version>`) the round started for: one published since starts the next round at once. */
  readonly journeys?: readonly string[];
  /** Bumped by every save; a save at another revision is refused, so two sweeps never walk the same round. */
  readonly rev: number;
}

/** What a move of every enrolled lead has done so far. */
export interface MoveAllCounts {
  /** Leads looked at in the current phase. */
  readonly leadsRead: number;
  readonly moved: number;
  readonly alreadyThere: number;
  readonly ended: number;
  /** Moved on by their runner into a step the version lacks between the check and the move: left on their version. */
  readonly refused: number;
  /** Their runner kept moving them while they were moved: left on their version; a later move takes them. */
  readonly changedMeanwhile: number;
}

/**
 * A move of every enrolled lead of a journey to one version, in two passes over the leads from a
 * stored cursor: `checking` (nobody moves; a lead waiting at a step the version lacks ends it as
 * `refused`, with how many wait at each such step), then `moving`; `done` at the end.
 */
export interface MoveAll {
  readonly journeyId: string;
  readonly version: number;
  readonly phase: 'checking' | 'moving' | 'done' | 'refused';
  readonly cursor?: LeadCursor;
  /** Enrolled leads found by the check, by the step where each is (its step id, or `(start)`). */
  readonly enrolled: number;
  /** Steps the version lacks (or has as another kind), with the leads waiting there and why. */
  readonly refusals: readonly { readonly stepId: string; readonly leads: number; readonly reason: string }[];
  readonly counts: MoveAllCounts;
  readonly startedAt: string;
  readonly updatedAt: string;
}

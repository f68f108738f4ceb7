import type { LeadStageChangedDetail } from '../events';
import type { Lead, LeadProfile } from '../lead';
import type { ScoreState } from '../scoring/engine';

/**
 * Lifecycle stages of a lead, in funnel order, then the side stages: `disqualified` (never a
 * customer), `recycled` (back to nurture, to earn a new qualification) and `churned` (a customer who
 * left, with an exit reason).
 */
export const LIFECYCLE_STAGES = ['subscriber', 'lead', 'mql', 'sql', 'opportunity', 'customer', 'disqualified', 'recycled', 'churned'] as const;
export type LifecycleStage = (typeof LIFECYCLE_STAGES)[number];

/** The funnel's main line: conversion is reported between each stage and the next. */
export const FUNNEL_STAGES = ['subscriber', 'lead', 'mql', 'sql', 'opportunity', 'customer'] as const satisfies readonly LifecycleStage[];

/** Why a stage changed. */
export const TRANSITION_CAUSES = ['form', 'qualified', 'accepted', 'rejected', 'won', 'lost', 'disqualified', 'crm', 'churned', 'journey'] as const;
export type TransitionCause = (typeof TRANSITION_CAUSES)[number];

/**
 * The one table of allowed stage changes, as a B2B sales process runs them:
 * - a subscriber fills a form (lead), or qualifies on engagement alone (mql);
 * - sales accepts an MQL (sql) or rejects it back to nurture (recycled);
 * - an SQL becomes an opportunity, or is recycled when it goes nowhere;
 * - an opportunity is closed won (customer) or lost (recycled, or disqualified when it means "never");
 * - a recycled lead re-qualifies (mql);
 * - a person may disqualify a lead at any stage, and reopen a disqualified one into nurture (recycled);
 * - a customer that leaves is churned (with an exit reason), or goes back to nurture (recycled);
 * - a churned customer who buys again is a customer, or is nurtured again (recycled).
 */
export const ALLOWED_TRANSITIONS: Readonly<Record<LifecycleStage, readonly LifecycleStage[]>> = {
  subscriber: ['lead', 'mql', 'disqualified'],
  lead: ['mql', 'disqualified'],
  mql: ['sql', 'recycled', 'disqualified'],
  sql: ['opportunity', 'recycled', 'disqualified'],
  opportunity: ['customer', 'recycled', 'disqualified'],
  customer: ['churned', 'recycled', 'disqualified'],
  recycled: ['mql', 'disqualified'],
  disqualified: ['recycled'],
  churned: ['customer', 'recycled', 'disqualified'],
};

/** One stage change, as recorded (append-only) and published. */
export interface StageTransition {
  readonly from: LifecycleStage;
  readonly to: LifecycleStage;
  readonly cause: TransitionCause;
  /** Who made the change: `leadflow` for automatic changes, a rep's id, or the CRM. */
  readonly actor: string;
  readonly at: string;
  readonly reason?: string;
}

export type TransitionResult =
  | { readonly ok: true; readonly transition: StageTransition }
  | { readonly ok: false; readonly from: LifecycleStage; readonly to: LifecycleStage; readonly allowed: readonly LifecycleStage[]; readonly message: string };

export const allowedFrom = (from: LifecycleStage): readonly LifecycleStage[] => ALLOWED_TRANSITIONS[from];

/** A stage change if the table allows it; otherwise a refusal naming what `from` allows. */
export function transition(from: LifecycleStage, to: LifecycleStage, cause: TransitionCause, actor: string, at: string, reason?: string): TransitionResult {
  const allowed = allowedFrom(from);
  if (!allowed.includes(to)) {
    return { ok: false, from, to, allowed, message: `A lead in stage ${from} cannot move to ${to}; from ${from} it can move to ${allowed.join(', ')}` };
  }
  return { ok: true, transition: { from, to, cause, actor, at, ...(reason ? { reason } : {}) } };
}

/** The stages a new lead enters the funnel at. */
export type EntryStage = Extract<LifecycleStage, 'subscriber' | 'lead'>;

/**
 * The stage a lead is created in: `lead` when a form told us about the person (any profile field or
 * custom attribute), `subscriber` when all we have is an address (a newsletter sign-up, an identified
 * tracking event, a purchase import).
 */
export const entryStage = (toldAboutThemselves: boolean): EntryStage => (toldAboutThemselves ? 'lead' : 'subscriber');

/** A lead's first stage, recorded with its creation (`from: null`): where the funnel counts it from. */
export interface StageEntry {
  readonly from: null;
  readonly to: EntryStage;
  readonly cause: 'created';
  readonly actor: string;
  readonly at: string;
}

export const stageEntry = (to: EntryStage, at: string): StageEntry => ({ from: null, to, cause: 'created', actor: 'leadflow', at });

/** What a lead's stage history holds: its entry, then every transition. */
export type RecordedStageChange = StageTransition | StageEntry;

/**
 * The lead's stage: the stored one (every lead created since stages were recorded has one), or for an
 * older lead never moved, `lead` when it came through a form and `subscriber` otherwise.
 */
export function currentStage(lead: Pick<Lead, 'stage' | 'firstTouch' | 'lastTouch'>): LifecycleStage {
  if (lead.stage) return lead.stage;
  return lead.firstTouch.formId || lead.lastTouch.formId ? 'lead' : 'subscriber';
}

/** An MQL reached from the top of the funnel (not a recycled lead re-qualifying): what "time to MQL" measures. */
export const isFirstQualification = (change: Pick<RecordedStageChange, 'from' | 'to'>) =>
  change.to === 'mql' && (change.from === 'subscriber' || change.from === 'lead');

/** What a won or lost deal was worth, as sales reported it. */
export interface Deal {
  readonly amount: number;
  readonly currency: string;
  readonly billingFrequency?: 'one_time' | 'monthly' | 'quarterly' | 'yearly';
}

/** One change of a lead, written in one transaction guarded by the version it was computed from. */
export interface LeadChange {
  readonly lead: Pick<Lead, 'id' | 'version' | 'scoreVersion' | 'createdAt' | 'owner' | 'wonAt'>;
  readonly at: string;
  readonly transition?: StageTransition;
  readonly deal?: Deal;
  /** The lead's score after the change (a recycled lead's engagement is reset). */
  readonly score?: ScoreState;
  /** Contact fields to set (custom attributes as the whole new map); others are kept. */
  readonly contact?: Pick<LeadProfile, 'firstName' | 'lastName' | 'company' | 'phone' | 'role'> & { readonly attributes?: Lead['attributes'] };
  readonly crmUpdatedAt?: string;
  /** Keys the change by its origin, so a repeated origin changes nothing. */
  readonly onceKey?: string;
  /** The `lead.stage-changed` detail kept with the stage until it is on the bus. */
  readonly stageChanged?: LeadStageChangedDetail;
}

/** The outcome of one change's write: `lead-changed` means the lead moved on meanwhile, so read it again. */
export type LeadChangeWrite = 'applied' | 'already-applied' | 'lead-changed';

import type { BacktestSummary } from './backtest';
import type { Ruleset } from './ruleset';

export type RulesetStatus = 'draft' | 'active' | 'retired';

/** A ruleset version as kept: drafts may be replaced; once activated a version never changes. */
export interface StoredRuleset {
  readonly version: string;
  readonly status: RulesetStatus;
  readonly ruleset: Ruleset;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly builtIn?: boolean;
  readonly backtest?: BacktestSummary;
  readonly activatedAt?: string;
  readonly rescoreJobId?: string;
  readonly retiredAt?: string;
}

/** Progress of rescoring every lead after an activation. */
export interface RescoreJob {
  readonly jobId: string;
  readonly rulesetVersion: string;
  readonly previousVersion: string;
  readonly startedAt: string;
  readonly updatedAt: string;
  /** Leads found so far; final once `planned` is true. */
  readonly total: number;
  readonly done: number;
  readonly planned: boolean;
}

export type DraftWrite = 'saved' | 'not-a-draft';
export type Activation = { readonly outcome: 'activated'; readonly job: RescoreJob } | { readonly outcome: 'not-found' | 'not-backtested' | 'not-a-draft' | 'changed-meanwhile' };

import { replay, scoreAt, type ScoredEvent } from './engine';
import type { Ruleset } from './ruleset';

export interface BacktestWindow {
  readonly from: string;
  readonly to: string;
}

export interface HistogramBucket {
  /** Inclusive lower bound; the first bucket has none (every score below the next bound). */
  readonly from?: number;
  /** Exclusive upper bound; the last bucket has none. */
  readonly to?: number;
  readonly leads: number;
}

export interface RulesetOutcome {
  readonly version: string;
  /** Leads that qualified at least once in the window. */
  readonly mqls: number;
  /** Leads still qualified at the end of the window. */
  readonly qualifiedAtEnd: number;
  /** Qualifications by the ISO week (Monday, UTC) they happened in. */
  readonly mqlsPerWeek: readonly { readonly week: string; readonly mqls: number }[];
  /** Total scores at the end of the window. */
  readonly histogram: readonly HistogramBucket[];
}

export interface RuleMovement {
  readonly ruleId: string;
  readonly description: string;
  readonly draftPoints: number;
  readonly activePoints: number;
  readonly delta: number;
}

export interface BacktestReport {
  readonly window: BacktestWindow;
  readonly leads: number;
  readonly events: number;
  readonly draft: RulesetOutcome;
  readonly active: RulesetOutcome;
  /** Leads that qualify under the draft and not under the active ruleset (ids: the first few). */
  readonly newlyQualified: { readonly leads: number; readonly leadIds: readonly string[] };
  readonly droppedOut: { readonly leads: number; readonly leadIds: readonly string[] };
  /** Rules whose points across all leads differ most between the two rulesets. */
  readonly ruleMovers: readonly RuleMovement[];
}

/** What a ruleset keeps of its last back-test. */
export type BacktestSummary = Pick<BacktestReport, 'window' | 'leads' | 'events'> & {
  readonly ranAt: string;
  readonly against: string;
  readonly draftMqls: number;
  readonly activeMqls: number;
  readonly newlyQualified: number;
  readonly droppedOut: number;
};

const BUCKET_WIDTH = 20;
const BUCKET_LIMIT = 200;
const IDS_SHOWN = 25;
const MOVERS_SHOWN = 10;
const MS_PER_DAY = 86_400_000;

function weekOf(at: string): string {
  const day = new Date(at.slice(0, 10));
  const sinceMonday = (day.getUTCDay() + 6) % 7;
  return new Date(day.getTime() - sinceMonday * MS_PER_DAY).toISOString().slice(0, 10);
}

class Tally {
  mqls = 0;
  qualifiedAtEnd = 0;
  readonly perWeek = new Map<string, number>();
  readonly buckets = new Map<number, number>();
  readonly rulePoints = new Map<string, number>();

  constructor(readonly ruleset: Ruleset) {}

  /** Scores one lead's window of history; says whether the lead qualified in it. */
  add(events: readonly ScoredEvent[], lead: Readonly<Record<string, unknown>>, to: string): boolean {
    const { state, qualifications } = replay(events, lead, this.ruleset);
    if (!state) return false;
    for (const qualification of qualifications) {
      const week = weekOf(qualification.qualifiedAt);
      this.perWeek.set(week, (this.perWeek.get(week) ?? 0) + 1);
    }
    const atEnd = scoreAt(state, lead, this.ruleset, to);
    if (atEnd.qualified) this.qualifiedAtEnd += 1;
    const bucket = Math.min(BUCKET_LIMIT, Math.max(-BUCKET_WIDTH, Math.floor(atEnd.total / BUCKET_WIDTH) * BUCKET_WIDTH));
    this.buckets.set(bucket, (this.buckets.get(bucket) ?? 0) + 1);
    for (const [ruleId, tally] of Object.entries(atEnd.tallies)) this.rulePoints.set(ruleId, (this.rulePoints.get(ruleId) ?? 0) + tally.points);
    if (qualifications.length) this.mqls += 1;
    return qualifications.length > 0;
  }

  outcome(): RulesetOutcome {
    const histogram: HistogramBucket[] = [];
    for (let bound = -BUCKET_WIDTH; bound <= BUCKET_LIMIT; bound += BUCKET_WIDTH) {
      histogram.push({
        ...(bound > -BUCKET_WIDTH ? { from: bound } : {}),
        ...(bound < BUCKET_LIMIT ? { to: bound + BUCKET_WIDTH } : {}),
        leads: this.buckets.get(bound) ?? 0,
      });
    }
    return {
      version: this.ruleset.version,
      mqls: this.mqls,
      qualifiedAtEnd: this.qualifiedAtEnd,
      mqlsPerWeek: [...this.perWeek].sort(([a], [b]) => a.localeCompare(b)).map(([week, mqls]) => ({ week, mqls })),
      histogram,
    };
  }
}

/**
 * Replays recorded history through a draft and the active ruleset with the live scoring engine and
 * compares them. Pure: the caller feeds it each lead's events of the window, one lead at a time, so
 * memory stays bounded by the largest history rather than the window.
 */
export class Backtest {
  private readonly draft: Tally;
  private readonly active: Tally;
  private leads = 0;
  private events = 0;
  private readonly newlyQualified: string[] = [];
  private readonly droppedOut: string[] = [];

  constructor(
    draft: Ruleset,
    active: Ruleset,
    private readonly window: BacktestWindow,
  ) {
    this.draft = new Tally(draft);
    this.active = new Tally(active);
  }

  addLead(leadId: string, lead: Readonly<Record<string, unknown>>, events: readonly ScoredEvent[]): void {
    const inWindow = events.filter((event) => event.occurredAt >= this.window.from && event.occurredAt < this.window.to);
    if (!inWindow.length) return;
    this.leads += 1;
    this.events += inWindow.length;
    const underDraft = this.draft.add(inWindow, lead, this.window.to);
    const underActive = this.active.add(inWindow, lead, this.window.to);
    if (underDraft && !underActive) this.newlyQualified.push(leadId);
    if (underActive && !underDraft) this.droppedOut.push(leadId);
  }

  report(): BacktestReport {
    const ruleIds = new Set([...this.draft.rulePoints.keys(), ...this.active.rulePoints.keys()]);
    const descriptions = new Map([...this.active.ruleset.rules, ...this.draft.ruleset.rules].map((rule) => [rule.id, rule.description]));
    const ruleMovers = [...ruleIds]
      .map((ruleId) => {
        const draftPoints = this.draft.rulePoints.get(ruleId) ?? 0;
        const activePoints = this.active.rulePoints.get(ruleId) ?? 0;
        return { ruleId, description: descriptions.get(ruleId) ?? ruleId, draftPoints, activePoints, delta: draftPoints - activePoints };
      })
      .filter((movement) => movement.delta !== 0)
      .sort((a, b) => Math.abs(b.delta) - Math.abs(a.delta) || a.ruleId.localeCompare(b.ruleId))
      .slice(0, MOVERS_SHOWN);
    return {
      window: this.window,
      leads: this.leads,
      events: this.events,
      draft: this.draft.outcome(),
      active: this.active.outcome(),
      newlyQualified: { leads: this.newlyQualified.length, leadIds: this.newlyQualified.slice(0, IDS_SHOWN) },
      droppedOut: { leads: this.droppedOut.length, leadIds: this.droppedOut.slice(0, IDS_SHOWN) },
      ruleMovers,
    };
  }
}

export function summarise(report: BacktestReport, ranAt: string): BacktestSummary {
  return {
    ranAt,
    window: report.window,
    leads: report.leads,
    events: report.events,
    against: report.active.version,
    draftMqls: report.draft.mqls,
    activeMqls: report.active.mqls,
    newlyQualified: report.newlyQualified.leads,
    droppedOut: report.droppedOut.leads,
  };
}

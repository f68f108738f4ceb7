import { percentile } from '../statistics';
import { replayScore, round, type ScoredEvent } from './engine';
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

/**
 * What the back-test knows of a lead beyond its scoring view: when it was closed won, and where its
 * MQL alert would go (the owner it keeps, or a team whose round-robin decides).
 */
export interface LeadOutcome {
  /** When sales last sent the lead back to nurture: the replay resets its engagement there too. */
  readonly recycledAt?: string;
  readonly wonAt?: string;
  readonly route?: { readonly ownerRepId: string; readonly teamId: string } | { readonly teamId: string };
}

/** The reps of each routing team, in round-robin order: who the replayed alerts would reach. */
export type RoutingTeams = ReadonlyMap<string, readonly string[]>;

/** Closed-won leads a ruleset would have qualified before they were won, and how early. */
export interface ClosedWonCatch {
  /** Back-tested leads closed won after the window opened. */
  readonly leads: number;
  /** Of those, the ones the ruleset qualified in the window, at or before the win. */
  readonly caught: number;
  readonly ratePercent: number | null;
  /** Median days from the ruleset's first qualification of a caught lead to its win. */
  readonly medianDaysBeforeWin: number | null;
}

/** The MQL alerts a ruleset would send each rep (and each team inbox, for teams without reps). */
export interface AlertLoad {
  readonly perRep: readonly { readonly repId: string; readonly teamId: string; readonly alerts: number; readonly busiestWeek?: { readonly week: string; readonly alerts: number } }[];
  readonly teamInbox: readonly { readonly teamId: string; readonly alerts: number }[];
  /** Alerts of leads the routing does not know (no routing configured). */
  readonly unrouted: number;
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
  readonly closedWon: ClosedWonCatch;
  readonly alertLoad: AlertLoad;
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

interface ReplayedAlert {
  readonly leadId: string;
  readonly at: string;
  readonly route: LeadOutcome['route'];
}

/**
 * Hands the replayed alerts out as live routing would, in time order: a lead's kept owner gets its
 * alerts; otherwise its team's reps take turns, and a lead keeps the rep its first alert went to.
 * Capacity is left out: when reps would have answered their leads is not known.
 */
function alertLoad(alerts: readonly ReplayedAlert[], teams: RoutingTeams): AlertLoad {
  const turn = new Map<string, number>();
  const ownerOf = new Map<string, { repId: string; teamId: string }>();
  const perRep = new Map<string, { repId: string; teamId: string; alerts: number; weeks: Map<string, number> }>();
  const inbox = new Map<string, number>();
  let unrouted = 0;
  for (const alert of [...alerts].sort((a, b) => a.at.localeCompare(b.at))) {
    const route = alert.route;
    if (!route) {
      unrouted += 1;
      continue;
    }
    let owner = 'ownerRepId' in route ? { repId: route.ownerRepId, teamId: route.teamId } : ownerOf.get(alert.leadId);
    if (!owner) {
      const reps = teams.get(route.teamId) ?? [];
      const position = turn.get(route.teamId) ?? 0;
      const repId = reps[position % Math.max(1, reps.length)];
      if (!repId) {
        inbox.set(route.teamId, (inbox.get(route.teamId) ?? 0) + 1);
        continue;
      }
      turn.set(route.teamId, position + 1);
      owner = { repId, teamId: route.teamId };
      ownerOf.set(alert.leadId, owner);
    }
    const load = perRep.get(owner.repId) ?? { ...owner, alerts: 0, weeks: new Map<string, number>() };
    load.alerts += 1;
    const week = weekOf(alert.at);
    load.weeks.set(week, (load.weeks.get(week) ?? 0) + 1);
    perRep.set(owner.repId, load);
  }
  return {
    perRep: [...perRep.values()]
      .map(({ weeks, ...load }) => {
        const [week, alerts] = [...weeks].sort(([weekA, a], [weekB, b]) => b - a || weekA.localeCompare(weekB))[0] ?? [];
        return { ...load, ...(week && alerts ? { busiestWeek: { week, alerts } } : {}) };
      })
      .sort((a, b) => b.alerts - a.alerts || a.repId.localeCompare(b.repId)),
    teamInbox: [...inbox].map(([teamId, alerts]) => ({ teamId, alerts })).sort((a, b) => b.alerts - a.alerts || a.teamId.localeCompare(b.teamId)),
    unrouted,
  };
}

class Tally {
  mqls = 0;
  qualifiedAtEnd = 0;
  wonLeads = 0;
  readonly daysBeforeWin: number[] = [];
  readonly alerts: ReplayedAlert[] = [];
  readonly perWeek = new Map<string, number>();
  readonly buckets = new Map<number, number>();
  readonly rulePoints = new Map<string, number>();

  constructor(readonly ruleset: Ruleset) {}

  /** Scores one lead's window of history; says whether the lead qualified in it. */
  add(leadId: string, events: readonly ScoredEvent[], lead: Readonly<Record<string, unknown>>, to: string, outcome: LeadOutcome): boolean {
    const { score, qualifications } = replayScore(events, lead, this.ruleset, outcome.recycledAt);
    if (outcome.wonAt) {
      this.wonLeads += 1;
      const first = qualifications[0]?.qualifiedAt;
      if (first && first <= outcome.wonAt) this.daysBeforeWin.push((Date.parse(outcome.wonAt) - Date.parse(first)) / MS_PER_DAY);
    }
    if (!score) return false;
    for (const qualification of qualifications) {
      const week = weekOf(qualification.qualifiedAt);
      this.perWeek.set(week, (this.perWeek.get(week) ?? 0) + 1);
      this.alerts.push({ leadId, at: qualification.qualifiedAt, route: outcome.route });
    }
    const atEnd = score.readAt(to);
    if (atEnd.qualified) this.qualifiedAtEnd += 1;
    const bucket = Math.min(BUCKET_LIMIT, Math.max(-BUCKET_WIDTH, Math.floor(atEnd.total / BUCKET_WIDTH) * BUCKET_WIDTH));
    this.buckets.set(bucket, (this.buckets.get(bucket) ?? 0) + 1);
    for (const [ruleId, tally] of Object.entries(atEnd.tallies)) this.rulePoints.set(ruleId, (this.rulePoints.get(ruleId) ?? 0) + tally.points);
    if (qualifications.length) this.mqls += 1;
    return qualifications.length > 0;
  }

  outcome(teams: RoutingTeams): RulesetOutcome {
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
      closedWon: this.closedWon(),
      alertLoad: alertLoad(this.alerts, teams),
    };
  }

  private closedWon(): ClosedWonCatch {
    const caught = this.daysBeforeWin.length;
    const days = percentile([...this.daysBeforeWin].sort((a, b) => a - b), 50);
    return {
      leads: this.wonLeads,
      caught,
      ratePercent: this.wonLeads ? round((caught / this.wonLeads) * 100) : null,
      medianDaysBeforeWin: days === null ? null : round(days),
    };
  }
}

/**
 * Replays recorded history through a draft and the active ruleset with the live scoring engine and
 * compares them: MQLs, the closed-won leads each would have caught and how early, and the alerts
 * each would send each rep. Pure: the caller feeds it each lead's events of the window (with what is
 * known of the lead's outcome), one lead at a time, so memory stays bounded by the largest history
 * and the qualifications rather than the window.
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
    private readonly teams: RoutingTeams = new Map(),
  ) {
    this.draft = new Tally(draft);
    this.active = new Tally(active);
  }

  addLead(leadId: string, lead: Readonly<Record<string, unknown>>, events: readonly ScoredEvent[], outcome: LeadOutcome = {}): void {
    const inWindow = events.filter((event) => event.occurredAt >= this.window.from && event.occurredAt < this.window.to);
    if (!inWindow.length) return;
    this.leads += 1;
    this.events += inWindow.length;
    // A lead won before the window opened cannot be caught by qualifying it in the window.
    const { wonAt, ...withoutWin } = outcome;
    const counted = wonAt && wonAt >= this.window.from ? outcome : withoutWin;
    const underDraft = this.draft.add(leadId, inWindow, lead, this.window.to, counted);
    const underActive = this.active.add(leadId, inWindow, lead, this.window.to, counted);
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
      draft: this.draft.outcome(this.teams),
      active: this.active.outcome(this.teams),
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

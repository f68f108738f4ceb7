import { recycledScore } from './recycle';
import { type PreparedRule, type PreparedRuleset, prepare } from './prepared-ruleset';
import type { Grade, Rule, RuleKind, Ruleset } from './ruleset';
import { GRADES } from './ruleset';

/** An engagement event as scoring sees it: `{ event: ... }` in a rule condition. */
export interface ScoredEvent {
  readonly id: string;
  readonly type: string;
  readonly occurredAt: string;
  readonly properties: Readonly<Record<string, unknown>>;
}

/** What scoring gets for one event: the event and the lead as it is now (`{ event, lead }`). */
export interface ScoringInput {
  readonly event: ScoredEvent;
  readonly lead: Readonly<Record<string, unknown>>;
}

/** An event behind a rule's points, as explanations show it. */
export interface Hit {
  readonly eventId: string;
  readonly at: string;
}

/** An event behind rules' points, as a state stores it: when it happened (milliseconds since the epoch) and its id. */
export type StoredHitEvent = readonly [at: number, eventId: string];

/**
 * What one rule contributes to a lead, as a state stores it: figures, not words (the description is
 * the ruleset's, looked up by rule id when the score is explained). Fit and activity rules hold or
 * not, so they count once at their points; event rules count per event, within their caps.
 */
export interface RuleTally {
  /** Fit and activity rules, in states stored before those were evaluated on read; an event rule's tally has none. */
  readonly score?: 'fit' | 'engagement';
  /** Points as awarded, before decay. */
  readonly points: number;
  readonly times: number;
  /** What the rule adds to the score as of the state's `engagementAt` (event rules decay). */
  readonly value: number;
  /**
   * Event rules only (its presence is what marks one): the events behind the points that are still
   * kept, oldest first, as positions in the state's `hitEvents`. A capped rule keeps every counted
   * event of the late-event window (see `LATE_EVENT_DAYS`), so an earlier event arriving late can
   * take a later one's place; every event rule also keeps its latest events for the ledger (see
   * `LeadScore.forgetOldHits`). Older ones are only counted.
   */
  readonly hits?: readonly number[];
}

/**
 * A tally as states stored it before tallies were compacted: with the rule's description and kind,
 * and for a capped rule every event counted against the cap. Still read, for leads scored then;
 * never written.
 */
export interface LegacyRuleTally {
  readonly description: string;
  readonly score: 'fit' | 'engagement';
  readonly kind: RuleKind;
  readonly points: number;
  readonly times: number;
  readonly value: number;
  readonly hits: readonly Hit[];
}

/** A rule's line of the score's ledger, as explanations show it: the stored figures with the rule's description and kind. */
export interface RuleLedgerLine {
  readonly description: string;
  readonly score: 'fit' | 'engagement';
  readonly kind: RuleKind;
  readonly points: number;
  readonly times: number;
  readonly value: number;
  /** Event rules: the latest events behind the points (see `RuleTally.hits`), oldest first. */
  readonly hits: readonly Hit[];
}

/** A rule that added points, as an MQL alert names it: "+30 Pricing page view x3". */
export interface Contribution {
  readonly ruleId: string;
  readonly description: string;
  readonly points: number;
  readonly times: number;
}

export interface ScoreState {
  readonly rulesetVersion: string;
  readonly fit: number;
  /** Engagement as of `engagementAt`; `scoreAt` gives its value at any later time. */
  readonly engagement: number;
  /** The time of the latest event applied: decay is measured from here. */
  readonly engagementAt: string;
  readonly eventCount: number;
  readonly grade: Grade;
  readonly total: number;
  readonly qualified: boolean;
  /** How many times this lead has qualified; with the ruleset version it keys the alert. */
  readonly qualifications: number;
  readonly qualifiedAt?: string;
  /**
   * By rule id: the event rules that counted. Written as `RuleTally`; states stored before tallies were
   * compacted hold `LegacyRuleTally`, and states stored before fit and activity rules were left to be
   * evaluated on read hold theirs too (ignored when read: they are evaluated again).
   */
  readonly tallies: Readonly<Record<string, RuleTally | LegacyRuleTally>>;
  /**
   * The events the tallies' `hits` point to, in time order, each once however many rules it hit (one
   * page view may count for several). Absent when no tally keeps an event.
   */
  readonly hitEvents?: readonly StoredHitEvent[];
  /**
   * Set when sales sent the lead back to nurture: events that happened before it no longer count, so
   * neither a late event nor a replay (rescoring) gives the lead back the engagement it lost.
   */
  readonly engagementSince?: string;
}

export interface Qualification {
  readonly qualification: number;
  readonly qualifiedAt: string;
  /** The rules that carried the lead over, as of the qualification: what the alert names. */
  readonly topContributors: readonly Contribution[];
}

export interface ScoreChange {
  readonly state: ScoreState;
  /** Set when this change made the lead qualify. */
  readonly qualified?: Qualification;
  /** Rules whose points this event added. */
  readonly hits: readonly string[];
}

const MS_PER_DAY = 86_400_000;
/**
 * The events a rule without a cap keeps for the ledger (the lead page lists them under the rule);
 * a capped rule keeps those of its latest period besides those of the late-event window.
 */
const HITS_SHOWN = 3;
/** Hits a tally may hold while a lead is scored before those no longer needed are dropped. */
const FORGET_ABOVE = 16;
/** How many rules an MQL alert names as the reasons. */
const TOP_CONTRIBUTORS = 3;
/**
 * How late an event may arrive and still be scored exactly as if it had arrived in time order.
 * Capped rules keep every event they counted in the window that ends at the lead's latest event and
 * starts this long before it (a rule capped per period: every period that overlaps it), so a late
 * event in the window finds what its period counted and takes the place of a later event in a full
 * period. A week covers a retry, a redrive from a dead-letter queue the same week and a device
 * that was offline for days, while keeping the stored state small (three years of weekly activity
 * under the starter ruleset: at most 1.8 KB stored with a week, 2.1 KB with a fortnight). See
 * `LeadScore.addHit` for what an event older than the window does.
 */
export const LATE_EVENT_DAYS = 7;
const LATE_EVENT_MS = LATE_EVENT_DAYS * MS_PER_DAY;
/** Cap periods are consecutive windows counted from a Monday (UTC), so a 7-day period is a calendar week. */
const PERIOD_ORIGIN = Date.UTC(1970, 0, 5);

/** Scores are shown to two decimals; stored values keep full precision so replays stay exact. */
export const round = (value: number) => Math.round(value * 100) / 100;

export function gradeFor(fit: number, ruleset: Pick<Ruleset, 'grades'>): Grade {
  return GRADES.find((grade) => grade === 'F' || fit >= ruleset.grades[grade]) ?? 'F';
}

const gradeAtLeast = (grade: Grade, minimum: Grade) => GRADES.indexOf(grade) <= GRADES.indexOf(minimum);
const meetsCriteria = (score: { total: number; grade: Grade }, ruleset: Ruleset) =>
  score.total >= ruleset.mql.minScore && gradeAtLeast(score.grade, ruleset.mql.minGrade);
const later = (a: string, b: string) => (a >= b ? a : b);
const decayFactor = (fromMs: number, toMs: number, halfLifeDays: number) => (toMs === fromMs ? 1 : 0.5 ** ((toMs - fromMs) / MS_PER_DAY / halfLifeDays));

/** Events in the order replay applies them: by time, then id, so equal times are still one order. */
export function compareEvents(a: { at: string; eventId: string }, b: { at: string; eventId: string }): number {
  if (a.at !== b.at) return a.at < b.at ? -1 : 1;
  return a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0;
}

/** Times are compared as text, so every time the engine keeps is in one form: `toISOString()`. */
const normalised = (at: string) => (at.length === 24 && at.endsWith('Z') ? at : new Date(at).toISOString());

/** A lead nobody has scored yet. */
export function initialState(ruleset: Ruleset, at: string): ScoreState {
  return {
    rulesetVersion: ruleset.version,
    fit: 0,
    engagement: 0,
    engagementAt: normalised(at),
    eventCount: 0,
    grade: gradeFor(0, ruleset),
    total: 0,
    qualified: false,
    qualifications: 0,
    tallies: {},
  };
}

/** An event behind a rule's points, with its cap period worked out once. */
interface CountedHit {
  readonly ms: number;
  /** The same time as `toISOString()` text, as explanations show it. */
  readonly at: string;
  readonly eventId: string;
  readonly period: number;
}

/** An event rule's tally while a lead is scored: changed in place, copied out when a state is asked for. */
interface WorkingTally {
  score: 'fit' | 'engagement';
  points: number;
  times: number;
  value: number;
  hits: CountedHit[];
  /** False for stored hits out of time order: they are sorted before the next hit goes in. */
  hitsSorted: boolean;
}

const periodOf = (rule: PreparedRule | undefined, ms: number) => (rule?.periodMs ? Math.floor((ms - PERIOD_ORIGIN) / rule.periodMs) : 0);
/** The order of `compareEvents`: times kept as `toISOString()` text sort as their milliseconds do. */
const compareCounted = (a: CountedHit, b: CountedHit) => (a.ms !== b.ms ? a.ms - b.ms : a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0);
/** Event rules' tallies are the ones with hits; a legacy tally says its kind. */
const isEventTally = (tally: RuleTally | LegacyRuleTally) => ('kind' in tally ? tally.kind === 'event' : tally.hits !== undefined);

/** A stored tally's hits, in either shape: positions in the state's `hitEvents`, or (legacy) the events themselves. */
function storedHits(tally: RuleTally | LegacyRuleTally, hitEvents: readonly StoredHitEvent[]): { ms: number; at: string; eventId: string }[] {
  if ('kind' in tally) return tally.hits.map((hit) => ({ ms: Date.parse(hit.at), at: normalised(hit.at), eventId: hit.eventId }));
  return (tally.hits ?? []).flatMap((position) => {
    const event = hitEvents[position];
    return event ? [{ ms: event[0], at: new Date(event[0]).toISOString(), eventId: event[1] }] : [];
  });
}

function workingTally(tally: RuleTally | LegacyRuleTally, rule: PreparedRule | undefined, hitEvents: readonly StoredHitEvent[]): WorkingTally {
  const hits = storedHits(tally, hitEvents).map((hit): CountedHit => ({ ...hit, period: periodOf(rule, hit.ms) }));
  const hitsSorted = hits.every((hit, index) => index === 0 || compareCounted(hits[index - 1] as CountedHit, hit) <= 0);
  return { score: tally.score ?? 'engagement', points: tally.points, times: tally.times, value: tally.value, hits, hitsSorted };
}

function sortHits(tally: WorkingTally) {
  if (tally.hitsSorted) return;
  tally.hits.sort(compareCounted);
  tally.hitsSorted = true;
}

/** Puts a hit in time order, after hits of the same time and id (as a stable sort of the list with it last would). */
function insertHit(tally: WorkingTally, counted: CountedHit) {
  sortHits(tally);
  let position = tally.hits.length;
  while (position > 0 && compareCounted(tally.hits[position - 1] as CountedHit, counted) > 0) position -= 1;
  tally.hits.splice(position, 0, counted);
}

/** The rules with the most points (fit and event rules alike), described by `describe`. */
function contributions(tallies: Readonly<Record<string, RuleTally | LegacyRuleTally>>, describe: (ruleId: string, tally: RuleTally | LegacyRuleTally) => string, count: number): Contribution[] {
  return Object.entries(tallies)
    .filter(([, tally]) => tally.points > 0)
    .sort(([, a], [, b]) => b.points - a.points)
    .slice(0, count)
    .map(([ruleId, tally]) => ({ ruleId, description: describe(ruleId, tally), points: tally.points, times: tally.times }));
}

/** Profile facts for activity rules: `{ activity: ... }` in a rule condition. */
interface Activity {
  readonly daysSinceLastEvent: number;
  readonly eventCount: number;
  readonly engagement: number;
}

interface Totals {
  readonly fit: number;
  readonly engagement: number;
  readonly total: number;
  readonly grade: Grade;
}

/**
 * One lead's score while its events are applied: event-rule tallies are kept per rule and changed in
 * place, fit rules are evaluated once for the lead, and a stored state is made only when asked for.
 * Every sum runs in ruleset order and every decay is applied event by event, as a state stored after
 * each event and read back would have it, so the results are the same to the last bit.
 */
export class LeadScore {
  private readonly rules: readonly PreparedRule[];
  private readonly halfLifeDays: number;
  /** Event-rule tallies by rule index (and stored event tallies under another rule's id). */
  private readonly eventTallies: (WorkingTally | undefined)[];
  /** Every event tally by rule id, in the order the stored state lists them (new ones last). */
  private readonly tallyOrder: [string, WorkingTally][] = [];
  /** Whether each fit rule holds for the lead, by rule index: the lead does not change while it is scored. */
  private readonly profileHolds: boolean[];
  /** Whether each activity rule held at the last evaluation, by rule index. */
  private readonly activityHolds: boolean[];
  private engagementAt: string;
  private engagementAtMs: number;
  private eventCount: number;
  private qualified: boolean;
  private qualifications: number;
  private qualifiedAt: string | undefined;
  private readonly engagementSince: string | undefined;
  private totals: Totals;

  constructor(
    private readonly prepared: PreparedRuleset,
    private readonly lead: Readonly<Record<string, unknown>>,
    state: ScoreState,
  ) {
    this.rules = prepared.rules;
    this.halfLifeDays = prepared.ruleset.halfLifeDays;
    this.eventTallies = new Array<WorkingTally | undefined>(this.rules.length);
    for (const [ruleId, tally] of Object.entries(state.tallies)) {
      if (!isEventTally(tally)) continue;
      const rule = prepared.byId.get(ruleId);
      const working = workingTally(tally, rule, state.hitEvents ?? []);
      this.tallyOrder.push([ruleId, working]);
      if (rule) this.eventTallies[rule.index] = working;
    }
    this.profileHolds = new Array<boolean>(this.rules.length).fill(false);
    const context = { lead };
    for (const rule of prepared.profileRules) this.profileHolds[rule.index] = rule.matches(context);
    this.activityHolds = new Array<boolean>(this.rules.length).fill(false);
    this.engagementAt = state.engagementAt;
    this.engagementAtMs = Date.parse(state.engagementAt);
    this.eventCount = state.eventCount;
    this.qualified = state.qualified;
    this.qualifications = state.qualifications;
    this.qualifiedAt = state.qualifiedAt;
    this.engagementSince = state.engagementSince;
    this.totals = { fit: state.fit, engagement: state.engagement, total: state.total, grade: state.grade };
  }

  /** What event rules add to engagement, decayed by `factor`: the figure activity rules see as `activity.engagement`. */
  private eventEngagement(factor: number): number {
    let engagement = 0;
    for (const rule of this.rules) {
      const tally = this.eventTallies[rule.index];
      if (tally && tally.score === 'engagement') engagement += factor === 1 ? tally.value : tally.value * factor;
    }
    return engagement;
  }

  /** Evaluates the activity rules and sums every rule's value in ruleset order, event values decayed by `factor`. */
  private totalsWith(factor: number, activity: Activity): Totals {
    const context = { lead: this.lead, activity };
    for (const rule of this.prepared.activityRules) this.activityHolds[rule.index] = rule.matches(context);
    let fit = 0;
    let engagement = 0;
    for (const rule of this.rules) {
      const tally = this.eventTallies[rule.index];
      let value: number;
      if (tally) value = factor === 1 || tally.score !== 'engagement' ? tally.value : tally.value * factor;
      else if (this.profileHolds[rule.index] || this.activityHolds[rule.index]) value = rule.rule.points;
      else continue;
      if (rule.rule.score === 'fit') fit += value;
      else engagement += value;
    }
    return { fit, engagement, total: fit + engagement, grade: gradeFor(fit, this.prepared.ruleset) };
  }

  private activity(eventEngagement: number, asOfMs: number): Activity {
    return { daysSinceLastEvent: Math.max(0, (asOfMs - this.engagementAtMs) / MS_PER_DAY), eventCount: this.eventCount, engagement: eventEngagement };
  }

  /** What a hit at `ms` adds now: its points decayed to the latest event. */
  private worth(points: number, ms: number): number {
    return points * decayFactor(ms, this.engagementAtMs, this.halfLifeDays);
  }

  /**
   * Adds one event to an event rule's tally. A cap keeps the earliest `max` hits of each period, so the
   * result depends on which events arrived, never on the order they arrived in, as long as no event
   * arrives more than `LATE_EVENT_DAYS` after a later one: an earlier event that arrives late takes
   * the place of the latest hit of a full period.
   *
   * A capped rule forgets the events it counted before that window, except its latest (see
   * `forgetOldHits`), always the oldest first. An event from before the window and before every
   * event the rule still keeps ("very late") is weighed as any other while the rule has forgotten
   * nothing. Once it has forgotten some, it no longer knows what that event would have to be weighed
   * against, so:
   * - a rule capped per period keeps whole periods, and counts exactly an event of any period from
   *   its oldest kept one on; an event of an earlier period (and before the window) it does not
   *   count (whether that period had room is not known, and counting it could break the cap);
   * - a rule capped for life counts such an event while fewer than `max` events have counted (nothing
   *   has to give way; the event is counted but not kept), and not once the cap is full.
   * A rule without a cap counts every event. So an old history scored in time order (a visitor's
   * events when they identify) is counted exactly, and a late event never breaks a cap. The outcome
   * depends only on the state and the event, so it is the same on every retry; the event stays in
   * the lead's history, and a rescore (a new ruleset) replays it in time order, where it counts as if
   * it had arrived in time. Says whether the rule scored.
   */
  private addHit(rule: PreparedRule, counted: CountedHit): boolean {
    const { points, cap } = rule.rule;
    let tally = this.eventTallies[rule.index];
    if (cap && tally) {
      sortHits(tally);
      // Whatever the rule forgot is from before its oldest kept hit and before the window's start.
      const oldestKept = tally.hits[0];
      const forgotten = tally.times > tally.hits.length;
      const windowStart = this.engagementAtMs - LATE_EVENT_MS;
      let replaced = -1;
      if (rule.periodMs) {
        if (forgotten && counted.period < periodOf(rule, windowStart) && (!oldestKept || counted.period < oldestKept.period)) return false;
        let samePeriod = 0;
        for (let index = 0; index < tally.hits.length; index += 1) {
          if ((tally.hits[index] as CountedHit).period !== counted.period) continue;
          samePeriod += 1;
          replaced = index;
        }
        if (samePeriod < cap.max) replaced = -1;
      } else if (forgotten && counted.ms < windowStart && (!oldestKept || compareCounted(counted, oldestKept) < 0)) {
        if (tally.times >= cap.max) return false;
        this.count(tally, points, counted);
        return true;
      } else if (tally.times >= cap.max) {
        // The latest counted hit is always kept, so the last hit is the one a late event may replace.
        replaced = tally.hits.length - 1;
      }
      if (replaced >= 0) {
        const latest = tally.hits[replaced];
        if (!latest || compareCounted(counted, latest) >= 0) return false;
        tally.value = tally.value - this.worth(points, latest.ms) + this.worth(points, counted.ms);
        tally.hits.splice(replaced, 1);
        insertHit(tally, counted);
        return true;
      }
    }
    if (!tally) {
      tally = { score: rule.rule.score, points: 0, times: 0, value: 0, hits: [], hitsSorted: true };
      this.eventTallies[rule.index] = tally;
      this.tallyOrder.push([rule.rule.id, tally]);
    }
    tally.score = rule.rule.score;
    this.count(tally, points, counted);
    insertHit(tally, counted);
    // Forgotten in batches while a history is replayed (a stored state has them forgotten every time).
    if (tally.hits.length > FORGET_ABOVE) this.forgetOldHits(tally, rule);
    return true;
  }

  private count(tally: WorkingTally, points: number, counted: CountedHit) {
    tally.points += points;
    tally.times += 1;
    tally.value += this.worth(points, counted.ms);
  }

  /**
   * Drops the hits a tally no longer needs, oldest first. It keeps, for the ledger, a rule's latest
   * `HITS_SHOWN` (a rule capped per period: the hits of its latest period; capped for life: its
   * latest hit) and, for a capped rule, every hit of the late-event window (a rule capped per
   * period: of every period that overlaps it), which a late event may still have to be weighed
   * against. The window only moves forward, so a hit dropped is not needed again.
   */
  private forgetOldHits(tally: WorkingTally, rule: PreparedRule | undefined) {
    const { hits } = tally;
    if (hits.length <= (rule?.rule.cap ? 1 : HITS_SHOWN)) return;
    sortHits(tally);
    let kept = HITS_SHOWN;
    if (rule?.rule.cap) {
      const windowStart = this.engagementAtMs - LATE_EVENT_MS;
      const periodMs = rule.periodMs;
      const keptFrom = periodMs ? Math.min(periodOf(rule, windowStart), (hits[hits.length - 1] as CountedHit).period) : windowStart;
      kept = 1;
      for (let index = hits.length - 2; index >= 0; index -= 1) {
        const hit = hits[index] as CountedHit;
        if ((periodMs ? hit.period : hit.ms) < keptFrom) break;
        kept += 1;
      }
    }
    const forgotten = hits.length - kept;
    if (forgotten <= 0) return;
    // Shifted in place rather than spliced: this runs for most hits, and a splice allocates the removed part.
    hits.copyWithin(0, forgotten);
    hits.length = kept;
  }

  /**
   * Applies one event (its time normalised). Event rules over `{ event, lead }` add their points within
   * caps, decayed to the latest event time; fit and activity rules are re-evaluated; the MQL criteria
   * are checked with hysteresis: a qualified lead stays qualified until its score, just before an
   * event, has fallen below the recycle threshold. Undefined when the event is from before the lead
   * was recycled and counts for nothing.
   */
  apply(event: ScoredEvent): { readonly qualified?: Qualification; readonly hits: readonly string[] } | undefined {
    const at = event.occurredAt;
    if (this.engagementSince && at < this.engagementSince) return undefined;
    const { mql } = this.prepared.ruleset;
    const atMs = Date.parse(at);
    const arrivedInOrder = at >= this.engagementAt;
    const factor = arrivedInOrder ? decayFactor(this.engagementAtMs, atMs, this.halfLifeDays) : 1;
    let stillQualified = this.qualified;
    if (this.qualified && arrivedInOrder) stillQualified = this.totalsWith(factor, this.activity(this.eventEngagement(factor), atMs)).total >= mql.recycleBelowScore;

    if (factor !== 1) {
      for (const [, tally] of this.tallyOrder) if (tally.score === 'engagement') tally.value *= factor;
    }
    if (arrivedInOrder) {
      this.engagementAt = at;
      this.engagementAtMs = atMs;
    }
    const hits: string[] = [];
    const context = { event, lead: this.lead };
    const type = Object.hasOwn(event, 'type') ? event.type : undefined;
    for (const rule of this.prepared.eventRulesFor(type)) {
      if (!rule.matches(context)) continue;
      if (this.addHit(rule, { ms: atMs, at, eventId: event.id, period: periodOf(rule, atMs) })) hits.push(rule.rule.id);
    }
    this.eventCount += 1;
    this.totals = this.totalsWith(1, this.activity(this.eventEngagement(1), this.engagementAtMs));

    if (!stillQualified && meetsCriteria(this.totals, this.prepared.ruleset)) {
      this.qualified = true;
      this.qualifications += 1;
      this.qualifiedAt = at;
      return { qualified: { qualification: this.qualifications, qualifiedAt: at, topContributors: this.topContributors() }, hits };
    }
    this.qualified = stillQualified && this.totals.total >= mql.recycleBelowScore;
    if (!this.qualified) this.qualifiedAt = undefined;
    return { hits };
  }

  /** The ledger as explanations show it: each tally with its rule's description and kind (the rule id when the rule is gone), in the order a stored state lists them. */
  private ledgerWith(factor: number): Record<string, RuleLedgerLine> {
    const ledger: Record<string, RuleLedgerLine> = {};
    for (const prepared of this.rules) {
      if (prepared.kind === 'event' || !(this.profileHolds[prepared.index] || this.activityHolds[prepared.index])) continue;
      const { rule } = prepared;
      ledger[rule.id] = { description: rule.description, score: rule.score, kind: prepared.kind, points: rule.points, times: 1, value: rule.points, hits: [] };
    }
    for (const [ruleId, tally] of this.tallyOrder) {
      const prepared = this.prepared.byId.get(ruleId);
      this.forgetOldHits(tally, prepared);
      ledger[ruleId] = {
        description: prepared?.rule.description ?? ruleId,
        score: tally.score,
        kind: 'event',
        points: tally.points,
        times: tally.times,
        value: factor === 1 || tally.score !== 'engagement' ? tally.value : tally.value * factor,
        hits: tally.hits.map((hit) => ({ eventId: hit.eventId, at: hit.at })),
      };
    }
    return ledger;
  }

  /** The rules that added the most points so far, as an alert names them: fit and activity rules as last evaluated, then event rules. */
  topContributors(): Contribution[] {
    const contributed: Contribution[] = [];
    for (const prepared of this.rules) {
      const { rule } = prepared;
      if (prepared.kind === 'event' || rule.points <= 0 || !(this.profileHolds[prepared.index] || this.activityHolds[prepared.index])) continue;
      contributed.push({ ruleId: rule.id, description: rule.description, points: rule.points, times: 1 });
    }
    for (const [ruleId, tally] of this.tallyOrder) {
      if (tally.points > 0) contributed.push({ ruleId, description: this.prepared.byId.get(ruleId)?.rule.description ?? ruleId, points: tally.points, times: tally.times });
    }
    return contributed.sort((a, b) => b.points - a.points).slice(0, TOP_CONTRIBUTORS);
  }

  /**
   * The tallies to store: event rules', with the hits they no longer need forgotten, and the events
   * their hits point to, each once, in time order. Fit and activity rules are not stored: whether they
   * hold follows from the lead and the state, so every read evaluates them again (`readAt`).
   */
  private storedTallies(): { tallies: Record<string, RuleTally>; hitEvents: StoredHitEvent[] } {
    const tallies: Record<string, RuleTally> = {};
    const kept: CountedHit[] = [];
    for (const [ruleId, tally] of this.tallyOrder) {
      this.forgetOldHits(tally, this.prepared.byId.get(ruleId));
      for (const hit of tally.hits) kept.push(hit);
    }
    // One event hit by several rules sorts next to itself: keep it once.
    kept.sort(compareCounted);
    const events: CountedHit[] = [];
    for (const hit of kept) if (events[events.length - 1]?.eventId !== hit.eventId) events.push(hit);
    const positionOf = (hit: CountedHit) => {
      let low = 0;
      let high = events.length - 1;
      while (low < high) {
        const middle = (low + high) >> 1;
        if (compareCounted(events[middle] as CountedHit, hit) < 0) low = middle + 1;
        else high = middle;
      }
      return low;
    };
    for (const [ruleId, tally] of this.tallyOrder) tallies[ruleId] = { points: tally.points, times: tally.times, value: tally.value, hits: tally.hits.map(positionOf) };
    return { tallies, hitEvents: events.map((hit): StoredHitEvent => [hit.ms, hit.eventId]) };
  }

  /** The state to store. */
  state(): ScoreState {
    const { fit, engagement, total, grade } = this.totals;
    const { tallies, hitEvents } = this.storedTallies();
    return {
      rulesetVersion: this.prepared.ruleset.version,
      fit,
      engagement,
      engagementAt: this.engagementAt,
      eventCount: this.eventCount,
      grade,
      total,
      tallies,
      ...(hitEvents.length ? { hitEvents } : {}),
      ...(this.engagementSince ? { engagementSince: this.engagementSince } : {}),
      qualified: this.qualified,
      qualifications: this.qualifications,
      ...(this.qualifiedAt ? { qualifiedAt: this.qualifiedAt } : {}),
    };
  }

  /**
   * The most this score can read at any later time while nothing is written to it: fit as evaluated
   * now (the profile does not change with time), every event rule's engagement at most its value now
   * (positive points only decay; negative points decay towards zero, so they are counted as zero),
   * and every activity rule with positive points as if it held (an activity rule may start to hold as
   * days pass; a negative one may stop). The lead list sorted by score reads leads by this bound.
   *
   * With `at`, the bound from `at` on: event engagement decayed to `at` (never before the latest
   * event). It only falls as `at` moves later (the decay factor only falls, a positive value decayed
   * falls, a negative one counts as zero, everything else does not depend on time), so the bound at
   * a later time is lower or the same, and the score at any time from `at` on stays under it.
   */
  ceiling(at?: string): number {
    const factor = at === undefined ? 1 : decayFactor(this.engagementAtMs, Date.parse(later(normalised(at), this.engagementAt)), this.halfLifeDays);
    let ceiling = 0;
    for (const prepared of this.rules) {
      const tally = this.eventTallies[prepared.index];
      if (tally) ceiling += tally.score === 'engagement' ? Math.max(0, factor === 1 ? tally.value : tally.value * factor) : tally.value;
      else if (prepared.kind === 'profile' && this.profileHolds[prepared.index]) ceiling += prepared.rule.points;
      else if (prepared.kind === 'activity') ceiling += Math.max(0, prepared.rule.points);
    }
    return ceiling;
  }

  /** The score as of `now` (see `scoreAt`). */
  readAt(now: string) {
    const asOf = later(normalised(now), this.engagementAt);
    const factor = decayFactor(this.engagementAtMs, Date.parse(asOf), this.halfLifeDays);
    const { fit, engagement, total, grade } = this.totalsWith(factor, this.activity(this.eventEngagement(factor), Date.parse(asOf)));
    return {
      asOf,
      fit,
      engagement,
      total,
      grade,
      qualified: this.qualified && total >= this.prepared.ruleset.mql.recycleBelowScore,
      meetsCriteria: meetsCriteria({ total, grade }, this.prepared.ruleset),
      tallies: this.ledgerWith(factor),
    };
  }
}

/**
 * The score as of `now`: event points decayed since the latest event, fit and activity rules evaluated
 * against the lead and its activity now. Reading never qualifies a lead, but a qualified lead whose
 * score has decayed below the recycle threshold reads as no longer qualified.
 */
export function scoreAt(state: ScoreState, lead: Readonly<Record<string, unknown>>, ruleset: Ruleset, now: string) {
  return new LeadScore(prepare(ruleset), lead, state).readAt(now);
}

/**
 * The most `state` can read at any time after it was written (with `at`: from `at` on), until the
 * next write (see `LeadScore.ceiling`).
 */
export function scoreCeiling(state: ScoreState, lead: Readonly<Record<string, unknown>>, ruleset: Ruleset, at?: string): number {
  return new LeadScore(prepare(ruleset), lead, state).ceiling(at);
}

const checkedVersion = (state: ScoreState, ruleset: Ruleset) => {
  if (state.rulesetVersion !== ruleset.version) {
    throw new Error(`State was scored with ruleset ${state.rulesetVersion}; replay the history under ${ruleset.version} instead`);
  }
  return state;
};

/**
 * Applies one event to a lead's score (see `LeadScore.apply`). Pure: the caller stores the state it
 * returns.
 *
 * The score part of the state depends only on the set of events applied, not their order; the
 * qualifications follow the order of arrival, because an alert, once sent, is part of history.
 */
export function apply(previous: ScoreState | undefined, input: ScoringInput, ruleset: Ruleset): ScoreChange {
  const event = input.event.occurredAt === normalised(input.event.occurredAt) ? input.event : { ...input.event, occurredAt: normalised(input.event.occurredAt) };
  const start = checkedVersion(previous ?? initialState(ruleset, event.occurredAt), ruleset);
  const score = new LeadScore(prepare(ruleset), input.lead, start);
  const change = score.apply(event);
  return change ? { state: score.state(), ...change } : { state: inStoredShape(start), hits: [] };
}

/**
 * `state` in the shape states are written in: the tallies of a state stored before tallies were
 * compacted are converted, every figure kept (its event rules' hits are trimmed when an event next
 * reaches them).
 */
function inStoredShape(state: ScoreState): ScoreState {
  const entries = Object.entries(state.tallies);
  if (!entries.some(([, tally]) => 'kind' in tally)) return state;
  const hitsOf = new Map(entries.map(([ruleId, tally]) => [ruleId, storedHits(tally, state.hitEvents ?? [])]));
  const events = [...new Map([...hitsOf.values()].flat().map((hit) => [hit.eventId, hit])).values()];
  events.sort((a, b) => compareCounted({ ...a, period: 0 }, { ...b, period: 0 }));
  const positions = new Map(events.map((hit, position) => [hit.eventId, position]));
  const tallies: Record<string, RuleTally> = {};
  for (const [ruleId, tally] of entries) {
    const { score, points, times, value } = tally;
    tallies[ruleId] = isEventTally(tally)
      ? { points, times, value, hits: (hitsOf.get(ruleId) ?? []).map((hit) => positions.get(hit.eventId) ?? 0) }
      : { score, points, times, value };
  }
  const { hitEvents: _legacy, ...rest } = state;
  return { ...rest, tallies, ...(events.length ? { hitEvents: events.map((hit): StoredHitEvent => [hit.ms, hit.eventId]) } : {}) };
}

export interface Replay {
  readonly state: ScoreState | undefined;
  /** Every time the lead qualified along the way, oldest first. */
  readonly qualifications: readonly Qualification[];
}

/**
 * Scores a whole history from nothing: events in time order, each once. With `recycledAt`, the lead
 * is sent back to nurture at that time, as sales did live: its engagement resets there and only
 * later events earn a new qualification.
 */
export function replay(events: readonly ScoredEvent[], lead: Readonly<Record<string, unknown>>, ruleset: Ruleset, recycledAt?: string): Replay {
  const { score, qualifications } = replayScore(events, lead, ruleset, recycledAt);
  return { state: score?.state(), qualifications };
}

/** `replay`, giving the lead's score as it stands after the last event instead of a state to store. */
export function replayScore(events: readonly ScoredEvent[], lead: Readonly<Record<string, unknown>>, ruleset: Ruleset, recycledAt?: string) {
  const unique = [...new Map(events.map((event) => [event.id, { ...event, occurredAt: normalised(event.occurredAt) }])).values()];
  unique.sort((a, b) => compareEvents({ at: a.occurredAt, eventId: a.id }, { at: b.occurredAt, eventId: b.id }));
  const prepared = prepare(ruleset);
  let score: LeadScore | undefined;
  let recycle = recycledAt ? normalised(recycledAt) : undefined;
  const qualifications: Qualification[] = [];
  for (const event of unique) {
    if (recycle && event.occurredAt >= recycle) {
      if (score) score = new LeadScore(prepared, lead, recycledScore(score.state(), recycle));
      recycle = undefined;
    }
    score ??= new LeadScore(prepared, lead, initialState(ruleset, event.occurredAt));
    const change = score.apply(event);
    if (change?.qualified) qualifications.push(change.qualified);
  }
  return { score, qualifications };
}

/** One point of a lead's score over time: fit, engagement and total as they stood at `at`. */
export interface ScorePoint {
  readonly at: string;
  readonly fit: number;
  readonly engagement: number;
  readonly total: number;
  readonly qualified: boolean;
}

/** The most points a timeline gives: the latest ones (a chart of a lead's score needs no more). */
export const MAX_TIMELINE_POINTS = 400;

/**
 * A lead's score over time, derived on read with no write per event: the history replayed through
 * `ruleset` (as `replay`, recycle included), the score read just after each event and again at `now`,
 * so engagement's decay between events shows. Fit rules see the lead as it is now: the profile's past
 * values are not kept, so fit is today's fit along the whole line. At most MAX_TIMELINE_POINTS, the latest.
 */
export function scoreTimeline(events: readonly ScoredEvent[], lead: Readonly<Record<string, unknown>>, ruleset: Ruleset, now: string, recycledAt?: string): ScorePoint[] {
  const unique = [...new Map(events.map((event) => [event.id, { ...event, occurredAt: normalised(event.occurredAt) }])).values()];
  unique.sort((a, b) => compareEvents({ at: a.occurredAt, eventId: a.id }, { at: b.occurredAt, eventId: b.id }));
  const prepared = prepare(ruleset);
  let score: LeadScore | undefined;
  let recycle = recycledAt ? normalised(recycledAt) : undefined;
  const points: ScorePoint[] = [];
  const pointAt = (current: LeadScore, at: string): ScorePoint => {
    const read = current.readAt(at);
    return { at: read.asOf, fit: round(read.fit), engagement: round(read.engagement), total: round(read.total), qualified: read.qualified };
  };
  for (const event of unique) {
    if (recycle && event.occurredAt >= recycle) {
      if (score) score = new LeadScore(prepared, lead, recycledScore(score.state(), recycle));
      recycle = undefined;
    }
    score ??= new LeadScore(prepared, lead, initialState(ruleset, event.occurredAt));
    if (!score.apply(event)) continue;
    points.push(pointAt(score, event.occurredAt));
  }
  if (score && normalised(now) > (points.at(-1)?.at ?? '')) points.push(pointAt(score, now));
  return points.slice(-MAX_TIMELINE_POINTS);
}

/**
 * Scores a lead's history under a newly active ruleset. The qualification carries over: a lead that
 * was qualified and still is keeps its qualification (so it is not alerted twice); one that was not
 * and now meets the criteria qualifies anew, as of `now`.
 */
export function rescore(
  previous: ScoreState | undefined,
  events: readonly ScoredEvent[],
  lead: Readonly<Record<string, unknown>>,
  ruleset: Ruleset,
  now: string,
): ScoreChange | undefined {
  const since = previous?.engagementSince;
  const { state: replayed } = replay(since ? events.filter((event) => normalised(event.occurredAt) >= since) : events, lead, ruleset);
  // A recycled lead with nothing since its recycle starts again from nothing under the new ruleset.
  const state = replayed ?? (since ? initialState(ruleset, since) : undefined);
  if (!state) return undefined;
  const current = scoreAt(state, lead, ruleset, now);
  const wasQualified = previous?.qualified ?? false;
  const qualifications = previous?.qualifications ?? 0;
  const base = { ...state, qualifications, ...(since ? { engagementSince: since } : {}) };
  if (wasQualified && current.total >= ruleset.mql.recycleBelowScore) {
    return { state: { ...base, qualified: true, ...(previous?.qualifiedAt ? { qualifiedAt: previous.qualifiedAt } : {}) }, hits: [] };
  }
  if (!wasQualified && current.meetsCriteria) {
    const qualified = { qualification: qualifications + 1, qualifiedAt: now, topContributors: topContributorsOf(state, lead, ruleset) };
    return { state: { ...base, qualified: true, qualifications: qualified.qualification, qualifiedAt: now }, qualified, hits: [] };
  }
  const { qualifiedAt: _dropped, ...unqualified } = base;
  return { state: { ...unqualified, qualified: false }, hits: [] };
}

/**
 * The rules that added the most points as of the state's latest event, as an alert names them: fit and
 * activity rules evaluated for `lead`, event rules from the state's tallies.
 */
export function topContributorsOf(state: ScoreState, lead: Readonly<Record<string, unknown>>, ruleset: Ruleset): Contribution[] {
  const score = new LeadScore(prepare(ruleset), lead, state);
  score.readAt(state.engagementAt);
  return score.topContributors();
}

/**
 * The rules that added the most points among the tallies a state stores, described by the ruleset (a
 * state stored before tallies were compacted carries its own descriptions; otherwise the rule id). A
 * state stored since holds event rules only: `topContributorsOf` adds the lead's fit and activity rules.
 */
export function topContributors(state: Pick<ScoreState, 'tallies'>, ruleset?: Pick<Ruleset, 'rules'>, count = TOP_CONTRIBUTORS): Contribution[] {
  const rules = new Map<string, Rule>(ruleset?.rules.map((rule) => [rule.id, rule]));
  return contributions(state.tallies, (ruleId, tally) => rules.get(ruleId)?.description ?? ('description' in tally ? tally.description : ruleId), count);
}

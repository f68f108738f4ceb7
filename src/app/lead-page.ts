import type { EventSubject, RecordedEvent } from './lead-scoring';
import type { LeadReader } from './ports';
import { Forbidden, NotFound } from '../domain/errors';
import { currentStage, type RecordedStageChange } from '../domain/handoff/lifecycle';
import { scoringView, type Lead } from '../domain/lead';
import { purchaseProfile } from '../domain/purchases';
import { round, scoreAt, scoreTimeline, type ScorePoint, type ScoreState } from '../domain/scoring/engine';
import type { Ruleset } from '../domain/scoring/ruleset';

/** A stage change as kept: whose, and when that lead was created, besides the change itself. */
export type KeptStageChange = RecordedStageChange & { readonly leadId: string; readonly leadCreatedAt: string };

export interface LeadPageDependencies {
  readonly leads: LeadReader;
  /** Without a limit: every event of the lead, oldest first. */
  readonly events: { eventsOf(subject: EventSubject, options?: { readonly newestFirst?: boolean; readonly limit?: number }): Promise<RecordedEvent[]> };
  readonly stageChanges: { transitionsOf(leadId: string): Promise<KeptStageChange[]> };
  readonly rulesets: { get(version: string): Promise<{ readonly ruleset: Ruleset } | undefined> };
}

/** How many of the lead's latest events the page lists. */
const RECENT_EVENTS = 20;

/**
 * The score as the lead page shows it, as of `now`: the stored score is as of the latest event, so
 * what the lead is worth now is computed on read. The breakdown is the ledger of each rule: its
 * points, how often it hit, what it is worth now and the events that earned it, which is why the
 * lead qualified (or not).
 */
export function scoreBreakdown(lead: Lead, state: ScoreState, ruleset: Ruleset, now: string) {
  const current = scoreAt(state, scoringView(lead), ruleset, now);
  return {
    asOf: now,
    rulesetVersion: state.rulesetVersion,
    fit: round(current.fit),
    engagement: round(current.engagement),
    total: round(current.total),
    grade: current.grade,
    qualified: current.qualified,
    qualifications: state.qualifications,
    ...(current.qualified && state.qualifiedAt ? { qualifiedAt: state.qualifiedAt } : {}),
    eventCount: state.eventCount,
    lastEventAt: state.engagementAt,
    breakdown: Object.fromEntries(
      Object.entries(current.tallies).map(([ruleId, tally]) => [ruleId, {
        description: tally.description,
        score: tally.score,
        kind: tally.kind,
        points: tally.points,
        times: tally.times,
        current: round(tally.value),
        events: tally.hits.map((hit) => ({ eventId: hit.eventId, occurredAt: hit.at })),
      }]),
    ),
  };
}

/** What the lead page shows: the lead without its internals, its purchase profile, score breakdown, stage history and latest events. */
export class LeadPage {
  constructor(private readonly deps: LeadPageDependencies) {}

  /** `maySee` says whether the caller may see a lead with this owner (a sales rep sees their own leads). */
  async show(leadId: string, now: string, maySee: (owner: Lead['owner']) => boolean = () => true) {
    const lead = await this.deps.leads.getLead(leadId);
    if (!lead) throw new NotFound(`No lead with id ${leadId}`);
    if (!maySee(lead.owner)) throw new Forbidden(`Lead ${leadId} is not yours: sales reps see the leads they own`);
    const [recentEvents, transitions] = await Promise.all([
      this.deps.events.eventsOf({ kind: 'lead', id: leadId }, { newestFirst: true, limit: RECENT_EVENTS }),
      this.deps.stageChanges.transitionsOf(leadId),
    ]);
    const stageHistory = transitions.map(({ leadId: _leadId, leadCreatedAt: _createdAt, ...change }) => change);
    const { pendingQualification: _outbox, pendingStageChange: _stageOutbox, version: _version, score: state, ...visible } = lead;
    const ruleset = state ? (await this.deps.rulesets.get(state.rulesetVersion))?.ruleset : undefined;
    const score = state && ruleset ? scoreBreakdown(lead, state, ruleset, now) : undefined;
    return { ...visible, attributes: lead.attributes ?? {}, purchases: purchaseProfile(lead.purchases, now), score, stage: currentStage(lead), stageHistory, recentEvents };
  }

  /**
   * The lead's fit and engagement over time, for the lead page's chart: its recorded events replayed
   * through the ruleset its score was kept under (named in the answer), read after each event and
   * now. Derived on read, so scoring writes nothing more per event; the cost is one query of the
   * lead's events when someone opens the chart. Fit is the lead's fit as its profile is now.
   */
  async scoreHistory(leadId: string, now: string, maySee: (owner: Lead['owner']) => boolean = () => true): Promise<{ rulesetVersion?: string; points: ScorePoint[] }> {
    const lead = await this.deps.leads.getLead(leadId);
    if (!lead) throw new NotFound(`No lead with id ${leadId}`);
    if (!maySee(lead.owner)) throw new Forbidden(`Lead ${leadId} is not yours: sales reps see the leads they own`);
    const state = lead.score;
    const ruleset = state ? (await this.deps.rulesets.get(state.rulesetVersion))?.ruleset : undefined;
    if (!state || !ruleset) return { points: [] };
    const events = await this.deps.events.eventsOf({ kind: 'lead', id: leadId });
    return { rulesetVersion: ruleset.version, points: scoreTimeline(events, scoringView(lead), ruleset, now, state.engagementSince) };
  }
}

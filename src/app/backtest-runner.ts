import type { RecordedEvent } from './lead-scoring';
import { currentStage } from '../domain/handoff/lifecycle';
import { teamFor, type RoutingConfig } from '../domain/handoff/routing';
import { scoringView, type Lead } from '../domain/lead';
import { compareEvents } from '../domain/scoring/engine';
import { Backtest, summarise, type BacktestWindow, type LeadOutcome } from '../domain/scoring/backtest';
import type { Ruleset } from '../domain/scoring/ruleset';

/** A lead with the events of its history that may have happened in a back-test's window. */
export interface LeadHistory {
  readonly lead: Lead;
  readonly events: readonly RecordedEvent[];
}

/** What a back-test reads: every lead with its history of the window, a page of leads at a time. */
export interface BacktestHistory {
  leadHistories(window: BacktestWindow): AsyncIterable<readonly LeadHistory[]>;
}

const byTime = (a: RecordedEvent, b: RecordedEvent) => compareEvents({ at: a.occurredAt, eventId: a.id }, { at: b.occurredAt, eventId: b.id });

/**
 * What is known of a lead's outcome: its last recycle (its score's `engagementSince`), its win
 * (recorded since wins were; before, a lead still a customer counts from its last stage change), and
 * where its alert would go under `routing`.
 */
function outcomeOf(lead: Lead, routing: RoutingConfig | undefined): LeadOutcome {
  const recycledAt = lead.score?.engagementSince;
  const wonAt = lead.wonAt ?? (currentStage(lead) === 'customer' ? lead.stageChangedAt : undefined);
  const route = !routing ? undefined : lead.owner ? { ownerRepId: lead.owner.repId, teamId: lead.owner.teamId } : { teamId: teamFor(routing, lead).id };
  return { ...(recycledAt ? { recycledAt } : {}), ...(wonAt ? { wonAt } : {}), ...(route ? { route } : {}) };
}

/**
 * Feeds a window of recorded events, lead by lead, through the pure back-test: each lead's profile and
 * history come in one read (the store reads many leads at once while a page is replayed). Events never
 * tied to a lead (visitors who did not identify) score nothing live either. With a routing
 * configuration, the replayed alerts are handed to its teams' reps.
 */
export async function runBacktest(history: BacktestHistory, draft: Ruleset, active: Ruleset, window: BacktestWindow, routing?: RoutingConfig) {
  const started = Date.now();
  const teams = new Map((routing?.teams ?? []).map((team) => [team.id, team.reps.map((rep) => rep.id)]));
  const backtest = new Backtest(draft, active, window, teams);
  for await (const page of history.leadHistories(window)) {
    for (const { lead, events } of page) {
      if (events.length) backtest.addLead(lead.id, scoringView(lead), [...events].sort(byTime), outcomeOf(lead, routing));
    }
  }
  const report = backtest.report();
  return { report, summary: summarise(report, new Date().toISOString()), durationMs: Date.now() - started };
}

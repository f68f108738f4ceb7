import type { LeadEventStore, StoredEvent } from '../adapters/lead-events';
import type { LeadStore } from '../adapters/lead-store';
import { currentStage } from '../domain/handoff/lifecycle';
import { teamFor, type RoutingConfig } from '../domain/handoff/routing';
import { scoringView, type Lead } from '../domain/lead';
import { Backtest, summarise, type BacktestWindow, type LeadOutcome } from '../domain/scoring/backtest';
import type { Ruleset } from '../domain/scoring/ruleset';

/** Leads fetched and scored together; bounds memory to the window's events plus one group of leads. */
const LEADS_PER_GROUP = 500;

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
 * Feeds a window of recorded events, lead by lead, through the pure back-test: the events are read
 * from the time index day by day, grouped by the lead they belong to, and each lead's profile is
 * read once. Events never tied to a lead (visitors who did not identify) score nothing live either.
 * With a routing configuration, the replayed alerts are handed to its teams' reps.
 */
export async function runBacktest(store: { readonly events: Pick<LeadEventStore, 'eventsBetween'>; readonly leads: Pick<LeadStore, 'getLeads'> }, draft: Ruleset, active: Ruleset, window: BacktestWindow, routing?: RoutingConfig) {
  const started = Date.now();
  const byLead = new Map<string, StoredEvent[]>();
  for await (const page of store.events.eventsBetween(window.from, window.to)) {
    for (const event of page) {
      if (event.subject.kind !== 'lead') continue;
      const events = byLead.get(event.subject.id) ?? [];
      events.push(event);
      byLead.set(event.subject.id, events);
    }
  }
  const teams = new Map((routing?.teams ?? []).map((team) => [team.id, team.reps.map((rep) => rep.id)]));
  const backtest = new Backtest(draft, active, window, teams);
  const leadIds = [...byLead.keys()];
  for (let index = 0; index < leadIds.length; index += LEADS_PER_GROUP) {
    for (const lead of await store.leads.getLeads(leadIds.slice(index, index + LEADS_PER_GROUP))) {
      backtest.addLead(lead.id, scoringView(lead), byLead.get(lead.id) ?? [], outcomeOf(lead, routing));
    }
  }
  const report = backtest.report();
  return { report, summary: summarise(report, new Date().toISOString()), durationMs: Date.now() - started };
}

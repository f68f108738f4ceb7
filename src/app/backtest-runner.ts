import type { RecordedEvent } from './lead-scoring';
import { currentStage } from '../domain/handoff/lifecycle';
import { teamFor, type RoutingConfig } from '../domain/handoff/routing';
import { scoringView, type Lead } from '../domain/lead';
import { Backtest, summarise, type BacktestWindow, type LeadOutcome } from '../domain/scoring/backtest';
import type { Ruleset } from '../domain/scoring/ruleset';

/** What a back-test reads: the events recorded in a window, page by page, and the leads they belong to. */
export interface BacktestHistory {
  readonly events: { eventsBetween(from: string, to: string): AsyncIterable<readonly RecordedEvent[]> };
  readonly leads: { getLeads(leadIds: readonly string[]): Promise<Lead[]> };
}

/** Leads fetched and scored together; bounds memory to the window's events plus a few groups of leads. */
const LEADS_PER_GROUP = 500;
/** Days of the window read at once: each day is its own partition of the time index. */
const DAYS_AT_ONCE = 8;
/** Groups of leads being fetched while the group before them is replayed. */
const GROUPS_AHEAD = 2;
const MS_PER_DAY = 86_400_000;

/**
 * The window cut at UTC midnights, one partition of the time index each. A day after the first is
 * read from its date on (every entry of its partition sorts after it), so each day yields what reading
 * the whole window through it would.
 */
function daysOf(window: BacktestWindow): BacktestWindow[] {
  const days: BacktestWindow[] = [];
  for (let day = Date.parse(window.from.slice(0, 10)); day < Date.parse(window.to); day += MS_PER_DAY) {
    const date = new Date(day).toISOString();
    const nextDay = new Date(day + MS_PER_DAY).toISOString();
    days.push({ from: days.length === 0 ? window.from : date.slice(0, 10), to: nextDay < window.to ? nextDay : window.to });
  }
  return days;
}

/** Maps `items` through `read`, at most `width` at a time, giving the results in the order of `items`. */
async function inOrder<T, R>(items: readonly T[], width: number, read: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const reader = async () => {
    for (let index = next++; index < items.length; index = next++) results[index] = await read(items[index] as T);
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, reader));
  return results;
}

async function eventsOfDay(history: BacktestHistory, day: BacktestWindow): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  for await (const page of history.events.eventsBetween(day.from, day.to)) events.push(...page);
  return events;
}

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
 * from the time index, several days at once, grouped by the lead they belong to, and each lead's
 * profile is read once, the next groups of leads while one is replayed. Events never tied to a lead (visitors who did not identify) score nothing live either.
 * With a routing configuration, the replayed alerts are handed to its teams' reps.
 */
export async function runBacktest(history: BacktestHistory, draft: Ruleset, active: Ruleset, window: BacktestWindow, routing?: RoutingConfig) {
  const started = Date.now();
  const byLead = new Map<string, RecordedEvent[]>();
  // Grouped in day order, whatever order the days came in, so leads are replayed in the same order every run.
  for (const events of await inOrder(daysOf(window), DAYS_AT_ONCE, (day) => eventsOfDay(history, day))) {
    for (const event of events) {
      if (event.subject.kind !== 'lead') continue;
      const leadEvents = byLead.get(event.subject.id) ?? [];
      leadEvents.push(event);
      byLead.set(event.subject.id, leadEvents);
    }
  }
  const teams = new Map((routing?.teams ?? []).map((team) => [team.id, team.reps.map((rep) => rep.id)]));
  const backtest = new Backtest(draft, active, window, teams);
  const leadIds = [...byLead.keys()];
  const groups = Array.from({ length: Math.ceil(leadIds.length / LEADS_PER_GROUP) }, (_, index) => leadIds.slice(index * LEADS_PER_GROUP, (index + 1) * LEADS_PER_GROUP));
  const fetching = new Map<number, Promise<Lead[]>>();
  for (let index = 0; index < groups.length; index += 1) {
    for (let ahead = index; ahead <= index + GROUPS_AHEAD && ahead < groups.length; ahead += 1) {
      if (fetching.has(ahead)) continue;
      const leads = history.leads.getLeads(groups[ahead] ?? []);
      // A group fetched ahead may fail while an earlier one is replayed: its error is thrown when its turn comes.
      leads.catch(() => undefined);
      fetching.set(ahead, leads);
    }
    const leads = await fetching.get(index);
    fetching.delete(index);
    for (const lead of leads ?? []) backtest.addLead(lead.id, scoringView(lead), byLead.get(lead.id) ?? [], outcomeOf(lead, routing));
  }
  const report = backtest.report();
  return { report, summary: summarise(report, new Date().toISOString()), durationMs: Date.now() - started };
}

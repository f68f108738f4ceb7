import type { EventSubject } from './lead-scoring';
import { LeadViewer, scoreWith, type RulesetVersions } from './lead-views';
import type { LifespanReader } from './ports';
import { isSubscriber } from '../domain/campaigns/campaign';
import type { Lead } from '../domain/lead';
import type { LeadCursor } from '../domain/lead-listing';
import type { SubscriptionType } from '../domain/subscriptions';
import { purchaseProfile } from '../domain/purchases';
import { historyHolds, historySince, matchesWhere, segmentView, type HistoryEvent, type SegmentRule } from '../domain/segments/segment';
import { nextMembershipFlip } from '../domain/segments/time-flips';

/** What a preview shows before anything is sent: how many, and who, with whether every lead was looked at. */
export interface AudiencePreview {
  readonly count: number;
  readonly sample: readonly { readonly leadId: string; readonly email: string }[];
  /** False when the preview stopped at its limit; `count` is then the count among `leadsScanned`. */
  readonly complete: boolean;
  readonly leadsScanned: number;
}

/** Pages of whole leads from the lead listing, from a cursor; no cursor back means the listing is done. */
export interface LeadPages {
  leadsPage(limit: number, cursor: LeadCursor): Promise<{ leads: Lead[]; cursor?: LeadCursor }>;
}

/** A subject's events, oldest first, from `since` when given. */
export interface EventHistory {
  eventsOf(subject: EventSubject, options: { since?: string }): Promise<HistoryEvent[]>;
}

const PREVIEW_PAGE = 500;

/** History reads run this many at a time: enough to hide latency, few enough to stay under a partition's limits. */
const HISTORY_READS_IN_PARALLEL = 8;

/**
 * Decides segment membership for pages of leads: the `where` condition against each lead as it is now
 * (scores decayed to now with the ruleset that scored it), then, for the leads that pass, their event
 * history read from the lead's time-ordered index, and only as far back as the conditions look.
 */
export class Audience {
  private readonly viewer: LeadViewer;

  constructor(
    private readonly listing: LeadPages,
    private readonly leadEvents: EventHistory,
    rulesetStore: RulesetVersions,
    lifespans: LifespanReader,
  ) {
    this.viewer = new LeadViewer(rulesetStore, lifespans);
  }

  /** The leads of `candidates` that are in the segment, in their order. */
  async select(rule: SegmentRule, candidates: readonly Lead[], now: string): Promise<Lead[]> {
    const lifespan = await this.viewer.lifespan();
    const views = await Promise.all(candidates.map(async (lead) => ({ lead, view: segmentView(lead, await this.viewer.currentScore(lead, now), purchaseProfile(lead.purchases, now), now, lifespan) })));
    const present = views.filter(({ view }) => matchesWhere(rule, view)).map(({ lead }) => lead);
    const since = historySince(rule, now);
    if (since === undefined) return present;
    const holds: boolean[] = [];
    for (let start = 0; start < present.length; start += HISTORY_READS_IN_PARALLEL) {
      const slice = present.slice(start, start + HISTORY_READS_IN_PARALLEL);
      holds.push(...(await Promise.all(slice.map(async (lead) => historyHolds(rule, await this.leadEvents.eventsOf({ kind: 'lead', id: lead.id }, since ? { since } : {}), now)))));
    }
    return present.filter((_, index) => holds[index]);
  }

  /**
   * Counts the segment's members (only subscribers of `subscription` when given) and samples a few,
   * stopping after `maxLeads` leads or at `deadline` (epoch ms), so it answers within the API's limit.
   */
  async preview(rule: SegmentRule, options: { subscription?: SubscriptionType; sampleSize: number; maxLeads: number; deadline: number; now: string }): Promise<AudiencePreview> {
    let count = 0;
    let scanned = 0;
    const sample: { leadId: string; email: string }[] = [];
    let cursor: LeadCursor | undefined = { shard: 0 };
    while (cursor && scanned < options.maxLeads && Date.now() < options.deadline) {
      const page: { leads: Lead[]; cursor?: LeadCursor } = await this.listing.leadsPage(Math.min(PREVIEW_PAGE, options.maxLeads - scanned), cursor);
      const { subscription } = options;
      const candidates = subscription ? page.leads.filter((lead) => isSubscriber(subscription, lead)) : page.leads;
      for (const lead of await this.select(rule, candidates, options.now)) {
        count += 1;
        if (sample.length < options.sampleSize) sample.push({ leadId: lead.id, email: lead.email });
      }
      scanned += page.leads.length;
      cursor = page.cursor;
    }
    return { count, sample, complete: !cursor, leadsScanned: scanned };
  }

  /** Whether one lead is in the segment now. */
  async includes(rule: SegmentRule, lead: Lead, now: string): Promise<boolean> {
    return (await this.select(rule, [lead], now)).length === 1;
  }

  /** The lead now, as segment conditions see it. */
  view(lead: Lead, now: string): Promise<Record<string, unknown>> {
    return this.viewer.view(lead, now);
  }

  /**
   * Which of `rules` one lead is in now. Its history is read once, as far back as the furthest-looking
   * rule it meets the `where` of needs (each history condition still counts only its own window).
   */
  async includedIn(rules: readonly SegmentRule[], lead: Lead, now: string): Promise<boolean[]> {
    const view = await this.view(lead, now);
    const present = rules.map((rule) => matchesWhere(rule, view));
    const sinces = rules.flatMap((rule, index) => {
      const since = present[index] ? historySince(rule, now) : undefined;
      return since === undefined ? [] : [since];
    });
    if (!sinces.length) return present;
    const since = sinces.reduce((earliest, candidate) => (candidate < earliest ? candidate : earliest));
    const events = await this.leadEvents.eventsOf({ kind: 'lead', id: lead.id }, since ? { since } : {});
    return rules.map((rule, index) => (present[index] ?? false) && historyHolds(rule, events, now));
  }

  /**
   * Which of `rules` one lead is in now, and the next instant one of those memberships may flip with
   * time alone (engagement decaying past a bound, an event leaving a "within N days" window, a "days
   * since" field crossing one); undefined when none can. The history is read once, as far back as the
   * furthest-looking rule needs, for every rule with history conditions: one the lead is not in now
   * may take it in later.
   */
  async decide(rules: readonly SegmentRule[], lead: Lead, now: string): Promise<{ members: boolean[]; nextFlipAt?: string }> {
    const [scoredWith, lifespan] = await Promise.all([this.viewer.rulesetOf(lead), this.viewer.lifespan()]);
    const scoreOf = (at: string) => scoreWith(lead, scoredWith, at);
    const view = segmentView(lead, scoreOf(now), purchaseProfile(lead.purchases, now), now, lifespan);
    const sinces = rules.flatMap((rule) => {
      const since = historySince(rule, now);
      return since === undefined ? [] : [since];
    });
    const since = sinces.length ? sinces.reduce((earliest, candidate) => (candidate < earliest ? candidate : earliest)) : undefined;
    const events = since === undefined ? [] : await this.leadEvents.eventsOf({ kind: 'lead', id: lead.id }, since ? { since } : {});
    const members = rules.map((rule) => matchesWhere(rule, view) && historyHolds(rule, events, now));
    const subject = { lead, events, scoreAt: scoreOf, lifespan };
    // Each segment looks no further than the earliest flip found so far.
    let nextFlipAt: string | undefined;
    for (const rule of rules) {
      const flip = nextMembershipFlip(rule, subject, now, nextFlipAt);
      if (flip && (!nextFlipAt || flip < nextFlipAt)) nextFlipAt = flip;
    }
    return { members, ...(nextFlipAt ? { nextFlipAt } : {}) };
  }
}

import { inParallel } from './in-parallel';
import { encoded, positionOf } from './lead-search';
import { InvalidInput, LeadBusy } from '../domain/errors';
import { scoringView, type Lead } from '../domain/lead';
import type { LeadCursor } from '../domain/lead-listing';
import { leadSummary, profileMatches, type LeadFilter, type LeadSummary } from '../domain/lead-search';
import { bandOf, bandUpperBound, decodeScoreCursor, encodeScoreCursor, pageByScore, type BandChunk } from '../domain/score-order';
import { round, scoreAt, scoreCeiling } from '../domain/scoring/engine';
import type { Ruleset } from '../domain/scoring/ruleset';

/** The index of score bands, and leads by id with their scores. */
export interface ScoreBandsPort {
  /** Banded lead ids, band by band from the highest. */
  bands(): AsyncIterable<BandChunk>;
  getLeads(leadIds: readonly string[]): Promise<Lead[]>;
  /** Whether every lead scored before the index existed has been given its band. */
  filled(): Promise<boolean>;
  /**
   * Files a lead under the lower band `band` while its score is still at `scoreVersion` and filed under
   * `seenBand`; false (and nothing written) when the scorer wrote in between.
   */
  lowerBand(leadId: string, scoreVersion: number, seenBand: number, band: number): Promise<boolean>;
}

export interface RulesetVersions {
  get(version: string): Promise<{ readonly ruleset: Ruleset } | undefined>;
}

/** Reads each ruleset version once per request or round, however many leads were scored by it. */
export function rulesetsOnce(rulesets: RulesetVersions): (version: string) => Promise<Ruleset | undefined> {
  const read = new Map<string, Promise<Ruleset | undefined>>();
  return (version) => {
    let ruleset = read.get(version);
    if (!ruleset) read.set(version, (ruleset = rulesets.get(version).then((stored) => stored?.ruleset)));
    return ruleset;
  };
}

/** The filters the sorted list applies as it reads: the profile's and the current grade. A segment is not one of them. */
export type SortedLeadFilter = Omit<LeadFilter, 'segment'>;

/**
 * The lead list sorted by current score, highest first (equal scores by id), a page at a time; only
 * scored leads are listed. Every page computes scores as of the first page's time (the cursor keeps
 * it), so pages join up exactly. A page is found by reading the bands from the top again: its cost grows
 * with how far down the list it is (see README, "The lead list sorted by score").
 *
 * A lead's band is written only when its score is, so a lead scored high long ago stays in a high band
 * while its engagement decays, and every page would read it again. Each page therefore files the stale
 * leads it read under the band of their ceiling as of now (less `REPAIR_LAG_MS`), at most
 * `REPAIRS_PER_PAGE`, after the page is made: the next page reads them where they now belong.
 */
export class LeadsByScore {
  constructor(
    private readonly bands: ScoreBandsPort,
    private readonly rulesets: RulesetVersions,
  ) {}

  async page(filter: LeadFilter, limit: number, cursor: string | undefined, now: string): Promise<{ items: LeadSummary[]; nextCursor?: string; scanned: number; approximate: boolean }> {
    const { segment, ...sortedFilter } = filter;
    if (segment !== undefined) throw InvalidInput.field('segment', 'cannot be combined with sort=score: filter by segment in listing order, or sort without it');
    const position = cursor ? decodeScoreCursor(cursor, now) : { asOf: now };
    const rulesetOf = rulesetsOnce(this.rulesets);
    let scanned = 0;
    const repairAt = new Date(Date.parse(now) - REPAIR_LAG_MS).toISOString();
    const repairs: (() => Promise<void>)[] = [];
    // A lead whose band another request lowers while this one reads may come again under its new band: it is read once.
    const read = new Set<string>();
    // A score above its band's bound means the profile changed since the score was written (a CRM update): the order may be off.
    let outOfBand = false;
    const load = async (leadIds: readonly string[], band: number) => {
      const leads = await this.leadsOf(leadIds.filter((leadId) => !read.has(leadId)));
      for (const lead of leads) read.add(lead.id);
      scanned += leads.length;
      const shown: { id: string; score: number; summary: LeadSummary }[] = [];
      for (const lead of leads) {
        const state = lead.score;
        const ruleset = state && (await rulesetOf(state.rulesetVersion));
        if (!state || !ruleset) continue;
        if (lead.scoreVersion !== undefined && repairs.length < REPAIRS_PER_PAGE) {
          const lower = bandOf(scoreCeiling(state, scoringView(lead), ruleset, repairAt));
          const { id, scoreVersion } = lead;
          if (lower < band) repairs.push(() => this.bands.lowerBand(id, scoreVersion, band, lower).then(() => undefined));
        }
        if (!profileMatches(lead, sortedFilter)) continue;
        const current = scoreAt(state, scoringView(lead), ruleset, position.asOf);
        const total = round(current.total);
        if (total >= bandUpperBound(band)) outOfBand = true;
        if (sortedFilter.grade && current.grade !== sortedFilter.grade) continue;
        const score = { total, fit: round(current.fit), engagement: round(current.engagement), grade: current.grade, qualified: current.qualified, asOf: current.asOf };
        shown.push({ id: lead.id, score: total, summary: { ...leadSummary(lead), score } });
      }
      return shown;
    };
    const page = await pageByScore(this.bands.bands(), load, limit, position.after);
    const last = page.items.at(-1);
    await repairedWithin(repairs, REPAIR_BUDGET_MS);
    return {
      items: page.items.map((item) => item.summary),
      ...(page.more && last ? { nextCursor: encodeScoreCursor({ asOf: position.asOf, after: { id: last.id, score: last.score } }) } : {}),
      scanned,
      approximate: outOfBand || Date.parse(position.asOf) < Date.parse(repairAt) || !(await this.bands.filled()),
    };
  }

  private leadsOf(leadIds: readonly string[]): Promise<Lead[]> {
    return leadsInBatches((slice) => this.bands.getLeads(slice), leadIds);
  }
}

/** A band's leads read a batch at a time, several batches at once: a page (or a band round) may have to read thousands. */
export async function leadsInBatches(getLeads: (leadIds: readonly string[]) => Promise<Lead[]>, leadIds: readonly string[]): Promise<Lead[]> {
  const slices: (readonly string[])[] = [];
  for (let index = 0; index < leadIds.length; index += LEADS_PER_READ) slices.push(leadIds.slice(index, index + LEADS_PER_READ));
  const read: Lead[][] = new Array(slices.length);
  const failures = await inParallel(
    slices.map((slice, index) => async () => {
      read[index] = await getLeads(slice);
    }),
    READS_AT_ONCE,
  );
  if (failures.length) throw failures[0];
  return read.flat();
}

/** Leads read per request of the port (a profile and a score each: one batch of 100 items), and requests at a time. */
const LEADS_PER_READ = 50;
const READS_AT_ONCE = 8;

/**
 * Stale bands lowered per page at most, and writes at a time: each is one conditional write of the
 * lead's score item and a move of its index entry (delete and put), made once per band a lead falls.
 */
export const REPAIRS_PER_PAGE = 1_000;
export const REPAIRS_AT_ONCE = 25;
/**
 * How long a page spends on its repairs before it answers: none starts after it (the rest wait for a
 * later page), and the page waits for those under way at most `REPAIR_GRACE_MS` more.
 */
const REPAIR_BUDGET_MS = 300;
const REPAIR_GRACE_MS = 200;
/**
 * Bands are lowered to the ceiling as of this long before the request, not as of the request: a page
 * computes scores as of its first page's time (the cursor's), and a lead lowered to its bound as of
 * now could score more than that at a cursor's earlier time. A cursor older than this is still answered,
 * but marked approximate: a lead may have been moved below where that time's scores would put it.
 */
export const REPAIR_LAG_MS = 86_400_000;

/** Runs `repairs` until `budgetMs` has passed; a repair that fails changes nothing, so failures are dropped. */
async function repairedWithin(repairs: readonly (() => Promise<void>)[], budgetMs: number): Promise<void> {
  if (!repairs.length) return;
  const deadline = Date.now() + budgetMs;
  const work = inParallel(
    repairs.map((repair) => async () => {
      if (Date.now() < deadline) await repair();
    }),
    REPAIRS_AT_ONCE,
  );
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, budgetMs + REPAIR_GRACE_MS);
  });
  await Promise.race([work, late]);
  clearTimeout(timer);
}

/** A lead with the band its score is filed under, and the write that files it anew. */
export interface BandRefilePort {
  bandedLead(leadId: string): Promise<{ lead: Lead; band?: number } | undefined>;
  /** Files the lead under `band` while its profile is at `leadVersion` and its score at `scoreVersion`; false when either changed. */
  refile(leadId: string, leadVersion: number, scoreVersion: number, band: number): Promise<boolean>;
}

/** Reads and writes tried before a refile gives up on a lead that keeps changing. */
const REFILE_ATTEMPTS = 3;

/**
 * Files a lead's score anew after its profile changed without a score write (a CRM contact update
 * changing the role or the industry; refile-score-bands takes its `lead.contact-changed` off a queue,
 * so a refile that fails is delivered again): fit is read from the profile as it is now, so the lead may score
 * above its band, and the sorted list would show it late. Its ceiling is taken as the list's repairs
 * take it (as of a day before `now`) over the new profile; the band is written only when it differs,
 * guarded by both the profile's and the score's versions, so a scorer or a profile write in between
 * makes it read again.
 */
export class ScoreBandRefiling {
  constructor(
    private readonly bands: BandRefilePort,
    private readonly rulesets: RulesetVersions,
  ) {}

  async refile(leadId: string, now: string): Promise<void> {
    for (let attempt = 0; attempt < REFILE_ATTEMPTS; attempt += 1) {
      const read = await this.bands.bandedLead(leadId);
      const lead = read?.lead;
      const state = lead?.score;
      if (!lead || !state || lead.scoreVersion === undefined) return;
      const ruleset = (await this.rulesets.get(state.rulesetVersion))?.ruleset;
      if (!ruleset) return;
      const band = bandOf(scoreCeiling(state, scoringView(lead), ruleset, new Date(Date.parse(now) - REPAIR_LAG_MS).toISOString()));
      if (band === read.band) return;
      if (await this.bands.refile(leadId, lead.version, lead.scoreVersion, band)) return;
    }
    throw new LeadBusy(leadId, REFILE_ATTEMPTS);
  }
}

/** The leads of the listing whose score has no band yet, and the write that files one. */
export interface UnbandedLeadsPort {
  unbandedPage(limit: number, cursor: LeadCursor): Promise<{ leads: Lead[]; scanned: number; cursor?: LeadCursor }>;
  fileUnder(leadId: string, scoreVersion: number, band: number): Promise<boolean>;
  markFilled(at: string): Promise<void>;
}

/** Leads read per backfill request. */
export const BACKFILL_PAGE = 200;

/**
 * Gives the leads scored before the band index existed their band, a page of the listing per call.
 * Idempotent: a lead already banded (by this or by its next scoring) is left as it is. When a walk
 * reaches the end of the listing, the list sorted by score stops saying it is approximate.
 */
export class ScoreBandBackfill {
  constructor(
    private readonly leads: UnbandedLeadsPort,
    private readonly rulesets: RulesetVersions,
  ) {}

  async page(cursor: string | undefined, now: string): Promise<{ scanned: number; filed: number; nextCursor?: string }> {
    const position = cursor ? positionOf(cursor, undefined) : { shard: 0 };
    const page = await this.leads.unbandedPage(BACKFILL_PAGE, position);
    let filed = 0;
    for (const lead of page.leads) {
      const state = lead.score;
      const ruleset = state && (await this.rulesets.get(state.rulesetVersion))?.ruleset;
      if (!state || !ruleset || lead.scoreVersion === undefined) continue;
      if (await this.leads.fileUnder(lead.id, lead.scoreVersion, bandOf(scoreCeiling(state, scoringView(lead), ruleset)))) filed += 1;
    }
    if (!page.cursor) await this.leads.markFilled(now);
    return { scanned: page.scanned, filed, ...(page.cursor ? { nextCursor: encoded(page.cursor) } : {}) };
  }
}

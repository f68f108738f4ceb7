import { inParallel } from './in-parallel';
import { leadsInBatches, REPAIR_LAG_MS, REPAIRS_AT_ONCE, rulesetsOnce, type RulesetVersions, type ScoreBandsPort } from './leads-by-score';
import type { Log } from './ports';
import { scoringView } from '../domain/lead';
import { bandOf, type BandChunk, type BandRound } from '../domain/score-order';
import { scoreCeiling } from '../domain/scoring/engine';

/** The band index read from a band down, its leads, and the conditional write that lowers a stale band. */
export interface BandRoundIndex extends Pick<ScoreBandsPort, 'getLeads' | 'lowerBand'> {
  bands(from?: number): AsyncIterable<BandChunk>;
  round(): Promise<(BandRound & { rev: number }) | undefined>;
  /** Saves the round at `rev` + 1; false when another sweep saved it since. */
  saveRound(round: BandRound, rev: number): Promise<boolean>;
}

/** A round starts this long after the last one started. */
export const BAND_ROUND_EVERY_MS = 3_600_000;
/**
 * A round ends once it has found this many leads in their band above the band it would read next:
 * the first pages of the list sorted by score (up to 200 leads a page) then read no stale lead.
 * Deeper pages still lower the stale bands they read themselves.
 */
export const BAND_ROUND_IN_PLACE = 1_000;
/** Leads read (and their stale bands lowered) between looks at the deadline: a band may hold thousands. */
const LEADS_PER_STEP = 200;

/**
 * The hourly round that keeps the top of the score band index fresh, so the first page of the list
 * sorted by score reads about a page whoever asks first. A lead's band is written with its score, so
 * a lead scored high long ago stays filed high while its engagement decays; the round walks the index
 * from the highest band down, and files every stale lead it reads under the band of its ceiling as of
 * an hour's round time less a day (the lag that keeps the list's cursors exact), with the list's own
 * conditional write: a lead the scorer wrote meanwhile is left as the scorer filed it. It stops once
 * `BAND_ROUND_IN_PLACE` leads above the band it would read next are in place, or at the sweep's
 * deadline, saving the band it stopped at: the next sweep (a minute later) goes on from there.
 */
export class ScoreBandRound {
  constructor(
    private readonly index: BandRoundIndex,
    private readonly rulesets: RulesetVersions,
    private readonly log: Log,
  ) {}

  /** Goes on with the round (or starts the next one when due) at `now`, until `deadline` (epoch ms); what it read and lowered, or undefined when no round was due. */
  async pass(now: Date, deadline: number): Promise<{ read: number; lowered: number } | undefined> {
    const stored = await this.index.round();
    let round: BandRound;
    if (stored && stored.finishedAt === undefined) round = stored;
    else if (!stored || Date.parse(stored.startedAt) + BAND_ROUND_EVERY_MS <= now.getTime()) round = { startedAt: now.toISOString(), inPlace: 0, lowered: 0 };
    else return undefined;
    let rev = stored?.rev ?? 0;
    const repairAt = new Date(now.getTime() - REPAIR_LAG_MS).toISOString();
    const rulesetOf = rulesetsOnce(this.rulesets);
    let read = 0;
    let lowered = round.lowered;
    let inPlace = round.inPlace;
    let inPlaceAbove = inPlace;
    let band: number | undefined;
    /** Saves where the round stands; false when another sweep moved it meanwhile (it goes on from its own place). */
    const save = async (next: BandRound) => {
      if (!(await this.index.saveRound(next, rev))) {
        this.log.info('Score band round: another sweep moved the round meanwhile', {});
        return false;
      }
      rev += 1;
      return true;
    };
    for await (const chunk of this.index.bands(round.from)) {
      if (chunk.band !== band) {
        if (inPlace >= BAND_ROUND_IN_PLACE) break;
        // The bands above are done: a sweep stopped later (or cut off) goes on from here.
        if (band !== undefined && !(await save({ startedAt: round.startedAt, from: chunk.band, inPlace, lowered }))) return { read, lowered };
        band = chunk.band;
        inPlaceAbove = inPlace;
      }
      for (let start = 0; start < chunk.leadIds.length; start += LEADS_PER_STEP) {
        if (Date.now() >= deadline) {
          await save({ startedAt: round.startedAt, from: band, inPlace: inPlaceAbove, lowered });
          this.log.info('Score band round: goes on in the next sweep', { read, lowered, band });
          return { read, lowered };
        }
        const repairs: (() => Promise<void>)[] = [];
        for (const lead of await leadsInBatches((leadIds) => this.index.getLeads(leadIds), chunk.leadIds.slice(start, start + LEADS_PER_STEP))) {
          const state = lead.score;
          const ruleset = state && (await rulesetOf(state.rulesetVersion));
          if (!state || !ruleset || lead.scoreVersion === undefined) continue;
          read += 1;
          const lower = bandOf(scoreCeiling(state, scoringView(lead), ruleset, repairAt));
          const { id, scoreVersion } = lead;
          const seen = chunk.band;
          if (lower < seen) {
            repairs.push(async () => {
              if (await this.index.lowerBand(id, scoreVersion, seen, lower)) lowered += 1;
            });
          } else inPlace += 1;
        }
        // A repair that fails changes nothing: the next round (or a reader) lowers that lead.
        await inParallel(repairs, REPAIRS_AT_ONCE);
      }
    }
    await save({ startedAt: round.startedAt, inPlace, lowered, finishedAt: now.toISOString() });
    this.log.info('Score band round finished', { read, lowered, inPlace });
    return { read, lowered };
  }
}

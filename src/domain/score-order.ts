import * as z from 'zod/mini';
import { InvalidInput } from './errors';
import { cursorContent } from './page';

/**
 * The lead list sorted by score, without reading every lead. A lead's current score only falls between
 * writes of its score (engagement decays), so each score write files the lead under the band of the
 * most its score can read until the next write (`scoreCeiling`). Reading the bands from the top, a lead
 * read so far can be shown once its current score is at least the upper bound of the highest band not
 * yet read: no lead still unread can score more.
 */

/** Points per band: wide enough that a lead's band changes seldom (each change is an index write), narrow enough that a band is read in few queries. */
export const SCORE_BAND_WIDTH = 10;
/**
 * Added to a ceiling before its band is taken: the list compares scores rounded to two decimals and
 * summed in another order than the ceiling, so a score may exceed its ceiling by a rounding error.
 */
const ROUNDING_MARGIN = 0.01;
/**
 * Bands are written as this offset plus the band number in base 36, four digits (0-9 sort before a-z),
 * so they sort as text in few bytes (the scorer rewrites the item that holds it); scores are within ±1,000,000.
 */
const BAND_OFFSET = 100_000;
const BAND_DIGITS = 4;

/** The band a score ceiling files a lead under. */
export const bandOf = (ceiling: number): number => Math.max(-BAND_OFFSET, Math.min(BAND_OFFSET - 1, Math.floor((ceiling + ROUNDING_MARGIN) / SCORE_BAND_WIDTH)));
/** Every lead of `band` scores less than this, now and until its score is written again. */
export const bandUpperBound = (band: number): number => (band + 1) * SCORE_BAND_WIDTH;
/** The band as index sort keys spell it: sorts as text in the order of the bands. */
export const bandKey = (band: number): string => (band + BAND_OFFSET).toString(36).padStart(BAND_DIGITS, '0');
export const bandFromKey = (key: string): number => Number.parseInt(key, 36) - BAND_OFFSET;

/** A lead as the sorted list orders it: its current score (as shown, two decimals) and its id. */
export interface ScoredLead {
  readonly id: string;
  readonly score: number;
}

/** Highest score first; equal scores by lead id, so pages are stable. */
export const byScore = (a: ScoredLead, b: ScoredLead): number => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** Where a page of the sorted list ended: the scores are as of `asOf` on every page, so pages join up exactly. */
export interface ScorePosition {
  readonly asOf: string;
  readonly after?: ScoredLead;
}

/** Leads of one band, as the index gives them (a band may come in several chunks, never interleaved with another band). */
export interface BandChunk {
  readonly band: number;
  readonly leadIds: readonly string[];
}

/**
 * Where the round that lowers stale bands stands: started at `startedAt`; `from`, the band a round cut
 * short goes on at; `inPlace`, leads found in their band above it; `finishedAt` once done.
 */
export interface BandRound {
  readonly startedAt: string;
  readonly from?: number;
  readonly inPlace: number;
  readonly lowered: number;
  readonly finishedAt?: string;
}

/** A binary heap of scored leads in list order. */
class ScoreHeap<T extends ScoredLead> {
  private readonly items: T[] = [];

  get size() {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T) {
    const items = this.items;
    items.push(item);
    let index = items.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (byScore(items[parent] as T, item) <= 0) break;
      items[index] = items[parent] as T;
      index = parent;
    }
    items[index] = item;
  }

  pop(): T | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (!items.length || last === undefined) return top;
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= items.length) break;
      const right = left + 1;
      const child = right < items.length && byScore(items[right] as T, items[left] as T) < 0 ? right : left;
      if (byScore(last, items[child] as T) <= 0) break;
      items[index] = items[child] as T;
      index = child;
    }
    items[index] = last;
    return top;
  }
}

/**
 * One page of the list sorted by score. `bands` gives the index's lead ids band by band, highest
 * first; `load` gives the leads of some ids with their current scores (leaving out those the list
 * does not show: unscored, filtered out). A lead is emitted once its score is at least the upper bound
 * of the band being read, so the page is exactly the next `limit` leads in `byScore` order after
 * `after`. `more` says whether anything may follow the page.
 */
export async function pageByScore<T extends ScoredLead>(
  bands: AsyncIterable<BandChunk>,
  load: (leadIds: readonly string[], band: number) => Promise<readonly T[]>,
  limit: number,
  after?: ScoredLead,
): Promise<{ items: T[]; more: boolean }> {
  const heap = new ScoreHeap<T>();
  const items: T[] = [];
  const emitWhile = (ready: (top: T) => boolean) => {
    for (let top = heap.peek(); top && items.length < limit && ready(top); top = heap.peek()) items.push(heap.pop() as T);
  };
  for await (const chunk of bands) {
    const bound = bandUpperBound(chunk.band);
    emitWhile((top) => top.score >= bound);
    if (items.length === limit) return { items, more: true };
    for (const lead of await load(chunk.leadIds, chunk.band)) if (!after || byScore(after, lead) < 0) heap.push(lead);
  }
  emitWhile(() => true);
  return { items, more: heap.size > 0 };
}

const Cursor = z.strictObject({
  v: z.literal(1),
  asOf: z.iso.datetime(),
  after: z.optional(z.strictObject({ id: z.uuid(), score: z.number().check(z.gte(-1e6), z.lte(1e6)) })),
});

/** The cursor of a page that ended at `position`: opaque to callers, checked when it comes back. */
export const encodeScoreCursor = (position: Required<ScorePosition>): string =>
  Buffer.from(JSON.stringify({ v: 1, asOf: position.asOf, after: { id: position.after.id, score: position.after.score } })).toString('base64url');

/** The position a `cursor` parameter names, or a 400 naming `cursor`: a changed cursor can name no more than another position in the list. */
export function decodeScoreCursor(cursor: string, now: string): ScorePosition {
  const parsed = Cursor.safeParse(cursorContent(cursor));
  if (!parsed.success || Date.parse(parsed.data.asOf) > Date.parse(now)) {
    throw new InvalidInput('Invalid request: cursor is not a cursor this list gave', [{ field: 'cursor', message: 'is not a cursor of the list sorted by score: start again without it' }]);
  }
  return { asOf: parsed.data.asOf, ...(parsed.data.after ? { after: parsed.data.after } : {}) };
}

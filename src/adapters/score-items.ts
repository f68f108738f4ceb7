import type { Grade } from '../domain/scoring/ruleset';
import type { LoggedEvent, ScoreWatermark } from '../domain/event-log';
import type { LegacyRuleTally, RuleTally, ScoreState, StoredHitEvent } from '../domain/scoring/engine';

/**
 * A lead's score as its item stores it. DynamoDB bills a write by the size of the whole item and the
 * scorer rewrites this one after every request, so the state is kept in a compact form: one-letter
 * names, times as milliseconds, each event rule's tally as a list `[points, times, value, ...hits]`,
 * and the events behind the hits packed into one binary value (6 bytes of time and the 16 bytes of
 * a stored event id). Every figure is kept exactly; reading gives back the engine's state.
 *
 * States stored before (the engine's shape as is, with or without compacted tallies) are still read.
 */
export type StoredScore = Readonly<Record<string, unknown>>;

/** Event ids as intake stores them (`scopedEventId`): `ev_` and 32 hex digits, packed as 16 bytes. */
const PACKABLE_ID = /^ev_[0-9a-f]{32}$/;
const ID_PREFIX = 'ev_';
const TIME_BYTES = 6;
const ID_BYTES = 16;
const HIT_EVENT_BYTES = TIME_BYTES + ID_BYTES;
/** Times up to 2^48 ms (the year 10889) fit in six bytes. */
const MAX_PACKED_TIME = 2 ** 48;

/** A time as milliseconds when that gives it back exactly, else as the text it was. */
const timeOut = (at: string): number | string => {
  const ms = Date.parse(at);
  return Number.isFinite(ms) && new Date(ms).toISOString() === at ? ms : at;
};
const timeIn = (value: unknown): string => (typeof value === 'number' ? new Date(value).toISOString() : String(value));

const isCompactEventTally = (tally: RuleTally | LegacyRuleTally): tally is RuleTally & { readonly hits: readonly number[] } =>
  !('kind' in tally) && tally.hits !== undefined && tally.score === undefined;

function packedHitEvents(events: readonly StoredHitEvent[]): Uint8Array | undefined {
  if (!events.every(([ms, id]) => Number.isInteger(ms) && ms >= 0 && ms < MAX_PACKED_TIME && PACKABLE_ID.test(id))) return undefined;
  const bytes = new Uint8Array(events.length * HIT_EVENT_BYTES);
  const view = new DataView(bytes.buffer);
  events.forEach(([ms, id], index) => {
    const offset = index * HIT_EVENT_BYTES;
    view.setUint16(offset, Math.floor(ms / 2 ** 32));
    view.setUint32(offset + 2, ms % 2 ** 32);
    bytes.set(Buffer.from(id.slice(ID_PREFIX.length), 'hex'), offset + TIME_BYTES);
  });
  return bytes;
}

function unpackedHitEvents(bytes: Uint8Array): StoredHitEvent[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const events: StoredHitEvent[] = [];
  for (let offset = 0; offset + HIT_EVENT_BYTES <= bytes.byteLength; offset += HIT_EVENT_BYTES) {
    const ms = view.getUint16(offset) * 2 ** 32 + view.getUint32(offset + 2);
    events.push([ms, `${ID_PREFIX}${Buffer.from(bytes.subarray(offset + TIME_BYTES, offset + HIT_EVENT_BYTES)).toString('hex')}`]);
  }
  return events;
}

/** The state as the score item stores it. */
export function storedScore(state: ScoreState): StoredScore {
  const tallies: Record<string, unknown> = {};
  for (const [ruleId, tally] of Object.entries(state.tallies)) {
    tallies[ruleId] = isCompactEventTally(tally) ? [tally.points, tally.times, tally.value, ...tally.hits] : tally;
  }
  const hitEvents = state.hitEvents ?? [];
  const packed = packedHitEvents(hitEvents);
  return {
    r: state.rulesetVersion,
    f: state.fit,
    e: state.engagement,
    a: timeOut(state.engagementAt),
    n: state.eventCount,
    g: state.grade,
    t: state.total,
    q: state.qualified,
    k: state.qualifications,
    ...(state.qualifiedAt ? { qa: timeOut(state.qualifiedAt) } : {}),
    ...(state.engagementSince ? { es: timeOut(state.engagementSince) } : {}),
    y: tallies,
    ...(hitEvents.length ? (packed ? { h: packed } : { hl: hitEvents }) : {}),
  };
}

/** A stored score back as the engine's state, in whichever shape it was stored. */
export function scoreFromItem(stored: StoredScore): ScoreState {
  if (!('r' in stored)) return stored as unknown as ScoreState;
  const tallies: Record<string, RuleTally | LegacyRuleTally> = {};
  for (const [ruleId, tally] of Object.entries((stored.y ?? {}) as Record<string, unknown>)) {
    if (Array.isArray(tally)) {
      const [points, times, value, ...hits] = tally as number[];
      tallies[ruleId] = { points: Number(points), times: Number(times), value: Number(value), hits };
    } else tallies[ruleId] = tally as RuleTally | LegacyRuleTally;
  }
  const hitEvents = stored.h instanceof Uint8Array ? unpackedHitEvents(stored.h) : Array.isArray(stored.hl) ? (stored.hl as StoredHitEvent[]) : [];
  return {
    rulesetVersion: String(stored.r),
    fit: Number(stored.f),
    engagement: Number(stored.e),
    engagementAt: timeIn(stored.a),
    eventCount: Number(stored.n),
    grade: stored.g as Grade,
    total: Number(stored.t),
    qualified: stored.q === true,
    qualifications: Number(stored.k),
    ...(stored.qa === undefined ? {} : { qualifiedAt: timeIn(stored.qa) }),
    ...(stored.es === undefined ? {} : { engagementSince: timeIn(stored.es) }),
    tallies,
    ...(hitEvents.length ? { hitEvents } : {}),
  };
}

/**
 * The watermark's recent events as the score item stores them: packed as the events behind hits are
 * (22 bytes each), or as `<recordedAt>#<id>` texts (about 60 bytes) when one cannot be packed.
 */
export function storedRecent(recent: readonly LoggedEvent[]): Uint8Array | string[] {
  const timesRoundTrip = recent.every((event) => typeof timeOut(event.recordedAt) === 'number');
  const packed = recent.length && timesRoundTrip ? packedHitEvents(recent.map((event) => [Date.parse(event.recordedAt), event.id])) : undefined;
  return packed ?? recent.map((event) => `${event.recordedAt}#${event.id}`);
}

/** The watermark of a score item (none yet: nothing is in the score). */
export function watermarkOf(item: Readonly<Record<string, unknown>> | undefined): ScoreWatermark {
  const through = typeof item?.through === 'string' ? item.through : '';
  const recent = item?.recent;
  if (recent instanceof Uint8Array) return { through, recent: unpackedHitEvents(recent).map(([ms, id]) => ({ recordedAt: new Date(ms).toISOString(), id })) };
  if (!Array.isArray(recent)) return { through, recent: [] };
  return { through, recent: recent.map((entry: string) => ({ recordedAt: entry.slice(0, entry.indexOf('#')), id: entry.slice(entry.indexOf('#') + 1) })) };
}

import type { Grade } from '../domain/scoring/ruleset';
import type { LoggedEvent, ScoreWatermark } from '../domain/event-log';
import { INTAKE_ID_BYTES, intakeIdBytes, intakeIdFrom, timeIn, timeOut, UUID_TEXT, uuidText } from './packed-values';
import type { LegacyRuleTally, RuleTally, ScoreState, StoredHitEvent } from '../domain/scoring/engine';

/**
 * A lead's score as its item stores it. DynamoDB bills a write by the size of the whole item and the
 * scorer rewrites this one after every request, so the state is kept in a compact form: one-letter
 * names, times as milliseconds, each event rule's tally as a list `[points, times, value, ...hits]`,
 * and the events behind the hits packed into one binary value (`packedEvents`: 6 bytes of time and
 * the 16 bytes of an intake's event id, other ids as text). Every figure is kept exactly; reading
 * gives back the engine's state.
 *
 * States stored before (the engine's shape as is, with or without compacted tallies) are still read.
 */
export type StoredScore = Readonly<Record<string, unknown>>;

const TIME_BYTES = 6;
/** Times up to 2^47 ms (the year 6429) are packed: the top bit of an entry's six bytes of time is free. */
const MAX_PACKED_TIME = 2 ** 47;
/** The first byte of the mixed layout: the fixed layout's starts with a time's top byte, always below it. */
const MIXED_LAYOUT = 0xff;
/** Set in an entry's time, in the mixed layout, when the id is not an intake id and a tag byte follows. */
const OTHER_ID_FLAG = 0x80;
/**
 * The other ids the pipeline makes, each packed as its shape's tag (its place here, which is stored:
 * a new shape goes at the end) and 16 bytes: a prefix and 32 hex digits (idempotency.ts's digests: a
 * form submission with an Idempotency-Key, a chat message) or a prefix and a UUID (a form submission
 * without one).
 */
const ID_SHAPES = ['sub_', 'chat_'].flatMap((prefix) => [
  { prefix, uuid: false, pattern: new RegExp(`^${prefix}[0-9a-f]{32}$`) },
  { prefix, uuid: true, pattern: new RegExp(`^${prefix}${UUID_TEXT}$`) },
]);
/** Tags up to this name a shape, with room for more; any other id is its UTF-8 bytes, after a tag of their length plus this. */
const TEXT_ID = 15;
const MAX_TEXT_ID_BYTES = 255 - TEXT_ID;

const isCompactEventTally = (tally: RuleTally | LegacyRuleTally): tally is RuleTally & { readonly hits: readonly number[] } =>
  !('kind' in tally) && tally.hits !== undefined && tally.score === undefined;

/** An id other than an intake id, in the mixed layout: its tag and the bytes that follow; undefined when it does not fit. */
function packedOtherId(id: string): { tag: number; bytes: Uint8Array } | undefined {
  const shape = ID_SHAPES.findIndex((candidate) => candidate.pattern.test(id));
  const known = ID_SHAPES[shape];
  if (known) return { tag: shape, bytes: Buffer.from(id.slice(known.prefix.length).replaceAll('-', ''), 'hex') };
  const text = Buffer.from(id, 'utf8');
  return text.byteLength && text.byteLength <= MAX_TEXT_ID_BYTES ? { tag: TEXT_ID + text.byteLength, bytes: text } : undefined;
}

function unpackedOtherId(tag: number, bytes: Uint8Array): string {
  const shape = ID_SHAPES[tag];
  if (!shape) return Buffer.from(bytes).toString('utf8');
  return `${shape.prefix}${shape.uuid ? uuidText(bytes) : Buffer.from(bytes).toString('hex')}`;
}

/**
 * Events as one binary value, each as 6 bytes of time and its id. All intake ids (16 bytes each): the
 * fixed layout, 22 bytes an event. Any other id among them (a form submission's, a chat's: most leads
 * have one): the mixed layout, its mark and then the events, an intake id as in the fixed layout and
 * any other with `OTHER_ID_FLAG` in its time, a tag byte and its bytes (`packedOtherId`: 16 for an id
 * the pipeline makes). Undefined when a time or an id does not fit.
 */
function packedEvents(events: readonly StoredHitEvent[]): Uint8Array | undefined {
  if (!events.every(([ms]) => Number.isInteger(ms) && ms >= 0 && ms < MAX_PACKED_TIME)) return undefined;
  const packed = events.map(([, id]): { readonly tag?: number; readonly bytes: Uint8Array } | undefined => {
    const bytes = intakeIdBytes(id);
    return bytes ? { bytes } : packedOtherId(id);
  });
  const ids = packed.filter((id) => id !== undefined);
  if (ids.length < events.length) return undefined;
  const mixed = ids.some((id) => id.tag !== undefined);
  const bytes = new Uint8Array((mixed ? 1 : 0) + ids.reduce((sum, id) => sum + TIME_BYTES + (id.tag === undefined ? 0 : 1) + id.bytes.byteLength, 0));
  const view = new DataView(bytes.buffer);
  let offset = 0;
  if (mixed) bytes[offset++] = MIXED_LAYOUT;
  events.forEach(([ms], index) => {
    const id = ids[index] as (typeof ids)[number];
    view.setUint16(offset, Math.floor(ms / 2 ** 32) | (id.tag === undefined ? 0 : OTHER_ID_FLAG << 8));
    view.setUint32(offset + 2, ms % 2 ** 32);
    offset += TIME_BYTES;
    if (id.tag !== undefined) bytes[offset++] = id.tag;
    bytes.set(id.bytes, offset);
    offset += id.bytes.byteLength;
  });
  return bytes;
}

function unpackedEvents(bytes: Uint8Array): StoredHitEvent[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const events: StoredHitEvent[] = [];
  const mixed = bytes[0] === MIXED_LAYOUT;
  let offset = mixed ? 1 : 0;
  while (offset < bytes.byteLength) {
    const other = mixed && ((bytes[offset] ?? 0) & OTHER_ID_FLAG) !== 0;
    const ms = (other ? view.getUint16(offset) & ~(OTHER_ID_FLAG << 8) : view.getUint16(offset)) * 2 ** 32 + view.getUint32(offset + 2);
    offset += TIME_BYTES;
    const tag = other ? (bytes[offset++] ?? 0) : undefined;
    const length = tag !== undefined && tag > TEXT_ID ? tag - TEXT_ID : INTAKE_ID_BYTES;
    const id = bytes.subarray(offset, offset + length);
    events.push([ms, tag === undefined ? intakeIdFrom(id) : unpackedOtherId(tag, id)]);
    offset += length;
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
  const packed = packedEvents(hitEvents);
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
  const hitEvents = stored.h instanceof Uint8Array ? unpackedEvents(stored.h) : Array.isArray(stored.hl) ? (stored.hl as StoredHitEvent[]) : [];
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
 * (22 bytes an intake id, 23 another id the pipeline makes), or as `<recordedAt>#<id>` texts (about
 * 60 bytes) when one cannot be packed.
 */
export function storedRecent(recent: readonly LoggedEvent[]): Uint8Array | string[] {
  const timesRoundTrip = recent.every((event) => typeof timeOut(event.recordedAt) === 'number');
  const packed = recent.length && timesRoundTrip ? packedEvents(recent.map((event) => [Date.parse(event.recordedAt), event.id])) : undefined;
  return packed ?? recent.map((event) => `${event.recordedAt}#${event.id}`);
}

/** The watermark's `through` as the score item stores it: milliseconds (8 bytes where the text is 24), none yet as ''. */
export const storedThrough = (through: string): number | string => (through ? timeOut(through) : through);

/** The watermark of a score item (none yet: nothing is in the score). */
export function watermarkOf(item: Readonly<Record<string, unknown>> | undefined): ScoreWatermark {
  const through = typeof item?.through === 'string' || typeof item?.through === 'number' ? timeIn(item.through) : '';
  const recent = item?.recent;
  if (recent instanceof Uint8Array) return { through, recent: unpackedEvents(recent).map(([ms, id]) => ({ recordedAt: timeIn(ms), id })) };
  if (!Array.isArray(recent)) return { through, recent: [] };
  return { through, recent: recent.map((entry: string) => ({ recordedAt: entry.slice(0, entry.indexOf('#')), id: entry.slice(entry.indexOf('#') + 1) })) };
}

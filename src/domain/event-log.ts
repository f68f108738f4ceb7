/**
 * How a lead's score knows which of its recorded events it holds, without writing to the events.
 *
 * Every event is written once, into its subject's history, keyed by the time it was recorded there.
 * A write that took its recording time lands within `RECORDING_DEADLINE_MS` (the functions that record
 * events stop well within it), so once that long has passed, the history up to that time is final. The
 * score keeps a watermark: every event recorded up to `through` is in it, and so are the `recent` ones
 * recorded after. The scorer reads what was recorded since `through`, applies what is neither older nor
 * recent, and moves `through` up to its read time less the deadline. A message that arrives twice, late
 * or out of order finds its events already counted; `recent` holds only the last few minutes' events.
 */

/** How far ahead of the server a client's clock may run: later `occurredAt` times are refused. */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;

/**
 * The longest time from taking an event's recording time to its write being stored. The functions that
 * record events (ingest-events, capture-form, track-campaign, and score-lead moving a visitor's events)
 * time out in at most half of it; test/unit/event-log.test.ts holds them to it.
 */
export const RECORDING_DEADLINE_MS = 2 * 60_000;

/** An event as the watermark sees it: its id and when it entered its subject's history. */
export interface LoggedEvent {
  readonly id: string;
  readonly recordedAt: string;
}

export interface ScoreWatermark {
  /** Every event recorded at or before this time is in the score (or was a repeat of one that is). */
  readonly through: string;
  /** Events recorded after `through` that are in the score. */
  readonly recent: readonly LoggedEvent[];
}

/** The watermark of a lead that has no score yet: nothing is in it. */
export const EMPTY_WATERMARK: ScoreWatermark = { through: '', recent: [] };

/**
 * The events of `recorded` (recorded after the watermark's `through`, in recording order) not yet in
 * the score: not recent, and each id once (a concurrent retry can record an event twice).
 */
export function unapplied<E extends LoggedEvent>(recorded: readonly E[], watermark: ScoreWatermark): E[] {
  const seen = new Set(watermark.recent.map((event) => event.id));
  return recorded.filter((event) => {
    if (event.recordedAt <= watermark.through || seen.has(event.id)) return false;
    seen.add(event.id);
    return true;
  });
}

/** The watermark after `applied` went into the score, from a history read at `readAt`. */
export function advanced(watermark: ScoreWatermark, applied: readonly LoggedEvent[], readAt: Date): ScoreWatermark {
  const settled = new Date(readAt.getTime() - RECORDING_DEADLINE_MS).toISOString();
  const through = settled > watermark.through ? settled : watermark.through;
  const recent = [...watermark.recent, ...applied.map(({ id, recordedAt }) => ({ id, recordedAt }))].filter((event) => event.recordedAt > through);
  return { through, recent };
}

/** Whether an event of the history is in the score: what a rescore under another ruleset replays. */
export function isApplied(event: LoggedEvent, watermark: ScoreWatermark): boolean {
  return event.recordedAt <= watermark.through || watermark.recent.some((recent) => recent.id === event.id);
}

/** A history with each event id once, the first recorded kept: a concurrent retry can record one twice. */
export function distinctEvents<E extends LoggedEvent>(history: readonly E[]): E[] {
  const seen = new Set<string>();
  return history.filter((event) => !seen.has(event.id) && Boolean(seen.add(event.id)));
}

/**
 * From when a subject's history must be read to find an earlier copy of an event that occurred at
 * `occurredAt`: it was recorded no earlier than it occurred less the clock skew a client may have.
 */
export function repeatSearchFrom(occurredAt: string): string {
  return new Date(Date.parse(occurredAt) - MAX_CLOCK_SKEW_MS).toISOString();
}

/** What recording an event would do: store it, or nothing (a retry of a stored one), or refuse it (its id is taken). */
export type RecordStatus = 'recorded' | 'duplicate' | 'conflict';

/** Tells each of `events` against a subject's stored history (and the events before it in the list). */
export function recordStatuses(stored: readonly { readonly id: string; readonly requestHash?: string }[], events: readonly { readonly id: string; readonly requestHash?: string }[]): RecordStatus[] {
  const known = new Map(stored.map((event) => [event.id, event.requestHash]));
  return events.map((event) => {
    if (!known.has(event.id)) {
      known.set(event.id, event.requestHash);
      return 'recorded';
    }
    const earlier = known.get(event.id);
    return earlier !== undefined && earlier !== event.requestHash ? 'conflict' : 'duplicate';
  });
}

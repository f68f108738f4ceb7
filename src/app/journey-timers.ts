import { inParallel } from './in-parallel';
import type { EventPublisher, Log } from './ports';
import { DetailType, type DomainEvent } from '../domain/events';

/** A waiting enrolment whose timer is due, as the due-time index holds it. */
export interface DueTimer {
  readonly kind?: 'wait';
  readonly leadId: string;
  readonly journeyId: string;
  readonly run: number;
  readonly seq: number;
  readonly wakeAt: string;
  readonly dueKey: string;
}

/** A lead whose membership of a tracked segment may flip with time alone at `dueAt` (track-segments wrote it). */
export interface DueSegmentCheck {
  readonly kind: 'segment-check';
  readonly leadId: string;
  readonly dueAt: string;
  readonly dueKey: string;
}

/** A lead's upcoming entry into a date-entry journey, at `dateEntryAt` (its date attribute's offset, in its time zone). */
export interface DueDateEntry {
  readonly kind: 'date-entry';
  readonly leadId: string;
  readonly journeyId: string;
  readonly dateEntryAt: string;
  readonly dueKey: string;
}

/** What the due-time index holds: waits' timers, segment checks and date entries, each at the instant it falls due. */
export type DueEntry = DueTimer | DueSegmentCheck | DueDateEntry;

/** The due-time index: waiting enrolments, segment checks and date entries by when they fall due, in shards. */
export interface DueTimers {
  readonly shards: number;
  due(shard: number, now: string, limit: number): Promise<DueEntry[]>;
  /** The shard's earliest entry, due or not; undefined when the shard holds none. */
  first(shard: number): Promise<DueEntry | undefined>;
  /** Moves an entry to `until` so later sweeps leave it to its consumer; false when it moved meanwhile. */
  lease(due: DueEntry, until: string): Promise<boolean>;
  /** Takes a date entry leased until `until` out of the index once its enrolment is requested (unless it moved meanwhile). */
  done(due: DueDateEntry, until: string): Promise<void>;
}

/**
 * One lease per shard of the index on sweeping it: the shard is drained by the lease's holder only, so
 * a dispatch repeated while a drain is under way (every minute, every second locally) starts no second
 * drain competing for the same entries. A drain that dies leaves the lease to run out.
 */
export interface ShardSweeps {
  /** Takes the shard's lease for `holder` until `until` when nobody holds it at `now`; false when someone does. */
  take(shard: number, holder: string, until: string, now: string): Promise<boolean>;
  /** Moves the holder's lease to `until`; false when it is not the holder any more. */
  extend(shard: number, holder: string, until: string): Promise<boolean>;
  /** Ends the holder's lease, so the next dispatch may sweep the shard again. */
  release(shard: number, holder: string): Promise<void>;
}

/** A due timer's event is sent again when the runner has not moved its enrolment on within this time. */
export const TIMER_LEASE_MS = 5 * 60_000;
/**
 * How long a shard's sweep lease holds: past the longest a drain can run (sweep-journey-shard's
 * timeout of 60 s), so a lease outlives its drain only when the drain died, and then not for long.
 */
export const SHARD_SWEEP_HOLD_MS = 2 * 60_000;
const PAGE = 500;
/** Leases written at once by one shard's drain. */
const LEASES_AT_ONCE = 50;
/** PutEvents takes 10 entries per call; this many calls go at once. */
const EVENTS_PER_CALL = 10;
const PUTS_AT_ONCE = 5;

/** The bus event that hands a due entry to its consumer: the runner for waits and date entries, track-segments for checks. */
function eventOf(entry: DueEntry): DomainEvent {
  switch (entry.kind) {
    case 'segment-check':
      return { detailType: DetailType.LeadSegmentCheckDue, detail: { version: 1, correlationId: `segment-check:${entry.leadId}:${entry.dueAt}`, leadId: entry.leadId, dueAt: entry.dueAt } };
    case 'date-entry': {
      const { journeyId, leadId, dateEntryAt } = entry;
      return { detailType: DetailType.JourneyEnrolmentRequested, detail: { version: 1, correlationId: `${journeyId}:${leadId}:${dateEntryAt}`, journeyId, leadId, dateEntryAt } };
    }
    default: {
      const { leadId, journeyId, run, seq, wakeAt } = entry;
      return { detailType: DetailType.JourneyStepDue, detail: { version: 1, correlationId: `${journeyId}:${leadId}:${run}:${seq}`, leadId, journeyId, run, seq, wakeAt } };
    }
  }
}

export type DrainOutcome = { readonly sent: number; readonly more: boolean } | 'not-holder';

/**
 * The drain of one shard of the due-time index, by the holder of its sweep lease (requested by
 * `TimerDispatch`, one invocation per shard, so the shards of a busy minute drain side by side): each
 * due entry is leased and its event put on the bus, where its consumer's queue spreads the work
 * (`journey.step-due` for a wait and `journey.enrolment-requested` for a date entry to the runner,
 * `lead.segment-check-due` to track-segments). An entry whose event is lost or whose consumer fails
 * comes due again when its lease ends; the runner ignores a timer its enrolment has passed and enrols
 * once per date, and track-segments changes a membership once per version, so a repeat does nothing.
 */
export class ShardDrain {
  constructor(
    private readonly timers: Pick<DueTimers, 'due' | 'lease' | 'done'>,
    private readonly sweeps: ShardSweeps,
    private readonly publisher: EventPublisher,
    private readonly log: Log,
  ) {}

  /**
   * Sends every timer of `shard` due at `now`, until `deadline` (epoch ms), as the holder of its sweep
   * lease. When the deadline stops it with timers left (`more`), it requests the next drain itself, so
   * a shard's backlog is not left until the next minute's dispatch.
   */
  async drain(shard: number, holder: string, now: Date, deadline: number, holdMs: number): Promise<DrainOutcome> {
    const nowIso = now.toISOString();
    if (!(await this.sweeps.extend(shard, holder, new Date(now.getTime() + holdMs).toISOString()))) return 'not-holder';
    const leaseUntil = new Date(now.getTime() + TIMER_LEASE_MS).toISOString();
    let sent = 0;
    let more = false;
    try {
      for (;;) {
        if (Date.now() >= deadline) {
          more = true;
          break;
        }
        const due = await this.timers.due(shard, nowIso, PAGE);
        if (!due.length) break;
        const leased: DueEntry[] = [];
        const leaseFailures = await inParallel(
          due.map((timer) => async () => {
            if (await this.timers.lease(timer, leaseUntil)) leased.push(timer);
          }),
          LEASES_AT_ONCE,
        );
        const calls: (() => Promise<void>)[] = [];
        for (let start = 0; start < leased.length; start += EVENTS_PER_CALL) {
          const entries = leased.slice(start, start + EVENTS_PER_CALL);
          calls.push(async () => {
            await this.publisher.publish(entries.map(eventOf));
            sent += entries.length;
            // A date entry leaves the index once its enrolment is requested; a lost request comes due again when its lease ends.
            for (const entry of entries) if (entry.kind === 'date-entry') await this.timers.done(entry, leaseUntil);
          });
        }
        // Leased timers whose events fail to go out come due again when their lease ends.
        const publishFailures = await inParallel(calls, PUTS_AT_ONCE);
        if (leaseFailures.length || publishFailures.length) throw leaseFailures[0] ?? publishFailures[0];
        if (due.length < PAGE) break;
      }
    } finally {
      await this.sweeps.release(shard, holder);
    }
    if (more) {
      // The rest of the backlog goes to a drain of its own at once, unless a dispatch got there first.
      const next = `${new Date().toISOString()}#${shard}#next`;
      if (await this.sweeps.take(shard, next, new Date(Date.now() + holdMs).toISOString(), new Date().toISOString())) {
        await this.publisher.publish([{ detailType: DetailType.JourneyTimersDue, detail: { version: 1, correlationId: next, shard, holder: next } }]);
      }
    }
    if (sent) this.log.info('Journey timers sent', { shard, sent, more });
    return { sent, more };
  }
}

import type { EventPublisher, LeadReader, Log } from './ports';
import { DetailType, type LeadSegmentChangedDetail } from '../domain/events';
import type { Lead } from '../domain/lead';
import type { Membership } from '../domain/segments/membership';
import type { SegmentRule } from '../domain/segments/segment';

export type { Membership };

/** A saved segment marked tracked, at its current version. */
export interface TrackedSegment extends SegmentRule {
  readonly id: string;
  readonly version: number;
}

/**
 * Each lead's memberships of tracked segments, one record per lead and segment. A change is a
 * conditional write at the version read, stored with its event (an outbox of one), so of two
 * trackers deciding the same change one writes it and publishes.
 */
export interface SegmentMemberships {
  /** The lead's memberships by segment, and the instant its next check is due in the due-time index (none: no flip can come with time alone). */
  of(leadId: string): Promise<{ readonly segments: ReadonlyMap<string, Membership>; readonly nextCheckAt?: string }>;
  /** Writes the new membership with its pending event if still at `expectedVersion` (0: none yet); false when another tracker moved it. */
  change(leadId: string, segmentId: string, next: Required<Pick<Membership, 'member' | 'pending'>>, expectedVersion: number): Promise<boolean>;
  /** Clears the pending event once it is on the bus (a no-op when the record moved on meanwhile). */
  published(leadId: string, segmentId: string, version: number): Promise<void>;
  /**
   * Puts the lead's next check in the due-time index at `at` (none: takes it out), decided from the lead
   * as it was at `evaluatedAt`; a check decided from a later look stays.
   */
  scheduleCheck(leadId: string, at: string | undefined, evaluatedAt: string): Promise<void>;
}

export interface SegmentTrackingDependencies {
  readonly leads: LeadReader;
  readonly segments: { tracked(): Promise<readonly TrackedSegment[]> };
  /**
   * Which segments a lead is in now (their `where` on the lead as it is, then their history conditions
   * on the lead's events, read once), and the next instant one of those may flip with time alone.
   */
  readonly audience: { decide(rules: readonly SegmentRule[], lead: Lead, now: string): Promise<{ members: boolean[]; nextFlipAt?: string }> };
  readonly memberships: SegmentMemberships;
  readonly publisher: EventPublisher;
  /** Whether every event recorded for the lead is in its score: a change from new events is looked at once the scorer has applied them. */
  readonly scores: { isCurrent(leadId: string): Promise<boolean> };
  readonly log: Log;
  /** How long a change from new events waits for the scorer before its retry; default SCORE_WAIT_MS. */
  readonly scoreWaitMs?: number;
}

/** Raised so the queue delivers the change again later: the scorer has not applied the lead's new events yet. */
export class ScoreNotCurrent extends Error {
  override readonly name = 'ScoreNotCurrent';
}

/** How long a change from new events waits for the scorer (which runs on the same events at the same time) before its retry. */
const SCORE_WAIT_MS = 10_000;
const SCORE_POLL_MS = 250;

/**
 * Keeps each lead's membership of the tracked saved segments as the lead changes, and puts
 * `lead.segment_entered` / `lead.segment_left` on the bus once per change: the change is written
 * conditionally with its event, then published; an event whose publish may have failed is published
 * again (same detail) the next time the lead is looked at. A membership that can flip with time alone
 * (engagement decaying, an event leaving a window) has its instant kept in the due-time index, written
 * only when it moves; the sweep hands it back here (`lead.segment-check-due`) when it falls due.
 */
export class SegmentTracking {
  constructor(private readonly deps: SegmentTrackingDependencies) {}

  /**
   * After new events of the lead: waits (with a deadline) until the scorer has applied them, so
   * score conditions see the new score, then tracks. Past the deadline it throws ScoreNotCurrent.
   * With no segment tracked there is nothing to wait for: every engagement event comes here, and each
   * look at the score is a consistent read of the lead's partition.
   */
  async trackScored(leadId: string, correlationId: string): Promise<number> {
    if ((await this.deps.segments.tracked()).length === 0) return 0;
    const deadline = Date.now() + (this.deps.scoreWaitMs ?? SCORE_WAIT_MS);
    while (!(await this.deps.scores.isCurrent(leadId))) {
      if (Date.now() >= deadline) throw new ScoreNotCurrent(`Lead ${leadId}'s new events are not scored yet; its segments are looked at on the retry`);
      await new Promise((resolve) => setTimeout(resolve, SCORE_POLL_MS));
    }
    return this.track(leadId, correlationId);
  }

  /**
   * The lead's check fell due in the due-time index (its membership may have flipped with time alone):
   * looks at it again, which moves its next check on. With no segment tracked any more, the check goes.
   */
  async checkDue(leadId: string, correlationId: string, now = new Date()): Promise<number> {
    if ((await this.deps.segments.tracked()).length === 0) {
      await this.deps.memberships.scheduleCheck(leadId, undefined, now.toISOString());
      return 0;
    }
    return this.track(leadId, correlationId, now);
  }

  /** Evaluates the lead against every tracked segment now; returns how many memberships changed. */
  async track(leadId: string, correlationId: string, now = new Date()): Promise<number> {
    const { leads, segments, audience, memberships, log } = this.deps;
    const tracked = await segments.tracked();
    if (!tracked.length) return 0;
    const [lead, { segments: current, nextCheckAt }] = await Promise.all([leads.getLead(leadId), memberships.of(leadId)]);
    if (!lead) return 0;
    const at = now.toISOString();
    const { members, nextFlipAt } = await audience.decide(tracked, lead, at);
    let changed = 0;
    for (const [index, segment] of tracked.entries()) {
      const membership = current.get(segment.id);
      if (membership?.pending) await this.publish(leadId, segment.id, membership.version, membership.pending);
      const member = members[index] ?? false;
      if (member === (membership?.member ?? false)) continue;
      const detail: LeadSegmentChangedDetail = { version: 1, correlationId, leadId, segmentId: segment.id, segmentVersion: segment.version, at };
      const pending = member ? { detailType: DetailType.LeadSegmentEntered, detail } : { detailType: DetailType.LeadSegmentLeft, detail };
      const version = membership?.version ?? 0;
      // Another tracker that changed it first publishes the change; this lead's next change looks again.
      if (!(await memberships.change(leadId, segment.id, { member, pending }, version))) continue;
      changed += 1;
      await this.publish(leadId, segment.id, version + 1, pending);
    }
    if (checkMovesFor(nextCheckAt, nextFlipAt, at)) await memberships.scheduleCheck(leadId, nextFlipAt, at);
    if (changed) log.info('Segment memberships changed', { leadId, changed, tracked: tracked.length });
    return changed;
  }

  private async publish(leadId: string, segmentId: string, version: number, pending: NonNullable<Membership['pending']>): Promise<void> {
    await this.deps.publisher.publish([pending]);
    await this.deps.memberships.published(leadId, segmentId, version);
  }
}

/**
 * Whether a look must write the lead's next check. Only when the flip comes sooner than the stored
 * check, or the stored check is due (this is that check, or a look just after it): a later flip leaves
 * the earlier check standing, which then finds nothing, looks again and stores the later instant. So a
 * lead whose every event pushes its flip on (a "days since the last event" segment) costs one write per
 * check, not one per event.
 */
export function checkMovesFor(storedCheckAt: string | undefined, nextFlipAt: string | undefined, now: string): boolean {
  if (storedCheckAt === undefined || storedCheckAt <= now) return storedCheckAt !== nextFlipAt;
  return nextFlipAt !== undefined && nextFlipAt < storedCheckAt;
}

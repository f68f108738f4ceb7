import type { EventPublisher, Log } from './ports';
import { describeError, Conflict, Unavailable, type FieldIssue } from '../domain/errors';
import { DetailType, type DomainEvent } from '../domain/events';
import { recordStatuses, repeatSearchFrom, type RecordStatus } from '../domain/event-log';
import { requestFingerprint, scopedEventId } from '../domain/idempotency';

/** A tracked engagement event as a site, the snippet or a collector sends it. */
export interface TrackedEvent {
  /** The sender's id of the event: a retry sends the same id. */
  readonly id: string;
  readonly type: string;
  readonly occurredAt: string;
  readonly properties: Readonly<Record<string, unknown>>;
  /** Whose event it is: an address, or else a visitor id of the tracking snippet. */
  readonly email?: string;
  readonly anonymousId?: string;
  /**
   * For an event its sender reports again later, each time with a later time (a page reaching two
   * minutes, reported on every leave): a report of its id within this long after the first is a
   * duplicate whatever its time. Absent: a repeat must say the same time.
   */
  readonly reportedAgainWithinMs?: number;
}

type Subject = { readonly kind: 'lead' | 'anonymous'; readonly id: string };

/** An event as it is written into its subject's history. */
export interface EventRecord {
  /** Scoped to the address or visitor it was sent for, so two senders' ids never collide. */
  readonly id: string;
  readonly clientId: string;
  readonly type: string;
  readonly occurredAt: string;
  readonly receivedAt: string;
  readonly recordedAt: string;
  readonly properties: Readonly<Record<string, unknown>>;
  /** The fingerprint of what was asked: a retry must match it, or it is a conflict. */
  readonly requestHash: string;
}

export interface EventIntakeDependencies {
  readonly emails: { leadIdForEmail(email: string): Promise<string | undefined> };
  readonly visitors: { leadIdForAnonymous(anonymousId: string): Promise<string | undefined> };
  readonly history: {
    /** A subject's events recorded from `from` on, read consistently: where a repeat would be. */
    recordedSince(subject: Subject, from: string): Promise<readonly { readonly id: string; readonly requestHash?: string }[]>;
    append(subject: Subject, events: readonly EventRecord[]): Promise<void>;
    /** Writes the events of an address that had no lead, making its lead with the first; the lead they joined. */
    appendForNewAddress(email: string, events: readonly EventRecord[]): Promise<Subject>;
  };
  readonly publisher: EventPublisher;
  readonly log: Log;
}

/** One sender's events of a request, checked against its history. */
interface SenderEvents {
  readonly email: string | undefined;
  /** Absent for an address with no lead yet. */
  readonly subject: Subject | undefined;
  readonly entries: readonly { readonly index: number; readonly record: EventRecord; readonly status: RecordStatus }[];
}

export interface IntakeOutcome {
  readonly accepted: number;
  readonly duplicates: number;
  readonly events: readonly { readonly id: string; readonly status: 'accepted' | 'duplicate' }[];
}

const CONFLICT = 'was already used for a different event of this visitor; give each event its own id';

/**
 * Accepts tracked engagement: each event is stored once in the history of whom it was sent for — the
 * lead of an address (made with the event if the address is new), the lead a visitor id is linked to,
 * or the visitor, whose events count once they identify — and each lead with news gets one scoring
 * message. An id used before for a different event is refused (a conflict) before anything is written.
 */
export class EventIntake {
  constructor(private readonly dependencies: EventIntakeDependencies) {}

  async accept(tracked: readonly TrackedEvent[], correlationId: string): Promise<IntakeOutcome> {
    const receivedAt = new Date().toISOString();
    const bySender = new Map<string, number[]>();
    tracked.forEach((event, index) => {
      const sender = event.email ? `email:${event.email}` : `anonymous:${event.anonymousId ?? ''}`;
      bySender.set(sender, [...(bySender.get(sender) ?? []), index]);
    });
    // Every sender's events told against its history first, so a conflict anywhere writes nothing.
    const senders = await Promise.all([...bySender.values()].map((indexes) => this.check(indexes.map((index) => ({ index, event: tracked[index] as TrackedEvent })), receivedAt)));
    const statuses = new Array<RecordStatus>(tracked.length);
    for (const sender of senders) sender.entries.forEach((entry) => (statuses[entry.index] = entry.status));
    const conflicts: FieldIssue[] = statuses.flatMap((status, index) => (status === 'conflict' ? [{ field: `events[${index}].id`, message: CONFLICT }] : []));
    if (conflicts.length) throw new Conflict(`Conflict: ${conflicts[0]?.field} ${CONFLICT}`, conflicts);

    const subjects = await Promise.all(senders.map((sender) => this.write(sender)));
    const leads = new Map<string, string[]>();
    senders.forEach((sender, index) => {
      const subject = subjects[index];
      if (subject?.kind === 'lead') leads.set(subject.id, [...(leads.get(subject.id) ?? []), ...sender.entries.map((entry) => entry.record.id)]);
    });
    await this.announce(leads, correlationId);
    const duplicates = statuses.filter((status) => status === 'duplicate').length;
    this.dependencies.log.info('Events accepted', { received: tracked.length, duplicates });
    return {
      accepted: tracked.length - duplicates,
      duplicates,
      events: tracked.map((event, index) => ({ id: event.id, status: statuses[index] === 'recorded' ? 'accepted' : 'duplicate' })),
    };
  }

  /** One sender's events: whose history they join (none yet for a new address) and what recording each would do. */
  private async check(events: readonly { readonly index: number; readonly event: TrackedEvent }[], receivedAt: string): Promise<SenderEvents> {
    const { emails, visitors, history } = this.dependencies;
    const sender = events[0]?.event;
    const records = events.map(({ event }) => toRecord(event, receivedAt));
    let subject: Subject | undefined;
    if (sender?.email) {
      const leadId = await emails.leadIdForEmail(sender.email);
      subject = leadId ? { kind: 'lead', id: leadId } : undefined;
    } else {
      const anonymousId = sender?.anonymousId ?? '';
      const leadId = await visitors.leadIdForAnonymous(anonymousId);
      subject = leadId ? { kind: 'lead', id: leadId } : { kind: 'anonymous', id: anonymousId };
    }
    const searchTimes = events.map(({ event }, position) => {
      const occurred = records[position]?.occurredAt ?? receivedAt;
      return event.reportedAgainWithinMs ? new Date(Date.parse(occurred) - event.reportedAgainWithinMs).toISOString() : occurred;
    });
    const earliest = searchTimes.reduce((first, time) => (time < first ? time : first), searchTimes[0] ?? receivedAt);
    const stored = subject ? await history.recordedSince(subject, repeatSearchFrom(earliest)) : [];
    const statuses = recordStatuses(stored, records);
    return { email: sender?.email, subject, entries: events.map(({ index }, position) => ({ index, record: records[position] as EventRecord, status: statuses[position] ?? 'duplicate' })) };
  }

  /** Writes a sender's new events; the subject they joined (none for an address with nothing new to write). */
  private async write(sender: SenderEvents): Promise<Subject | undefined> {
    const { history } = this.dependencies;
    const fresh = sender.entries.filter((entry) => entry.status === 'recorded').map((entry) => entry.record);
    if (sender.subject) {
      if (fresh.length) await history.append(sender.subject, fresh);
      return sender.subject;
    }
    return fresh.length ? history.appendForNewAddress(sender.email ?? '', fresh) : undefined;
  }

  /**
   * One scoring message per lead with news. Duplicates are announced again: an earlier attempt may have
   * stored them and then failed to announce; scoring counts each event once whatever it is told.
   */
  private async announce(leads: ReadonlyMap<string, readonly string[]>, correlationId: string): Promise<void> {
    const toScore: DomainEvent[] = [...leads].map(([leadId, eventIds]) => ({
      detailType: DetailType.EngagementRecorded,
      detail: { version: 2, correlationId, eventIds: [...new Set(eventIds)], leadId },
    }));
    try {
      await this.dependencies.publisher.publish(toScore);
    } catch (error) {
      this.dependencies.log.error('Events stored but not published', { count: toScore.length, error: describeError(error) });
      throw new Unavailable('Events stored but not yet processed; send the same events again', 2);
    }
  }
}

/** The event as stored: its id scoped to whom it was sent for, and the fingerprint of what it asked. */
function toRecord(event: TrackedEvent, receivedAt: string): EventRecord {
  const scope = event.email ? { email: event.email } : { anonymousId: event.anonymousId ?? '' };
  const occurredAt = new Date(event.occurredAt).toISOString();
  return {
    id: scopedEventId(scope, event.id),
    clientId: event.id,
    type: event.type,
    occurredAt,
    receivedAt,
    recordedAt: receivedAt,
    properties: event.properties,
    requestHash: requestFingerprint(event.reportedAgainWithinMs ? { type: event.type, properties: event.properties } : { type: event.type, occurredAt, properties: event.properties }),
  };
}

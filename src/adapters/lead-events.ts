import { GetCommand, PutCommand, TransactWriteCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { distinctEvents, recordStatuses, repeatSearchFrom } from '../domain/event-log';
import { compareEvents } from '../domain/scoring/engine';
import { conditionally, failedConditions, isTransactionConflict } from './dynamo-errors';
import { EmailIndex } from './email-index';
import * as keys from './keys';
import type { Subject } from './keys';
import { addressOnlyLead, createLeadWrites, putEvent, putEvents, toStoredEvents, type StoredEvent } from './lead-items';
import { queryPages } from './query-pages';

export type { StoredEvent } from './lead-items';
/** An event to record: everything but its subject, which the store is told. */
export type EventToRecord = Omit<StoredEvent, 'subject'>;

/**
 * Engagement events: each written once into its subject's history (a lead's partition, or a visitor's
 * until they identify), with no index entries. A repeat of an event is found in the history recorded
 * since it occurred (`repeatSearchFrom`), so a retry is told from a new event without a key per id.
 */
export class LeadEventStore {
  private readonly emails: EmailIndex;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {
    this.emails = new EmailIndex(client, tableName);
  }

  /** A subject's events recorded from `from` on, in recording order, read consistently. */
  async recordedSince(subject: Subject, from: string): Promise<StoredEvent[]> {
    return this.query({
      KeyConditionExpression: 'pk = :subject AND sk BETWEEN :from AND :end',
      ExpressionAttributeValues: { ':subject': keys.subjectPartition(subject), ':from': keys.eventsFrom(from), ':end': keys.eventsEnd },
      ConsistentRead: true,
    });
  }

  /**
   * Writes events into a subject's history (their repeats told apart beforehand: see `recordStatuses`),
   * those recorded together in one item (`putEvents`).
   */
  async append(subject: Subject, events: readonly EventToRecord[]): Promise<void> {
    await Promise.all(
      putEvents(this.tableName, events, subject).map(async ({ Put, events: together }) => {
        if ((await conditionally(this.client.send(new PutCommand(Put)), 'written', 'there')) === 'written' || together.length === 1) return;
        // Taken: the same events written before, or another request's recorded in the same millisecond
        // with the same first by id. Those it does not hold are written each as an item of its own.
        const { Item: taken } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: { pk: Put.Item.pk, sk: Put.Item.sk }, ConsistentRead: true }));
        const held = new Set(taken ? toStoredEvents(taken).map((event) => event.id) : []);
        await this.putEach(subject, together.filter((event) => !held.has(event.id)));
      }),
    );
  }

  /** A subject's event items as stored, by key, each with the events it holds: a history moves item by item. */
  async storedItems(subject: Subject): Promise<{ key: { pk: string; sk: string }; events: StoredEvent[] }[]> {
    const items: { key: { pk: string; sk: string }; events: StoredEvent[] }[] = [];
    for await (const page of queryPages(this.client, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :subject AND sk BETWEEN :from AND :end',
      ExpressionAttributeValues: { ':subject': keys.subjectPartition(subject), ':from': keys.eventPrefix, ':end': keys.eventsEnd },
      ConsistentRead: true,
    })) {
      items.push(...page.map((item) => ({ key: { pk: String(item.pk), sk: String(item.sk) }, events: toStoredEvents(item) })));
    }
    return items;
  }

  private async putEach(subject: Subject, events: readonly EventToRecord[]): Promise<void> {
    // The same event recorded in the same millisecond already has this key: nothing more to write.
    await Promise.all(events.map((event) => conditionally(this.client.send(new PutCommand(putEvent(this.tableName, event, subject).Put)), 'written', 'there')));
  }

  /**
   * Writes events tracked for an address that had no lead: the first in one transaction with a new lead
   * holding only the address — so no lead is left without the event that made it — and the rest after.
   * If another request made the lead meanwhile, the events join it.
   */
  async appendForNewAddress(email: string, events: readonly EventToRecord[], attempt = 1): Promise<Subject> {
    const [first, ...rest] = events;
    const existing = await this.emails.leadIdForEmail(email);
    if (existing || !first) {
      const subject: Subject = { kind: 'lead', id: existing ?? '' };
      if (existing) await this.append(subject, events);
      return subject;
    }
    const lead = addressOnlyLead(email, { at: first.receivedAt });
    const subject: Subject = { kind: 'lead', id: lead.id };
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: [...createLeadWrites(this.tableName, lead), putEvent(this.tableName, first, subject)] }));
    } catch (error) {
      if (failedConditions(error)?.[0] || (isTransactionConflict(error) && attempt < 3)) return this.appendForNewAddress(email, events, attempt + 1);
      throw error;
    }
    await this.append(subject, rest);
    return subject;
  }

  /**
   * Records one event of a lead once: `duplicate` when its history holds it already, `no-lead` (nothing
   * written) when the lead is gone, as when an email sent before its erasure is opened after it.
   */
  async recordEvent(event: EventToRecord, leadId: string): Promise<'recorded' | 'duplicate' | 'no-lead'> {
    const { Item: profile } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.lead(leadId), ProjectionExpression: 'pk', ConsistentRead: true }));
    if (!profile) return 'no-lead';
    const subject: Subject = { kind: 'lead', id: leadId };
    const [status] = recordStatuses(await this.recordedSince(subject, repeatSearchFrom(event.occurredAt)), [event]);
    if (status !== 'recorded') return 'duplicate';
    await this.append(subject, [event]);
    return 'recorded';
  }

  /** A subject's events, oldest first by when they happened, each once; the newest recorded `limit` when given. */
  async eventsOf(subject: Subject, options: { newestFirst?: boolean; limit?: number; since?: string } = {}): Promise<StoredEvent[]> {
    const from = options.since ? repeatSearchFrom(options.since) : undefined;
    const events = distinctEvents(
      await this.query(
        {
          KeyConditionExpression: 'pk = :subject AND sk BETWEEN :from AND :end',
          ExpressionAttributeValues: { ':subject': keys.subjectPartition(subject), ':from': from ? keys.eventsFrom(from) : keys.eventPrefix, ':end': keys.eventsEnd },
          ...(options.newestFirst ? { ScanIndexForward: false } : {}),
        },
        options.limit,
      ),
    ).filter((event) => !options.since || event.occurredAt >= options.since);
    const byTime = events.sort((a, b) => compareEvents({ at: a.occurredAt, eventId: a.id }, { at: b.occurredAt, eventId: b.id }));
    return options.newestFirst ? byTime.reverse() : byTime;
  }

  private async query(input: Omit<QueryCommandInput, 'TableName'>, limit?: number): Promise<StoredEvent[]> {
    const events: StoredEvent[] = [];
    for await (const items of queryPages(this.client, { TableName: this.tableName, ...input, ...(limit ? { Limit: limit } : {}) })) {
      events.push(...items.flatMap((item) => toStoredEvents(item, input.ScanIndexForward === false ? 'newest-first' : 'oldest-first')));
      if (limit && events.length >= limit) break;
    }
    return limit ? events.slice(0, limit) : events;
  }
}

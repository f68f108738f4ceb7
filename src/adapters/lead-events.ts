import { GetCommand, PutCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { batchGet } from './batch-get';
import { conditionally, failedConditions, isTransactionConflict } from './dynamo-errors';
import { EmailIndex } from './email-index';
import { keys, type Subject } from './keys';
import { addressOnlyLead, createLeadWrites, putEvent, toStoredEvent, type StoredEvent } from './lead-items';
import { queryPages } from './query-pages';

export type { StoredEvent } from './lead-items';
export type EventOutcome = { readonly subject: Subject; readonly status: 'recorded' | 'duplicate' | 'conflict' };

/** Engagement events: stored once each, read by subject (a lead or a visitor) or by day. */
export class LeadEventStore {
  private readonly emails: EmailIndex;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {
    this.emails = new EmailIndex(client, tableName);
  }

  /** Stores an event once; a second event with the same id is a duplicate and changes nothing. */
  async recordEvent(event: Omit<StoredEvent, 'subject'>, subject: Subject): Promise<'recorded' | 'duplicate'> {
    return conditionally(this.client.send(new PutCommand(putEvent(this.tableName, event, subject).Put)), 'recorded', 'duplicate');
  }

  /**
   * Stores a tracked event for an address: with its lead, or, for an address nobody gave yet, in one
   * transaction with a new lead holding only the address — so no lead is left without the event that
   * made it, and no event without its lead.
   */
  async recordEventForEmail(email: string, event: Omit<StoredEvent, 'subject'>, attempt = 1): Promise<EventOutcome> {
    const existing = await this.emails.leadIdForEmail(email);
    if (existing) return this.recordEventOnce(event, { kind: 'lead', id: existing });
    const lead = addressOnlyLead(email, { at: event.receivedAt });
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: [...createLeadWrites(this.tableName, lead), putEvent(this.tableName, event, { kind: 'lead', id: lead.id })] }));
      return { subject: { kind: 'lead', id: lead.id }, status: 'recorded' };
    } catch (error) {
      const failed = failedConditions(error);
      // Another request made the lead meanwhile (or is making it now): the event joins it.
      if (failed?.[0] || (isTransactionConflict(error) && attempt < 3)) return this.recordEventForEmail(email, event, attempt + 1);
      if (failed?.some(Boolean)) return this.repeatedEvent(event);
      throw error;
    }
  }

  /** Stores an event once for a known subject; a repeat is a duplicate, or a conflict if it differs. */
  async recordEventOnce(event: Omit<StoredEvent, 'subject'>, subject: Subject): Promise<EventOutcome> {
    return (await this.recordEvent(event, subject)) === 'recorded' ? { subject, status: 'recorded' } : this.repeatedEvent(event);
  }

  private async repeatedEvent(event: Omit<StoredEvent, 'subject'>): Promise<EventOutcome> {
    const stored = await this.getEvent(event.id);
    if (!stored) throw new Error(`Event ${event.id} was refused as a duplicate but is not stored`);
    const conflict = stored.requestHash !== undefined && stored.requestHash !== event.requestHash;
    return { subject: stored.subject, status: conflict ? 'conflict' : 'duplicate' };
  }

  async getEvent(eventId: string): Promise<StoredEvent | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.event(eventId), ConsistentRead: true }));
    return Item ? toStoredEvent(Item) : undefined;
  }

  /** Events by id, read consistently (missing ones are left out). */
  async getEvents(eventIds: readonly string[]): Promise<StoredEvent[]> {
    return (await batchGet(this.client, this.tableName, eventIds.map((eventId) => keys.event(eventId)))).map(toStoredEvent);
  }

  /** A subject's events, oldest first, those that happened from `since` on when given (the index is eventually consistent). */
  async eventsOf(subject: Subject, options: { newestFirst?: boolean; limit?: number; since?: string } = {}): Promise<StoredEvent[]> {
    const events: StoredEvent[] = [];
    const pages = queryPages(this.client, {
      TableName: this.tableName,
      IndexName: 'gsi1',
      KeyConditionExpression: options.since ? 'gsi1pk = :subject AND gsi1sk >= :since' : 'gsi1pk = :subject',
      ExpressionAttributeValues: { ':subject': keys.eventSubject(subject, '', '').gsi1pk, ...(options.since ? { ':since': options.since } : {}) },
      ScanIndexForward: !options.newestFirst,
      ...(options.limit ? { Limit: options.limit } : {}),
    });
    for await (const items of pages) {
      events.push(...items.map(toStoredEvent));
      if (options.limit && events.length >= options.limit) break;
    }
    return options.limit ? events.slice(0, options.limit) : events;
  }

  /** The events already applied to a lead's score, oldest first: what a rescore replays. */
  async scoredHistory(leadId: string): Promise<StoredEvent[]> {
    return (await this.eventsOf({ kind: 'lead', id: leadId })).filter((event) => event.scoredAt);
  }

  /** Events that happened in [from, to), oldest first, read day by day from the time index. */
  async *eventsBetween(from: string, to: string): AsyncGenerator<StoredEvent[]> {
    for (let day = Date.parse(from.slice(0, 10)); day < Date.parse(to); day += 86_400_000) {
      const pages = queryPages(this.client, {
        TableName: this.tableName,
        IndexName: 'gsi2',
        KeyConditionExpression: 'gsi2pk = :day AND gsi2sk BETWEEN :from AND :to',
        ExpressionAttributeValues: { ':day': keys.eventDay(new Date(day).toISOString(), '').gsi2pk, ':from': from, ':to': to },
      });
      for await (const items of pages) {
        const events = items.map(toStoredEvent).filter((event) => event.occurredAt < to);
        if (events.length) yield events;
      }
    }
  }
}

import { randomUUID } from 'node:crypto';
import {
  BatchGetCommand,
  GetCommand,
  type BatchGetCommandOutput,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { AttributeValue, Lead, LeadProfile, Touch } from '../domain/lead';
import type { ConsentChange } from '../domain/consent/preferences';
import type { ConsentRecord } from '../domain/subscriptions';
import type { ScoredEvent, ScoreState } from '../domain/scoring/engine';
import type { LeadQualifiedDetail } from '../domain/events';
import { entryStage, stageEntry, type EntryStage } from '../domain/handoff/lifecycle';
import { conditionally, failedConditions, isConditionFailure, isTransactionConflict } from './dynamo-errors';
import { keys, LEAD_LISTING_SHARDS, type Subject } from './keys';
import { transitionPut } from './lifecycle-store';
import { queryPages } from './query-pages';

/** An engagement event as stored: the one record that makes "apply each event once" checkable. */
export interface StoredEvent extends ScoredEvent {
  readonly subject: Subject;
  readonly receivedAt: string;
  /** Set in the same transaction that adds the event's points to its lead. */
  readonly scoredAt?: string;
  /** The id the client gave a tracked event (the stored id is scoped to its visitor or address). */
  readonly clientId?: string;
  /** The fingerprint of the request that stored it: a retry must match it, or it is a conflict. */
  readonly requestHash?: string;
}

/** A lead as created: it always has the stage it entered the funnel at. */
type NewLead = Lead & { readonly stage: EntryStage; readonly stageChangedAt: string };

export interface Submission {
  readonly email: string;
  readonly profile: LeadProfile;
  /** Custom attributes to set; attributes the submission does not name are kept. */
  readonly attributes?: Readonly<Record<string, AttributeValue>>;
  readonly touch: Touch;
  readonly consents: readonly ConsentRecord[];
  readonly event: Omit<StoredEvent, 'subject'>;
}

/**
 * `duplicate`: the submission was stored before (a retry), nothing changed now; `conflict`: its id
 * was stored before for a different request (the same idempotency key reused), nothing changed.
 */
export type SubmissionOutcome = { readonly leadId: string; readonly created: boolean; readonly duplicate: boolean; readonly conflict?: boolean };
export type EventOutcome = { readonly subject: Subject; readonly status: 'recorded' | 'duplicate' | 'conflict' };
export type ScoreWrite = 'applied' | 'already-applied' | 'lead-changed';
export type LeadCursor = { readonly shard: number; readonly startKey?: Record<string, unknown> };

/** A lead cursor travels inside bus events as an opaque string. */
export const encodeCursor = (cursor: LeadCursor) => Buffer.from(JSON.stringify(cursor)).toString('base64url');
export const decodeCursor = (text: string) => JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as LeadCursor;

/** A DynamoDB transaction holds 100 items: the lead and up to 99 events. */
export const MAX_EVENTS_PER_SCORE_WRITE = 99;
const RESCORE_MARKER_TTL_SECONDS = 30 * 86_400;
export type LinkOutcome = 'linked' | 'already-linked' | 'linked-to-another-lead';

/** Persists leads, their events and their consent records in the single table. */
export class LeadStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * Stores a form submission: creates the lead (one per email, even under concurrent submissions) or
   * updates its profile, appends consent records, and records the submission as an engagement event.
   * A replay of the same submission id changes nothing and reports `duplicate`.
   */
  async captureSubmission(submission: Submission): Promise<SubmissionOutcome> {
    const created = await this.tryCreateLead(submission);
    if (created) return created;
    const leadId = await this.leadIdForEmail(submission.email);
    if (!leadId) throw new Error('Lead for email vanished between create and update');
    if (Object.keys(submission.attributes ?? {}).length) await this.ensureAttributesMap(leadId);
    return this.updateLeadWithSubmission(leadId, submission);
  }

  /**
   * Gives a lead created without custom attributes an empty map, so a submission can set
   * `attributes.<name>` paths (DynamoDB cannot set a path inside a map that does not exist).
   */
  private async ensureAttributesMap(leadId: string): Promise<void> {
    await conditionally(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.lead(leadId),
          UpdateExpression: 'SET #attributes = :empty',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#attributes)',
          ExpressionAttributeNames: { '#attributes': 'attributes' },
          ExpressionAttributeValues: { ':empty': {} },
        }),
      ),
      'created',
      'exists',
    );
  }

  private async tryCreateLead(submission: Submission): Promise<SubmissionOutcome | undefined> {
    const leadId = randomUUID();
    const now = submission.event.receivedAt;
    const lead: NewLead = {
      id: leadId,
      email: submission.email,
      ...submission.profile,
      attributes: { ...submission.attributes },
      createdAt: now,
      updatedAt: now,
      firstTouch: submission.touch,
      lastTouch: submission.touch,
      subscriptions: Object.fromEntries(submission.consents.map((consent) => [consent.subscription, consent.status])),
      stage: entryStage(Object.keys(submission.profile).length > 0 || Object.keys(submission.attributes ?? {}).length > 0),
      stageChangedAt: now,
      version: 1,
    };
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            ...this.createLeadWrites(lead),
            this.putEvent(submission.event, { kind: 'lead', id: leadId }),
            ...this.putConsents(leadId, submission.consents, submission.event.id),
          ],
        }),
      );
      return { leadId, created: true, duplicate: false };
    } catch (error) {
      const failed = failedConditions(error);
      if (failed?.[0]) return undefined;
      // The address is new but the submission is not: its lead was erased since; nothing to redo.
      if (failed?.some(Boolean)) return this.repeatedSubmission(submission);
      throw error;
    }
  }

  /** A submission whose id is stored already: the same request again, or a different one under its key. */
  private async repeatedSubmission(submission: Submission): Promise<SubmissionOutcome> {
    const stored = await this.getEvent(submission.event.id);
    const leadId = stored?.subject?.id ?? '';
    const conflict = stored?.requestHash !== undefined && stored.requestHash !== submission.event.requestHash;
    return { leadId, created: false, duplicate: true, ...(conflict ? { conflict } : {}) };
  }

  private async updateLeadWithSubmission(leadId: string, submission: Submission): Promise<SubmissionOutcome> {
    const names: Record<string, string> = { '#updatedAt': 'updatedAt', '#lastTouch': 'lastTouch', '#version': 'version' };
    const values: Record<string, unknown> = { ':updatedAt': submission.event.receivedAt, ':lastTouch': submission.touch, ':one': 1 };
    const sets = ['#updatedAt = :updatedAt', '#lastTouch = :lastTouch'];
    for (const [field, value] of Object.entries(submission.profile)) {
      names[`#${field}`] = field;
      values[`:${field}`] = value;
      sets.push(`#${field} = :${field}`);
    }
    const subscriptions = subscriptionUpdates(submission.consents.map((consent) => [consent.subscription, consent.status]));
    const attributes = attributeUpdates(Object.entries(submission.attributes ?? {}));
    for (const update of [subscriptions, attributes]) {
      Object.assign(names, update.names);
      Object.assign(values, update.values);
      sets.push(...update.sets);
    }
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            this.putEvent(submission.event, { kind: 'lead', id: leadId }),
            {
              Update: {
                TableName: this.tableName,
                Key: keys.lead(leadId),
                UpdateExpression: `SET ${sets.join(', ')} ADD #version :one`,
                ConditionExpression: 'attribute_exists(pk)',
                ExpressionAttributeNames: names,
                ExpressionAttributeValues: values,
              },
            },
            ...this.putConsents(leadId, submission.consents, submission.event.id),
          ],
        }),
      );
      return { leadId, created: false, duplicate: false };
    } catch (error) {
      if (failedConditions(error)?.[0]) return { ...(await this.repeatedSubmission(submission)), leadId };
      throw error;
    }
  }

  /**
   * A new lead's writes: the address claimed for it (so one address makes one lead, even under
   * concurrent creation), the lead, and the record of the stage it entered at.
   */
  private createLeadWrites(lead: NewLead) {
    return [
      { Put: { TableName: this.tableName, Item: { ...keys.email(lead.email), leadId: lead.id, createdAt: lead.createdAt }, ConditionExpression: 'attribute_not_exists(pk)' } },
      { Put: { TableName: this.tableName, Item: { ...keys.lead(lead.id), ...keys.leadListing(lead.id), entity: 'lead', ...lead }, ConditionExpression: 'attribute_not_exists(pk)' } },
      transitionPut(this.tableName, lead.version, { ...stageEntry(lead.stage, lead.stageChangedAt), leadId: lead.id, leadCreatedAt: lead.createdAt }),
    ];
  }

  private putEvent(event: Omit<StoredEvent, 'subject'>, subject: Subject) {
    return {
      Put: {
        TableName: this.tableName,
        Item: {
          ...keys.event(event.id),
          ...keys.eventSubject(subject, event.occurredAt, event.id),
          ...keys.eventDay(event.occurredAt, event.id),
          entity: 'event',
          ...event,
          subject,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
  }

  /** Consent records are append-only: each is put once, keyed by time, type and the request that made it. */
  private putConsents(leadId: string, consents: readonly ConsentRecord[], sourceId: string) {
    return consents.map((consent) => ({
      Put: {
        TableName: this.tableName,
        Item: { ...keys.consent(leadId, consent.at, consent.subscription, sourceId), entity: 'consent', ...consent },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    }));
  }

  async leadIdForEmail(email: string): Promise<string | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.email(email), ConsistentRead: true }));
    return Item?.leadId as string | undefined;
  }

  /** The lead for an address, created with only the address when nobody has submitted it yet. */
  async ensureLeadForEmail(email: string, touch: Touch): Promise<string> {
    const existing = await this.leadIdForEmail(email);
    if (existing) return existing;
    const leadId = randomUUID();
    const lead: NewLead = { id: leadId, email, createdAt: touch.at, updatedAt: touch.at, firstTouch: touch, lastTouch: touch, subscriptions: {}, stage: entryStage(false), stageChangedAt: touch.at, version: 1 };
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: this.createLeadWrites(lead) }));
      return leadId;
    } catch (error) {
      if (!failedConditions(error)?.[0]) throw error;
      const winner = await this.leadIdForEmail(email);
      if (!winner) throw error;
      return winner;
    }
  }

  /** Shows on the lead with this address (if any) that the address is suppressed, or no longer is. */
  async setEmailSuppression(email: string, suppression: Lead['emailSuppression']): Promise<void> {
    const leadId = await this.leadIdForEmail(email);
    if (!leadId) return;
    await conditionally(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.lead(leadId),
          UpdateExpression: suppression ? 'SET emailSuppression = :suppression' : 'REMOVE emailSuppression',
          ConditionExpression: 'attribute_exists(pk)',
          ...(suppression ? { ExpressionAttributeValues: { ':suppression': suppression } } : {}),
        }),
      ),
      'set',
      'no-lead',
    );
  }

  /** The subscription statuses of the lead with this address; none when there is no such lead yet. */
  async subscriptionsOf(email: string): Promise<Lead['subscriptions']> {
    const leadId = await this.leadIdForEmail(email);
    return (leadId ? (await this.getLead(leadId))?.subscriptions : undefined) ?? {};
  }

  async leadIdForAnonymous(anonymousId: string): Promise<string | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.anonymousLink(anonymousId), ConsistentRead: true }));
    return Item?.leadId as string | undefined;
  }

  /**
   * Links a visitor id to a lead. The first identification wins: a browser shared by two people keeps
   * pointing at the first, so the known lead's history is never moved to another lead.
   */
  async linkAnonymous(anonymousId: string, leadId: string, at: string): Promise<LinkOutcome> {
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: { ...keys.anonymousLink(anonymousId), leadId, linkedAt: at },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            // The lead lists its visitor ids, so erasing the lead finds every link and visitor event.
            {
              Update: {
                TableName: this.tableName,
                Key: keys.lead(leadId),
                UpdateExpression: 'ADD anonymousIds :id',
                ConditionExpression: 'attribute_exists(pk)',
                ExpressionAttributeValues: { ':id': new Set([anonymousId]) },
              },
            },
          ],
        }),
      );
      return 'linked';
    } catch (error) {
      if (!failedConditions(error)?.[0]) throw error;
      return (await this.leadIdForAnonymous(anonymousId)) === leadId ? 'already-linked' : 'linked-to-another-lead';
    }
  }


  /** Stores an event once; a second event with the same id is a duplicate and changes nothing. */
  async recordEvent(event: Omit<StoredEvent, 'subject'>, subject: Subject): Promise<'recorded' | 'duplicate'> {
    return conditionally(this.client.send(new PutCommand(this.putEvent(event, subject).Put)), 'recorded', 'duplicate');
  }

  /**
   * Stores a tracked event for an address: with its lead, or, for an address nobody gave yet, in one
   * transaction with a new lead holding only the address — so no lead is left without the event that
   * made it, and no event without its lead.
   */
  async recordEventForEmail(email: string, event: Omit<StoredEvent, 'subject'>, attempt = 1): Promise<EventOutcome> {
    const existing = await this.leadIdForEmail(email);
    if (existing) return this.recordEventOnce(event, { kind: 'lead', id: existing });
    const at = event.receivedAt;
    const lead: NewLead = { id: randomUUID(), email, createdAt: at, updatedAt: at, firstTouch: { at }, lastTouch: { at }, subscriptions: {}, stage: entryStage(false), stageChangedAt: at, version: 1 };
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: [...this.createLeadWrites(lead), this.putEvent(event, { kind: 'lead', id: lead.id })] }));
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

  async getLead(leadId: string): Promise<Lead | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.lead(leadId), ConsistentRead: true }));
    if (!Item) return undefined;
    return toLead(Item);
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


  /**
   * Adds a batch of events' effect to their lead exactly once: every event is marked scored and the
   * lead's score replaced in one transaction, guarded by no event being scored yet and the lead's
   * version being the one the score was computed from. A pending qualification is stored with the
   * score (an outbox), so it is published even if the process dies right after this write.
   * At most `MAX_EVENTS_PER_SCORE_WRITE` events fit in one write.
   */
  async applyScores(
    lead: Pick<Lead, 'id' | 'version'>,
    events: readonly Pick<StoredEvent, 'id' | 'subject'>[],
    score: ScoreState,
    scoredAt: string,
    pendingQualification?: LeadQualifiedDetail,
  ): Promise<ScoreWrite> {
    if (events.length > MAX_EVENTS_PER_SCORE_WRITE) throw new Error(`At most ${MAX_EVENTS_PER_SCORE_WRITE} events per score write`);
    const leadSubject = { kind: 'lead', id: lead.id } as const;
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            this.updateLeadScore(lead, score, pendingQualification),
            ...events.map((event) => {
              const moveToLead = event.subject.kind === 'anonymous';
              return {
                Update: {
                  TableName: this.tableName,
                  Key: keys.event(event.id),
                  UpdateExpression: moveToLead ? 'SET scoredAt = :scoredAt, subject = :subject, gsi1pk = :gsi1pk' : 'SET scoredAt = :scoredAt',
                  ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(scoredAt)',
                  ExpressionAttributeValues: {
                    ':scoredAt': scoredAt,
                    ...(moveToLead ? { ':subject': leadSubject, ':gsi1pk': keys.eventSubject(leadSubject, '', '').gsi1pk } : {}),
                  },
                },
              };
            }),
          ],
        }),
      );
      return 'applied';
    } catch (error) {
      const failed = failedConditions(error);
      if (failed?.[0]) return 'lead-changed';
      if (failed?.some(Boolean)) return 'already-applied';
      throw error;
    }
  }

  /**
   * Replaces a lead's score with one recomputed under a newly active ruleset, once per rescoring job:
   * the lead's version guards against concurrent scoring, a per-job marker against a retried message,
   * and the job's progress counter moves in the same transaction.
   */
  async replaceScore(
    lead: Pick<Lead, 'id' | 'version'>,
    score: ScoreState | undefined,
    jobId: string,
    at: string,
    pendingQualification?: LeadQualifiedDetail,
  ): Promise<'applied' | 'already-applied' | 'lead-changed'> {
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            ...(score ? [this.updateLeadScore(lead, score, pendingQualification)] : []),
            {
              Put: {
                TableName: this.tableName,
                Item: { ...keys.leadRescored(jobId, lead.id), entity: 'lead-rescored', at, expiresAt: Math.floor(Date.parse(at) / 1000) + RESCORE_MARKER_TTL_SECONDS },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              Update: {
                TableName: this.tableName,
                Key: keys.rescoreJob(jobId),
                UpdateExpression: 'ADD #done :one SET updatedAt = :at',
                ConditionExpression: 'attribute_exists(pk)',
                ExpressionAttributeNames: { '#done': 'done' },
                ExpressionAttributeValues: { ':one': 1, ':at': at },
              },
            },
          ],
        }),
      );
      return 'applied';
    } catch (error) {
      const failed = failedConditions(error);
      const [leadFailed, markerFailed] = score ? [failed?.[0], failed?.[1]] : [undefined, failed?.[0]];
      if (markerFailed) return 'already-applied';
      if (leadFailed) return 'lead-changed';
      throw error;
    }
  }

  private updateLeadScore(lead: Pick<Lead, 'id' | 'version'>, score: ScoreState, pendingQualification?: LeadQualifiedDetail) {
    return {
      Update: {
        TableName: this.tableName,
        Key: keys.lead(lead.id),
        UpdateExpression: pendingQualification
          ? 'SET score = :score, pendingQualification = :pending, version = :next'
          : 'SET score = :score, version = :next',
        ConditionExpression: 'version = :version',
        ExpressionAttributeValues: {
          ':score': score,
          ':version': lead.version,
          ':next': lead.version + 1,
          ...(pendingQualification ? { ':pending': pendingQualification } : {}),
        },
      },
    };
  }

  /**
   * One page of lead ids, walking the 16 listing partitions in turn. Pass the returned cursor to get
   * the next page; no cursor means every lead has been listed.
   */
  async listLeadIds(limit: number, cursor?: LeadCursor): Promise<{ leadIds: string[]; cursor?: LeadCursor }> {
    const page = await this.listingPage(limit, cursor ?? { shard: 0 }, { projection: 'id' });
    return { leadIds: page.items.map((item) => item.id as string), ...(page.cursor ? { cursor: page.cursor } : {}) };
  }

  /**
   * One page of whole leads from the listing index (it projects every attribute, so no second read
   * is needed). With `withinShard` the page stops at the end of the cursor's partition, so the 16
   * partitions can be walked in parallel; the returned cursor then stays in that partition.
   */
  async leadsPage(limit: number, cursor: LeadCursor, options: { withinShard?: boolean } = {}): Promise<{ leads: Lead[]; cursor?: LeadCursor }> {
    const page = await this.listingPage(limit, cursor, options);
    return { leads: page.items.map(toLead), ...(page.cursor ? { cursor: page.cursor } : {}) };
  }

  private async listingPage(limit: number, cursor: LeadCursor, options: { projection?: string; withinShard?: boolean }) {
    let shard = cursor.shard;
    let startKey = cursor.startKey;
    const lastShard = options.withinShard ? shard : LEAD_LISTING_SHARDS.length - 1;
    const items: Record<string, unknown>[] = [];
    while (shard <= lastShard && items.length < limit) {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :shard',
          ExpressionAttributeValues: { ':shard': `LEADS#${LEAD_LISTING_SHARDS[shard]}` },
          ...(options.projection ? { ProjectionExpression: options.projection } : {}),
          ExclusiveStartKey: startKey,
          Limit: limit - items.length,
        }),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
      if (!startKey) shard += 1;
    }
    return { items, ...(shard <= lastShard ? { cursor: { shard, ...(startKey ? { startKey } : {}) } } : {}) };
  }

  /** Leads by id (missing ones are left out). */
  async getLeads(leadIds: readonly string[]): Promise<Lead[]> {
    return (await this.batchGet(leadIds.map((leadId) => keys.lead(leadId)))).map(toLead);
  }

  /** Events by id, read consistently (missing ones are left out). */
  async getEvents(eventIds: readonly string[]): Promise<StoredEvent[]> {
    return (await this.batchGet(eventIds.map((eventId) => keys.event(eventId)))).map(toStoredEvent);
  }

  /** BatchGetItem a hundred keys at a time, retrying unprocessed keys with backoff. */
  private async batchGet(itemKeys: readonly Record<string, unknown>[]): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    for (let index = 0; index < itemKeys.length; index += 100) {
      let pending: Record<string, unknown>[] | undefined = itemKeys.slice(index, index + 100);
      for (let attempt = 0; pending?.length; attempt += 1) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 25 * 2 ** attempt)));
        const result: BatchGetCommandOutput = await this.client.send(
          new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: true } } }),
        );
        items.push(...(result.Responses?.[this.tableName] ?? []));
        pending = result.UnprocessedKeys?.[this.tableName]?.Keys;
      }
    }
    return items;
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

  /**
   * Applies a subscriber's consent change: the lead's statuses and one append-only consent record
   * per changed type, in one transaction. The records are keyed by `requestId`, so a retried request
   * cannot add them twice. A change with nothing in it writes nothing.
   */
  async recordConsentChange(leadId: string, change: ConsentChange, requestId: string): Promise<'recorded' | 'unchanged' | 'no-lead'> {
    const entries = Object.entries(change.subscriptions);
    if (entries.length === 0) return 'unchanged';
    const subscriptions = subscriptionUpdates(entries);
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.tableName,
                Key: keys.lead(leadId),
                UpdateExpression: `SET ${subscriptions.sets.join(', ')} ADD #version :one`,
                ConditionExpression: 'attribute_exists(pk)',
                ExpressionAttributeNames: { ...subscriptions.names, '#version': 'version' },
                ExpressionAttributeValues: { ...subscriptions.values, ':one': 1 },
              },
            },
            ...this.putConsents(leadId, change.records, requestId),
          ],
        }),
      );
      return 'recorded';
    } catch (error) {
      const failed = failedConditions(error);
      if (failed?.[0]) return 'no-lead';
      if (failed?.some(Boolean)) return 'unchanged';
      throw error;
    }
  }

  /** Clears the outbox entry once `lead.qualified` is on the bus. */
  async clearPendingQualification(leadId: string, qualification: number): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.lead(leadId),
          UpdateExpression: 'REMOVE pendingQualification',
          ConditionExpression: 'pendingQualification.qualification = :qualification',
          ExpressionAttributeValues: { ':qualification': qualification },
        }),
      );
    } catch (error) {
      // Another consumer cleared it, or a newer qualification replaced it: either way nothing to do.
      if (!isConditionFailure(error)) throw error;
    }
  }
}

/** `SET subscriptions.<type> = <status>` clauses for an update expression, one per type. */
function subscriptionUpdates(statuses: readonly (readonly [string, string])[]) {
  const names: Record<string, string> = statuses.length ? { '#subscriptions': 'subscriptions' } : {};
  const values: Record<string, unknown> = {};
  const sets = statuses.map(([subscription, status], index) => {
    names[`#sub${index}`] = subscription;
    values[`:sub${index}`] = status;
    return `#subscriptions.#sub${index} = :sub${index}`;
  });
  return { names, values, sets };
}

/** `SET attributes.<name> = <value>` clauses: each named attribute is set, the others are kept. */
function attributeUpdates(attributes: readonly (readonly [string, AttributeValue])[]) {
  const names: Record<string, string> = attributes.length ? { '#attributes': 'attributes' } : {};
  const values: Record<string, unknown> = {};
  const sets = attributes.map(([name, value], index) => {
    names[`#attr${index}`] = name;
    values[`:attr${index}`] = value;
    return `#attributes.#attr${index} = :attr${index}`;
  });
  return { names, values, sets };
}

function toLead(item: Record<string, unknown>): Lead {
  const { pk: _pk, sk: _sk, gsi1pk: _gsi1pk, gsi1sk: _gsi1sk, entity: _entity, anonymousIds, ...lead } = item;
  return { ...(lead as unknown as Lead), ...(anonymousIds instanceof Set ? { anonymousIds: [...anonymousIds].sort() } : {}) };
}

function toStoredEvent(item: Record<string, unknown>): StoredEvent {
  return {
    id: item.id as string,
    type: item.type as string,
    occurredAt: item.occurredAt as string,
    properties: (item.properties ?? {}) as Record<string, unknown>,
    subject: item.subject as Subject,
    receivedAt: item.receivedAt as string,
    ...(typeof item.scoredAt === 'string' ? { scoredAt: item.scoredAt } : {}),
    ...(typeof item.clientId === 'string' ? { clientId: item.clientId } : {}),
    ...(typeof item.requestHash === 'string' ? { requestHash: item.requestHash } : {}),
  };
}

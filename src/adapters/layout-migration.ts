import { GetCommand, paginateScan, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { failedConditions, isConditionFailure, isTransactionConflict } from './dynamo-errors';
import * as keys from './keys';
import type { Subject } from './keys';
import { putEvent } from './lead-items';
import { queryPages } from './query-pages';
import { watermarkOf } from './score-items';
import { transactWrite } from './transactions';

/**
 * Moves what the layout before events lived in their subject's partition wrote into today's layout:
 *
 * - a score kept on the lead's profile (`score`, `pendingQualification`) moves to the lead's score item,
 *   with a watermark that holds exactly the events the old scorer had marked `scoredAt`;
 * - an event item `EVENT#<id>` (indexed on gsi1 under its subject and on gsi2 by day) moves into its
 *   subject's partition as `EVENT#<recordedAt>#<id>`, each in one transaction that writes it there and
 *   deletes the old item (and so its index entries).
 *
 * Every step is conditional on what it moves still being there, so the migration can be stopped and run
 * again at any point: a second run finds nothing to move and writes nothing.
 *
 * Scores move first: a score's watermark (`through`) is the latest receipt among the events it holds, so an
 * event scored before is recorded at or before it and stays counted once, while one that was never scored is
 * recorded when it moves, after every watermark, and the lead's next scoring counts it.
 */
export interface MigrationReport {
  /** Scores moved from a profile to their score item (or dropped from the profile where the score item held one already). */
  readonly scoresMoved: number;
  readonly eventsMoved: number;
  /** Events that were never scored, now waiting past their lead's watermark: the lead's next scoring counts them. */
  readonly eventsAwaitingScore: number;
}

/** How many moves run at once: each is a small transaction. */
const MOVES_AT_ONCE = 8;

type Item = Record<string, unknown>;

const isString = (value: unknown): value is string => typeof value === 'string';

async function inGroups<T>(items: readonly T[], size: number, work: (item: T) => Promise<void>): Promise<void> {
  for (let start = 0; start < items.length; start += size) await Promise.all(items.slice(start, start + size).map(work));
}

export class LayoutMigration {
  /** Lead id -> its score's `through`, read once per run. */
  private readonly watermarks = new Map<string, string>();
  /** Visitor id -> the lead it identified as (empty: none). */
  private readonly visitorLeads = new Map<string, string>();

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async run(onProgress: (report: MigrationReport) => void = () => {}): Promise<MigrationReport> {
    let report: MigrationReport = { scoresMoved: 0, eventsMoved: 0, eventsAwaitingScore: 0 };
    for await (const profiles of this.scan('sk = :profile AND attribute_exists(score)', { ':profile': keys.lead('').sk })) {
      let moved = 0;
      await inGroups(profiles, MOVES_AT_ONCE, async (profile) => {
        if (await this.moveScore(profile)) moved += 1;
      });
      report = { ...report, scoresMoved: report.scoresMoved + moved };
      onProgress(report);
    }
    for await (const events of this.scan('begins_with(pk, :legacy) AND sk = :event', { ':legacy': keys.legacyEvent('').pk, ':event': keys.legacyEvent('').sk })) {
      let moved = 0;
      let awaiting = 0;
      await inGroups(events, MOVES_AT_ONCE, async (event) => {
        const outcome = await this.moveEvent(event);
        if (outcome !== 'not-moved') moved += 1;
        if (outcome === 'awaiting-score') awaiting += 1;
      });
      report = { ...report, eventsMoved: report.eventsMoved + moved, eventsAwaitingScore: report.eventsAwaitingScore + awaiting };
      onProgress(report);
    }
    return report;
  }

  private async *scan(filter: string, values: Item): AsyncGenerator<Item[]> {
    for await (const page of paginateScan({ client: this.client }, { TableName: this.tableName, FilterExpression: filter, ExpressionAttributeValues: values, ConsistentRead: true })) {
      if (page.Items?.length) yield page.Items;
    }
  }

  /**
   * Moves a profile's score to the score item. Where the score item has a score already (today's scorer
   * wrote one from the profile's before this ran), that one is the lead's: the profile's copy just goes.
   */
  private async moveScore(profile: Item): Promise<boolean> {
    const leadId = String(profile.id);
    const { Item: scoreItem } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.score(leadId), ConsistentRead: true }));
    const dropFromProfile = {
      Update: {
        Key: keys.lead(leadId),
        UpdateExpression: 'REMOVE score, pendingQualification',
        ConditionExpression: 'attribute_exists(score)',
      },
    };
    try {
      if (scoreItem?.score) {
        await this.client.send(new UpdateCommand({ TableName: this.tableName, ...dropFromProfile.Update }));
        return true;
      }
      const seen = scoreItem ? Number(scoreItem.version) : undefined;
      const pending = profile.pendingQualification;
      await transactWrite(this.client, this.tableName, [
        {
          Update: {
            Key: keys.score(leadId),
            UpdateExpression: `SET score = :score, through = :through, recent = :none, entity = :entity, version = :next${pending ? ', pendingQualification = :pending' : ''}`,
            ConditionExpression: seen === undefined ? 'attribute_not_exists(pk)' : 'attribute_not_exists(score) AND version = :seen',
            ExpressionAttributeValues: {
              ':score': profile.score,
              ':through': await this.latestScoredReceipt(leadId),
              ':none': [],
              ':entity': 'score',
              ':next': (seen ?? 0) + 1,
              ...(seen === undefined ? {} : { ':seen': seen }),
              ...(pending ? { ':pending': pending } : {}),
            },
          },
        },
        dropFromProfile,
      ]);
      return true;
    } catch (error) {
      // Moved by another run meanwhile (or the lead was erased): nothing left to move.
      if (isConditionFailure(error) || failedConditions(error)?.some(Boolean) || isTransactionConflict(error)) return false;
      throw error;
    }
  }

  /** When the latest event the old scorer marked as scored was received: every event the score holds was received by then. */
  private async latestScoredReceipt(leadId: string): Promise<string> {
    let latest = '';
    for await (const items of queryPages(this.client, {
      TableName: this.tableName,
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :lead',
      ExpressionAttributeValues: { ':lead': keys.legacyEventsOfSubject({ kind: 'lead', id: leadId }) },
    })) {
      for (const item of items) if (isString(item.scoredAt) && isString(item.receivedAt) && item.receivedAt > latest) latest = item.receivedAt;
    }
    return latest;
  }

  /**
   * Moves one event into its subject's history: a scored one recorded when it was received (never after
   * its lead's watermark, so it stays counted once), one never scored recorded now, past every watermark.
   * A visitor's event joins the lead the visitor identified as, if any.
   */
  private async moveEvent(item: Item): Promise<'moved' | 'awaiting-score' | 'not-moved'> {
    const subject = await this.subjectOf(item);
    const receivedAt = String(item.receivedAt);
    const scored = isString(item.scoredAt) && subject.kind === 'lead';
    let recordedAt: string;
    if (scored) {
      const through = await this.watermarkOf(subject.id);
      recordedAt = through && receivedAt > through ? through : receivedAt;
    } else {
      recordedAt = subject.kind === 'lead' ? this.now().toISOString() : receivedAt;
    }
    const event = {
      id: String(item.id),
      type: String(item.type),
      occurredAt: String(item.occurredAt),
      properties: (item.properties ?? {}) as Record<string, unknown>,
      receivedAt,
      recordedAt,
      ...(isString(item.clientId) ? { clientId: item.clientId } : {}),
      ...(isString(item.requestHash) ? { requestHash: item.requestHash } : {}),
    };
    try {
      await transactWrite(this.client, this.tableName, [
        putEvent(this.tableName, event, subject),
        { Delete: { Key: keys.legacyEvent(event.id), ConditionExpression: 'attribute_exists(pk)' } },
      ]);
      return scored || subject.kind === 'anonymous' ? 'moved' : 'awaiting-score';
    } catch (error) {
      // Moved by another run meanwhile (or being moved by one: a run after both finds it or nothing).
      if (failedConditions(error)?.[1] || isTransactionConflict(error)) return 'not-moved';
      throw error;
    }
  }

  /** The event's subject; a visitor who has identified since is their lead. */
  private async subjectOf(item: Item): Promise<Subject> {
    const stored = item.subject as Partial<Subject> | undefined;
    const id = String(stored?.id ?? '');
    if (stored?.kind === 'lead') return { kind: 'lead', id };
    if (!this.visitorLeads.has(id)) {
      const { Item: link } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.anonymousLink(id), ConsistentRead: true }));
      this.visitorLeads.set(id, isString(link?.leadId) ? link.leadId : '');
    }
    const leadId = this.visitorLeads.get(id);
    return leadId ? { kind: 'lead', id: leadId } : { kind: 'anonymous', id };
  }

  private async watermarkOf(leadId: string): Promise<string> {
    if (!this.watermarks.has(leadId)) {
      const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.score(leadId), ConsistentRead: true }));
      this.watermarks.set(leadId, watermarkOf(Item).through);
    }
    return this.watermarks.get(leadId) ?? '';
  }
}

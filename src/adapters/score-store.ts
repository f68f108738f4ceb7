import { QueryCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { EMPTY_WATERMARK, type ScoreWatermark } from '../domain/event-log';
import type { LeadQualifiedDetail } from '../domain/events';
import type { Lead } from '../domain/lead';
import type { ScoreState } from '../domain/scoring/engine';
import { failedConditions, isConditionFailure } from './dynamo-errors';
import * as keys from './keys';
import { bandKey } from '../domain/score-order';
import { storedRecent, storedScore, storedThrough, watermarkOf } from './score-items';
import { toLeadWithScore, toStoredEvents, type StoredEvent } from './lead-items';

const RESCORE_MARKER_TTL_SECONDS = 30 * 86_400;
/**
 * Items read by each page of the scorer's view, then 25 a page. The first holds the score, the profile
 * and the six items below them: for a lead with no journey or follow-up records between, its six newest
 * requests' events, which reach one behind the watermark's `through` (two minutes before the last
 * scoring, src/domain/event-log.ts) unless the lead sent more requests than that in those minutes.
 */
const SCORING_VIEW_PAGE_ITEMS = [8, 16, 25] as const;
export type ScoreWrite = 'applied' | 'already-applied' | 'lead-changed';

/** What the scorer needs of a lead, read in one consistent query at `readAt`. */
export interface ScoringView {
  /** The profile with its score. */
  readonly lead: Lead;
  /** Which events the score holds. */
  readonly watermark: ScoreWatermark;
  /** The events recorded since the watermark's `through`, in recording order. */
  readonly recorded: readonly StoredEvent[];
  readonly readAt: Date;
}

/**
 * A lead's score, kept in an item of its own beside the profile (about 1 KB whatever the history), with
 * the watermark of the events it holds and the qualification it still has to announce.
 */
export class ScoreStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * The score, the profile and the events recorded since the watermark, in one query read newest first
   * from the score down (the profile, and a lead's follow-up and journey records, sort between the
   * events and the score), page by page until it reaches events the watermark already holds. The pages
   * grow (SCORING_VIEW_PAGE_ITEMS): a consistent query is charged for every item a page reads, and a
   * first page of 25 read a long history's 25 newest items at every scoring (7 read units for a lead
   * with thirty requests behind it, test/adapters/lead-events.test.ts) where the score, the profile
   * and the newest events are what the scorer needs.
   */
  async scoringView(leadId: string): Promise<ScoringView | undefined> {
    const readAt = new Date();
    let profile: Record<string, unknown> | undefined;
    let score: Record<string, unknown> | undefined;
    const recorded: StoredEvent[] = [];
    let startKey: Record<string, unknown> | undefined;
    let watermark = EMPTY_WATERMARK;
    let pagesRead = 0;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :lead AND sk BETWEEN :events AND :score',
          ExpressionAttributeValues: { ':lead': keys.lead(leadId).pk, ':events': keys.eventPrefix, ':score': keys.score(leadId).sk },
          ScanIndexForward: false,
          ConsistentRead: true,
          Limit: SCORING_VIEW_PAGE_ITEMS[Math.min(pagesRead, SCORING_VIEW_PAGE_ITEMS.length - 1)],
          ExclusiveStartKey: startKey,
        }),
      );
      pagesRead += 1;
      startKey = page.LastEvaluatedKey;
      for (const item of page.Items ?? []) {
        if (item.sk === keys.score(leadId).sk) {
          score = item;
          watermark = watermarkOf(item);
        } else if (item.sk === keys.lead(leadId).sk) profile = item;
        else if (String(item.sk).startsWith(keys.eventPrefix)) {
          const events = toStoredEvents(item, 'newest-first');
          if (events.every((event) => event.recordedAt <= watermark.through)) startKey = undefined;
          else recorded.push(...events);
        }
      }
    } while (startKey);
    if (!profile) return undefined;
    return { lead: toLeadWithScore(profile, score), watermark, recorded: recorded.reverse(), readAt };
  }

  /**
   * Replaces a lead's score and watermark in one conditional write, while the score is still at
   * `scoreVersion` (absent: the lead has no score item yet). A pending qualification is stored with the
   * score (an outbox), so it is published even if the process dies right after this write.
   */
  async applyScores(leadId: string, scoreVersion: number | undefined, score: ScoreState, band: number, watermark: ScoreWatermark, pendingQualification?: LeadQualifiedDetail): Promise<ScoreWrite> {
    try {
      await this.client.send(new UpdateCommand({ TableName: this.tableName, ...this.scoreUpdate(leadId, scoreVersion, score, band, watermark, pendingQualification) }));
      return 'applied';
    } catch (error) {
      if (isConditionFailure(error)) return 'lead-changed';
      throw error;
    }
  }

  /**
   * Replaces a lead's score with one recomputed under a newly active ruleset, once per rescoring job:
   * the score's version guards against concurrent scoring, a per-job marker against a retried message,
   * and the job's progress counter moves in the same transaction.
   */
  async replaceScore(
    lead: Pick<Lead, 'id' | 'scoreVersion'>,
    rescored: { readonly score: ScoreState; readonly band: number; readonly watermark: ScoreWatermark } | undefined,
    jobId: string,
    at: string,
    pendingQualification?: LeadQualifiedDetail,
  ): Promise<ScoreWrite> {
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            ...(rescored ? [{ Update: { TableName: this.tableName, ...this.scoreUpdate(lead.id, lead.scoreVersion, rescored.score, rescored.band, rescored.watermark, pendingQualification) } }] : []),
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
      const [scoreFailed, markerFailed] = rescored ? [failed?.[0], failed?.[1]] : [undefined, failed?.[0]];
      if (markerFailed) return 'already-applied';
      if (scoreFailed) return 'lead-changed';
      throw error;
    }
  }

  /** Clears the outbox entry once `lead.qualified` is on the bus. */
  async clearPendingQualification(leadId: string, qualification: number): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.score(leadId),
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

  /**
   * The write of a score, checked against the version it was computed from. Every lead is created with
   * a score item, so a write after the lead was erased fails its check; a lead without one (stored
   * before scores had their own item) gets it only if none exists yet. The score's band (index `bands`) is set
   * every time: an unchanged band changes no index attribute, so DynamoDB writes no index entry for it.
   */
  private scoreUpdate(leadId: string, scoreVersion: number | undefined, score: ScoreState, band: number, watermark: ScoreWatermark, pendingQualification?: LeadQualifiedDetail) {
    const sets = ['score = :score', 'through = :through', 'recent = :recent', 'entity = :entity', 'version = :next', 'bp = :bands', 'bs = :band'];
    if (pendingQualification) sets.push('pendingQualification = :pending');
    return {
      Key: keys.score(leadId),
      UpdateExpression: `SET ${sets.join(', ')}`,
      ConditionExpression: scoreVersion === undefined ? 'attribute_not_exists(pk)' : 'version = :version',
      ExpressionAttributeValues: {
        ':score': storedScore(score),
        ':through': storedThrough(watermark.through),
        ':recent': storedRecent(watermark.recent),
        ':entity': 'score',
        ':next': (scoreVersion ?? 0) + 1,
        ':bands': keys.scoreBand(leadId, bandKey(band)).bp,
        ':band': keys.scoreBand(leadId, bandKey(band)).bs,
        ...(scoreVersion === undefined ? {} : { ':version': scoreVersion }),
        ...(pendingQualification ? { ':pending': pendingQualification } : {}),
      },
    };
  }
}

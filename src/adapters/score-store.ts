import { TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { LeadQualifiedDetail } from '../domain/events';
import type { Lead } from '../domain/lead';
import type { ScoreState } from '../domain/scoring/engine';
import { failedConditions, isConditionFailure } from './dynamo-errors';
import { keys } from './keys';
import type { StoredEvent } from './lead-items';

/** A DynamoDB transaction holds 100 items: the lead and up to 99 events. */
export const MAX_EVENTS_PER_SCORE_WRITE = 99;
const RESCORE_MARKER_TTL_SECONDS = 30 * 86_400;
export type ScoreWrite = 'applied' | 'already-applied' | 'lead-changed';

/** Writes a lead's score, with the events it applied and the qualification it still has to announce. */
export class ScoreStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

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
  ): Promise<ScoreWrite> {
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
}

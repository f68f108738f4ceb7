import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Deal, LeadChange, LeadChangeWrite, RecordedStageChange } from '../domain/handoff/lifecycle';
import { DEFAULT_SALES_REASONS, SalesReasons } from '../domain/handoff/reasons';
import { failedConditions, isConditionFailure, isTransactionConflict } from './dynamo-errors';
import { transactWrite } from './transactions';
import * as keys from './keys';
import { queryAll, queryPages } from './query-pages';
import { releaseWrite } from './routing-store';
import { storedScore } from './score-items';

/** A stage change as stored: append-only, one per change (the lead's entry included), with what the reports need. */
export type StoredTransition = RecordedStageChange & {
  readonly leadId: string;
  /** When the lead was created: time to MQL is measured from here. */
  readonly leadCreatedAt: string;
  readonly deal?: Deal;
};

/** The put of one stage change's record, keyed by its time and the lead version it made; never overwritten. */
export function transitionPut(tableName: string, leadVersion: number, transition: StoredTransition) {
  return {
    Put: {
      TableName: tableName,
      Item: { ...keys.stageTransition(transition.leadId, transition.at, leadVersion), ...keys.transitionMonth(transition.at, transition.leadId), entity: 'stage-transition', ...transition },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

/** Lifecycle stages and their append-only transitions, and the sales reason lists. */
export class LifecycleStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async apply(change: LeadChange): Promise<LeadChangeWrite> {
    const { lead, at } = change;
    const names: Record<string, string> = { '#version': 'version', '#updatedAt': 'updatedAt' };
    const values: Record<string, unknown> = { ':version': lead.version, ':next': lead.version + 1, ':at': at };
    const sets = ['#version = :next', '#updatedAt = :at'];
    const set = (field: string, value: unknown) => {
      names[`#${field}`] = field;
      values[`:${field}`] = value;
      sets.push(`#${field} = :${field}`);
    };
    if (change.transition) {
      set('stage', change.transition.to);
      set('stageChangedAt', change.transition.at);
      if (change.transition.to === 'customer' && !lead.wonAt) set('wonAt', change.transition.at);
    }
    if (change.stageChanged) set('pendingStageChange', change.stageChanged);
    if (change.crmUpdatedAt) set('crmUpdatedAt', change.crmUpdatedAt);
    for (const [field, value] of Object.entries(change.contact ?? {})) if (value !== undefined) set(field, value);

    const transition: StoredTransition | undefined = change.transition
      ? { ...change.transition, leadId: lead.id, leadCreatedAt: lead.createdAt, ...(change.deal ? { deal: change.deal } : {}) }
      : undefined;
    // An assigned MQL leaving the stage (accepted, rejected, disqualified) frees a place under its rep's
    // capacity, once per assignment: the owner records when, in the same write.
    const owner = lead.owner;
    const releasesOwner = change.transition?.from === 'mql' && owner !== undefined && owner.releasedAt === undefined;
    if (releasesOwner) {
      names['#owner'] = 'owner';
      names['#releasedAt'] = 'releasedAt';
      sets.push('#owner.#releasedAt = :at');
    }
    const release = releasesOwner ? [releaseWrite(this.tableName, owner.repId)] : [];
    const marker = change.onceKey
      ? [{ Put: { TableName: this.tableName, Item: { ...keys.appliedOnce(lead.id, change.onceKey), entity: 'applied-change', at }, ConditionExpression: 'attribute_not_exists(pk)' } }]
      : [];
    try {
      await transactWrite(this.client, this.tableName, [
        {
          Update: {
            Key: keys.lead(lead.id),
            UpdateExpression: `SET ${sets.join(', ')}`,
            ConditionExpression: '#version = :version',
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
          },
        },
        ...marker,
        ...(transition ? [transitionPut(this.tableName, lead.version + 1, transition)] : []),
        ...release,
        // The score lives in its own item, checked against its own version (recycling resets engagement).
        ...(change.score
          ? [
              {
                Update: {
                  Key: keys.score(lead.id),
                  UpdateExpression: 'SET #score = :score, #version = :next',
                  ConditionExpression: lead.scoreVersion === undefined ? 'attribute_not_exists(pk)' : '#version = :version',
                  ExpressionAttributeNames: { '#score': 'score', '#version': 'version' },
                  ExpressionAttributeValues: { ':score': storedScore(change.score), ':next': (lead.scoreVersion ?? 0) + 1, ...(lead.scoreVersion === undefined ? {} : { ':version': lead.scoreVersion }) },
                },
              },
            ]
          : []),
      ]);
      return 'applied';
    } catch (error) {
      const failed = failedConditions(error);
      if (change.onceKey && failed?.[1]) return 'already-applied';
      if (failed?.some(Boolean) || isTransactionConflict(error)) return 'lead-changed';
      throw error;
    }
  }

  /** Whether a change keyed `onceKey` was already applied to the lead. */
  async wasApplied(leadId: string, onceKey: string): Promise<boolean> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.appliedOnce(leadId, onceKey), ConsistentRead: true }));
    return Item !== undefined;
  }

  /** Clears the outbox entry once `lead.stage-changed` is on the bus. */
  async clearPendingStageChange(leadId: string, at: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.lead(leadId),
          UpdateExpression: 'REMOVE pendingStageChange',
          ConditionExpression: 'pendingStageChange.#at = :at',
          ExpressionAttributeNames: { '#at': 'at' },
          ExpressionAttributeValues: { ':at': at },
        }),
      );
    } catch (error) {
      // Another writer published it, or a newer change replaced it: nothing left to do.
      if (!isConditionFailure(error)) throw error;
    }
  }

  /** A lead's stage history (its entry, then its transitions), oldest first. */
  async transitionsOf(leadId: string): Promise<StoredTransition[]> {
    const transitions: StoredTransition[] = [];
    const pages = queryPages(this.client, {
      TableName: this.tableName,
      ConsistentRead: true,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.lead(leadId).pk, ':prefix': keys.stageTransitionPrefix },
    });
    for await (const items of pages) transitions.push(...items.map(toStoredTransition));
    return transitions;
  }

  /** Every transition of a month (`yyyy-mm`, UTC), oldest first (the index is eventually consistent). */
  async transitionsInMonth(month: string): Promise<StoredTransition[]> {
    return queryAll(this.client, { tableName: this.tableName, index: 'gsi1', key: keys.transitionMonth(`${month}-01`, '').gsi1pk }, toStoredTransition);
  }

  /** The team's reason lists, or the standard ones until a team saves its own. */
  async salesReasons(): Promise<SalesReasons> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.salesReasons(), ConsistentRead: true }));
    if (!Item) return DEFAULT_SALES_REASONS;
    return SalesReasons.parse(Item.reasons);
  }

  async saveSalesReasons(reasons: SalesReasons, at: string): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: { ...keys.salesReasons(), entity: 'sales-reasons', reasons, updatedAt: at } }));
  }
}

function toStoredTransition(item: Record<string, unknown>): StoredTransition {
  const { pk: _pk, sk: _sk, gsi1pk: _gsi1pk, gsi1sk: _gsi1sk, entity: _entity, ...transition } = item;
  return transition as unknown as StoredTransition;
}

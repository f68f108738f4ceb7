import { BatchGetCommand, GetCommand, PutCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { Assignment, AssignAttempt, AssignmentKey, ClaimAttempt, InboxEntry, KeepAttempt, RoutingConfig, StoredRouting } from '../domain/handoff/routing';
import type { Lead, LeadOwner } from '../domain/lead';
import type { Page, PageRequest } from '../domain/page';
import { batchGet } from './batch-get';
import { conditionally, failedConditions, isTransactionConflict } from './dynamo-errors';
import * as keys from './keys';
import { toLead } from './lead-items';
import { listPage } from './query-pages';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/**
 * The write that gives a rep one more open MQL: only while under `capacity` when given (a new
 * assignment), always when not (an owner's own lead back in `mql`). Part of a transaction.
 */
export function takeLoadWrite(tableName: string, rep: { readonly id: string; readonly capacity?: number }): TransactItem {
  return {
    Update: {
      TableName: tableName,
      Key: keys.repLoad(rep.id),
      UpdateExpression: 'ADD #open :one SET repId = :repId',
      ExpressionAttributeNames: { '#open': 'open' },
      ...(rep.capacity === undefined
        ? { ExpressionAttributeValues: { ':one': 1, ':repId': rep.id } }
        : { ConditionExpression: 'attribute_not_exists(#open) OR #open < :capacity', ExpressionAttributeValues: { ':one': 1, ':capacity': rep.capacity, ':repId': rep.id } }),
    },
  };
}

/** The write that frees a place under a rep's capacity when a lead of theirs stops being an open MQL. Part of a transaction. */
export function releaseWrite(tableName: string, repId: string): TransactItem {
  return {
    Update: {
      TableName: tableName,
      Key: keys.repLoad(repId),
      UpdateExpression: 'ADD #open :minusOne SET repId = :repId',
      ExpressionAttributeNames: { '#open': 'open' },
      ExpressionAttributeValues: { ':minusOne': -1, ':repId': repId },
    },
  };
}

/**
 * The routing configuration as a reader alone sees it (send-journey-email's notify steps): none of the
 * assignments' writes and reads, which stay out of its bundle.
 */
export class RoutingConfigReader {
  constructor(
    protected readonly client: DynamoDBDocumentClient,
    protected readonly tableName: string,
  ) {}

  async get(): Promise<StoredRouting | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.routingConfig(), ConsistentRead: true }));
    return Item ? toStoredRouting(Item) : undefined;
  }
}

/** The routing configuration (one item), the teams' round-robin positions, the reps' open MQLs and the assignments. */
export class RoutingStore extends RoutingConfigReader {

  /**
   * The configuration and a qualified lead's profile, both read consistently in one BatchGetItem: what an
   * MQL alert reads first, one call where a get of each took two.
   */
  async withProfile(leadId: string): Promise<{ readonly routing: StoredRouting | undefined; readonly lead: Lead | undefined }> {
    const profileKey = keys.lead(leadId);
    const items = await batchGet(this.client, this.tableName, [keys.routingConfig(), profileKey]);
    const routing = items.find((item) => item.pk === keys.routingConfig().pk && item.sk === keys.routingConfig().sk);
    const profile = items.find((item) => item.pk === profileKey.pk && item.sk === profileKey.sk);
    return { routing: routing ? toStoredRouting(routing) : undefined, lead: profile ? toLead(profile) : undefined };
  }

  /**
   * Replaces the configuration with a new version, on the condition that it is still the version
   * that was read (`previousVersion`, 0 for none): of two concurrent saves one wins, the other is told.
   */
  async save(config: RoutingConfig, previousVersion: number, at: string): Promise<StoredRouting | 'version-changed'> {
    const stored = { config, version: previousVersion + 1, updatedAt: at };
    return conditionally(
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys.routingConfig(), entity: 'routing', ...stored },
          ConditionExpression: previousVersion === 0 ? 'attribute_not_exists(pk)' : 'version = :previous',
          ...(previousVersion === 0 ? {} : { ExpressionAttributeValues: { ':previous': previousVersion } }),
        }),
      ),
      stored,
      'version-changed' as const,
    );
  }

  /**
   * Takes the team's next turn: an atomic counter, so concurrent assignments each get their own turn
   * at once instead of racing for one (0 for the team's first lead). A turn whose assignment is then
   * not made (a duplicate delivery that lost) is skipped; the rotation goes on from the next.
   */
  async takeTurn(teamId: string): Promise<number> {
    const { Attributes } = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.teamRoundRobin(teamId),
        UpdateExpression: 'ADD #position :one SET teamId = :teamId',
        ExpressionAttributeNames: { '#position': 'position' },
        ExpressionAttributeValues: { ':one': 1, ':teamId': teamId },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Number(Attributes?.position) - 1;
  }

  /** Open MQLs per rep id; a rep never assigned has none. */
  async openCounts(repIds: readonly string[]): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (let start = 0; start < repIds.length; start += 100) {
      const { Responses } = await this.client.send(
        new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: repIds.slice(start, start + 100).map((repId) => keys.repLoad(repId)), ConsistentRead: true } } }),
      );
      for (const item of Responses?.[this.tableName] ?? []) counts[item.repId as string] = item.open as number;
    }
    return counts;
  }

  async getAssignment(key: AssignmentKey): Promise<Assignment | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: keys.assignment(key.leadId, key.rulesetVersion, key.qualification), ConsistentRead: true }),
    );
    if (!Item) return undefined;
    return Item.status === 'assigned'
      ? { status: 'assigned', repId: Item.repId as string, teamId: Item.teamId as string, assignedAt: Item.assignedAt as string, ...(Item.kept === true ? { kept: true } : {}) }
      : { status: 'unassigned', teamId: Item.teamId as string, at: Item.at as string };
  }

  /**
   * Hands the lead to `owner` in one transaction: the qualification's assignment is recorded once,
   * the lead gets its owner only if it has none, and the rep's open count grows only while under
   * `capacity`. Any condition that fails cancels all three and says which, so the caller looks again.
   */
  async tryAssign(key: AssignmentKey, owner: LeadOwner, capacity: number): Promise<AssignAttempt> {
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            this.decisionPut(key, { status: 'assigned', repId: owner.repId, teamId: owner.teamId, assignedAt: owner.assignedAt }),
            {
              Update: {
                TableName: this.tableName,
                Key: keys.lead(key.leadId),
                UpdateExpression: 'SET #owner = :owner',
                ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#owner)',
                ExpressionAttributeNames: { '#owner': 'owner' },
                ExpressionAttributeValues: { ':owner': owner },
              },
            },
            takeLoadWrite(this.tableName, { id: owner.repId, capacity }),
          ],
        }),
      );
      return 'assigned';
    } catch (error) {
      const failed = failedConditions(error);
      if (failed?.[0]) return 'already-decided';
      if (failed?.[1]) return 'lead-has-owner';
      if (failed?.[2]) return 'rep-full';
      if (isTransactionConflict(error)) return 'conflict';
      throw error;
    }
  }

  /**
   * Hands a lead that qualified again back to its owner, in one transaction: the qualification's
   * decision is recorded once (`kept`), the owner's record starts afresh from `owner.assignedAt` (its
   * follow-up with it) only while it is still that rep's and released (the lead left `mql` since),
   * and the rep holds one more open MQL again, whatever its capacity: the lead is theirs.
   */
  async tryKeep(key: AssignmentKey, owner: LeadOwner): Promise<KeepAttempt> {
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            this.decisionPut(key, { status: 'assigned', kept: true, repId: owner.repId, teamId: owner.teamId, assignedAt: owner.assignedAt }),
            {
              Update: {
                TableName: this.tableName,
                Key: keys.lead(key.leadId),
                UpdateExpression: 'SET #owner = :owner',
                ConditionExpression: '#owner.#repId = :repId AND attribute_exists(#owner.#releasedAt)',
                ExpressionAttributeNames: { '#owner': 'owner', '#repId': 'repId', '#releasedAt': 'releasedAt' },
                ExpressionAttributeValues: { ':owner': owner, ':repId': owner.repId },
              },
            },
            takeLoadWrite(this.tableName, { id: owner.repId }),
          ],
        }),
      );
      return 'kept';
    } catch (error) {
      const failed = failedConditions(error);
      if (failed?.[0]) return 'already-decided';
      if (failed?.[1]) return 'owner-changed';
      if (isTransactionConflict(error)) return 'conflict';
      throw error;
    }
  }

  /** Records that every rep of the team was at capacity: the alert goes to the team's inbox. */
  async recordUnassigned(key: AssignmentKey, teamId: string, at: string): Promise<'recorded' | 'already-decided'> {
    return conditionally(this.client.send(new PutCommand(this.decisionPut(key, { status: 'unassigned', teamId, at }).Put)), 'recorded' as const, 'already-decided' as const);
  }

  /** The qualifications waiting in a team's inbox, oldest first. */
  async teamInbox(teamId: string, request: PageRequest): Promise<Page<InboxEntry>> {
    return listPage(this.client, { tableName: this.tableName, index: 'gsi1', key: keys.teamInboxPartition(teamId) }, request, (item) => ({
      leadId: String(item.leadId),
      rulesetVersion: String(item.rulesetVersion),
      qualification: Number(item.qualification),
      teamId: String(item.teamId),
      waitingSince: String(item.at),
    }));
  }

  /**
   * Gives a waiting qualification to the rep who claims it, in one transaction: its decision turns from
   * unassigned (in `owner.teamId`'s inbox) to assigned and leaves the inbox, the lead gets its owner
   * only if it has none, and the rep holds one more open MQL (they chose it, whatever their capacity).
   * Two reps claiming at once: one transaction wins, the other's conditions fail and it changes nothing.
   */
  async claim(key: AssignmentKey, owner: LeadOwner, actor: string): Promise<ClaimAttempt> {
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.tableName,
                Key: keys.assignment(key.leadId, key.rulesetVersion, key.qualification),
                UpdateExpression: 'SET #status = :assigned, repId = :repId, assignedAt = :at, claimedBy = :actor REMOVE gsi1pk, gsi1sk',
                ConditionExpression: '#status = :unassigned AND teamId = :teamId',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: { ':assigned': 'assigned', ':unassigned': 'unassigned', ':repId': owner.repId, ':teamId': owner.teamId, ':at': owner.assignedAt, ':actor': actor },
              },
            },
            {
              Update: {
                TableName: this.tableName,
                Key: keys.lead(key.leadId),
                UpdateExpression: 'SET #owner = :owner',
                ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#owner)',
                ExpressionAttributeNames: { '#owner': 'owner' },
                ExpressionAttributeValues: { ':owner': owner },
              },
            },
            takeLoadWrite(this.tableName, { id: owner.repId }),
          ],
        }),
      );
      return 'claimed';
    } catch (error) {
      const failed = failedConditions(error);
      if (failed?.[0]) return 'not-waiting';
      if (failed?.[1]) return 'lead-has-owner';
      if (isTransactionConflict(error)) return 'conflict';
      throw error;
    }
  }

  /** The put of a qualification's routing decision: made once, never overwritten; an unassigned one waits in its team's inbox. */
  private decisionPut(key: AssignmentKey, decision: Assignment) {
    const inbox = decision.status === 'unassigned' ? keys.teamInbox(decision.teamId, decision.at, key.leadId) : {};
    return {
      Put: {
        TableName: this.tableName,
        Item: { ...keys.assignment(key.leadId, key.rulesetVersion, key.qualification), entity: 'assignment', ...key, ...decision, ...inbox },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
  }
}

function toStoredRouting(item: Record<string, unknown>): StoredRouting {
  return { config: item.config as RoutingConfig, version: item.version as number, updatedAt: item.updatedAt as string };
}

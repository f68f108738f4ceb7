import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { FollowUpKey, FollowUpKind, FollowUpStep, ReassignAttempt } from '../domain/handoff/follow-up';
import type { LeadOwner } from '../domain/lead';
import { ClaimRecords } from './claims';
import { conditionally, failedConditions, isTransactionConflict } from './dynamo-errors';
import { transactWrite } from './transactions';
import * as keys from './keys';
import { releaseWrite, takeLoadWrite } from './routing-store';

type FollowUpRecordKey = ReturnType<typeof keys.followUp>;

/** The follow-up steps of assigned MQLs, and the write that hands a lead to another rep. */
export class FollowUpStore {
  private readonly claims: ClaimRecords<FollowUpRecordKey>;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    staleAfterMs: number,
  ) {
    this.claims = new ClaimRecords(client, tableName, {
      heldStatus: 'claimed',
      claimedAtAttribute: 'at',
      staleAfterMs,
      takeoverAlsoRequires: { expression: '#outcome <> :reassigned', names: { '#outcome': 'outcome' }, values: { ':reassigned': 'reassigned' } },
    });
  }

  private key(key: FollowUpKey, kind: FollowUpKind) {
    return keys.followUp(key.leadId, key.rulesetVersion, key.qualification, key.round, kind);
  }

  async get(key: FollowUpKey, kind: FollowUpKind): Promise<FollowUpStep | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: this.key(key, kind), ConsistentRead: true }));
    if (!Item) return undefined;
    const base = { status: Item.status as 'claimed' | 'done', repId: Item.repId as string, at: Item.at as string };
    return Item.outcome === 'reassigned' ? { ...base, status: Item.status as 'claimed' | 'interrupted' | 'done', outcome: 'reassigned', owner: Item.owner as LeadOwner, waitedSince: Item.waitedSince as string } : { ...base, outcome: Item.outcome as 'reminded' | 'team-inbox' };
  }

  /**
   * Claims a step whose only effect is an email, before sending it: a duplicate finds the claim. A
   * claim older than `staleAfterMs` belongs to an invocation that died mid-send and is taken over;
   * a reassignment's record is never taken over (its retry finishes it, see `markInterrupted`).
   */
  async claim(key: FollowUpKey, kind: FollowUpKind, outcome: 'reminded' | 'team-inbox', repId: string, at: string): Promise<'claimed' | 'taken'> {
    return (await this.claims.claim({ ...this.key(key, kind), entity: 'follow-up', ...key, kind, outcome, repId }, at)) === 'claimed' ? 'claimed' : 'taken';
  }

  /** Gives a claim back after its email failed, so the retry sends it. */
  async release(key: FollowUpKey, kind: FollowUpKind): Promise<void> {
    await this.claims.release(this.key(key, kind), 'while-held', { mustHold: true });
  }

  /** Ends the step's claim; one gone meanwhile (the lead was erased while its email went out) stays gone. */
  async markDone(key: FollowUpKey, kind: FollowUpKind, at: string): Promise<'done' | 'claim-gone'> {
    return conditionally(this.claims.markDone(this.key(key, kind), 'anyone', { status: 'done', doneAt: at }), 'done', 'claim-gone');
  }

  /** The lead moved but its new rep's alert or `lead.assigned` failed: the retry finishes it without waiting. */
  async markInterrupted(key: FollowUpKey, kind: FollowUpKind): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: this.key(key, kind),
        UpdateExpression: 'SET #status = :interrupted',
        ConditionExpression: '#status = :claimed',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':interrupted': 'interrupted', ':claimed': 'claimed' },
      }),
    );
  }

  /**
   * Hands the lead from its owner `from` to `owner` in one transaction: the step is recorded once (with
   * who from and to), the owner is replaced only while the lead is the version that was read and
   * still that rep's, the new rep's open count grows only under `capacity` and the old rep's shrinks.
   * Any condition that fails cancels all four and says which.
   */
  async tryReassign(
    key: FollowUpKey,
    lead: { readonly version: number },
    from: LeadOwner,
    owner: LeadOwner,
    capacity: number,
  ): Promise<ReassignAttempt> {
    const fromRepId = from.repId;
    try {
      await transactWrite(this.client, this.tableName, [
        {
          Put: {
            Item: { ...this.key(key, 'reassign'), entity: 'follow-up', ...key, kind: 'reassign', status: 'claimed', outcome: 'reassigned', repId: fromRepId, at: owner.assignedAt, owner, waitedSince: from.assignedAt },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        {
          Update: {
            Key: keys.lead(key.leadId),
            UpdateExpression: 'SET #owner = :owner, #version = :next, #updatedAt = :at',
            ConditionExpression: '#version = :version AND #owner.#repId = :from',
            ExpressionAttributeNames: { '#owner': 'owner', '#version': 'version', '#updatedAt': 'updatedAt', '#repId': 'repId' },
            ExpressionAttributeValues: { ':owner': owner, ':version': lead.version, ':next': lead.version + 1, ':at': owner.assignedAt, ':from': fromRepId },
          },
        },
        takeLoadWrite(this.tableName, { id: owner.repId, capacity }),
        releaseWrite(this.tableName, fromRepId),
      ]);
      return 'reassigned';
    } catch (error) {
      const failed = failedConditions(error);
      if (failed?.[0]) return 'already-done';
      if (failed?.[1]) return 'lead-changed';
      if (failed?.[2]) return 'rep-full';
      if (isTransactionConflict(error)) return 'conflict';
      throw error;
    }
  }
}

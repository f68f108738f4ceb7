import { DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { conditionally } from './dynamo-errors';

/** A claim record's table key. */
export type ClaimKey = { readonly pk: string; readonly sk: string };

/** A condition clause with the names and values it uses. */
export interface ConditionClause {
  readonly expression: string;
  readonly names?: Readonly<Record<string, string>>;
  readonly values?: Readonly<Record<string, unknown>>;
}

/** How one kind of claim is written and when a claim still stands. */
export interface ClaimPolicy {
  /** The status a claim has while its side effect is under way (`sending`, `claimed`). */
  readonly heldStatus: string;
  /** The attribute holding when the claim was taken (an ISO time). */
  readonly claimedAtAttribute: string;
  /**
   * After this long a held claim belongs to a consumer that died mid-way and is taken over: the side
   * effect is better done twice after a crash than never. Without it a claim is never taken over.
   */
  readonly staleAfterMs?: number;
  /** What a stale claim must also satisfy to be taken over. */
  readonly takeoverAlsoRequires?: ConditionClause;
  /**
   * Claims hold only until their `expiresAt` (epoch seconds, removed later by TTL): an expired one is
   * free to claim again, and giving a claim back expires it rather than deleting it.
   */
  readonly expires?: boolean;
}

/** How one claim is taken: `takeOverHeld`, a held claim is taken over however recent (ClaimRecords.claimPut). */
export interface ClaimOptions {
  readonly takeOverHeld?: boolean;
}

/**
 * Who may finish or give back a claim: the invocation holding its `token` (a takeover writes a new
 * one, so a consumer that was only slow cannot touch its successor's claim); anyone while the item
 * still has the held status; or anyone while the item exists (one an erasure deleted is not written
 * back).
 */
export type ClaimHolder = { readonly token: string } | 'while-held' | 'anyone';

/**
 * Claim records: an item written with a conditional put before a side effect that must happen once
 * (an email, a webhook POST), so a duplicate or concurrent delivery finds the claim and does nothing;
 * marked done after the effect, given back when it failed so the retry can do it.
 */
export class ClaimRecords<Key extends ClaimKey> {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly policy: ClaimPolicy,
  ) {}

  /**
   * The put that claims `item` at `at`, held by `token` when given, where no claim stands: none was
   * taken, it expired, or it went stale. `takeOverHeld` (a policy with a stale time only) counts every
   * claim held since before `at` as stale: for the last delivery a queue makes, whose holder is gone
   * (DeliveryAttempt). For a transaction; `claim` writes it alone.
   */
  claimPut(item: Key & Readonly<Record<string, unknown>>, at: string, token?: string, options: ClaimOptions = {}) {
    const { heldStatus, claimedAtAttribute, staleAfterMs, takeoverAlsoRequires, expires } = this.policy;
    const free = ['attribute_not_exists(pk)'];
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    if (expires) {
      free.push('expiresAt <= :now');
      values[':now'] = Math.floor(Date.parse(at) / 1000);
    }
    if (staleAfterMs !== undefined) {
      const stale = [`#status = :${heldStatus}`, ...(takeoverAlsoRequires ? [takeoverAlsoRequires.expression] : []), '#claimedAt < :staleBefore'];
      free.push(`(${stale.join(' AND ')})`);
      Object.assign(names, { '#status': 'status', '#claimedAt': claimedAtAttribute }, takeoverAlsoRequires?.names);
      Object.assign(values, { [`:${heldStatus}`]: heldStatus, ':staleBefore': options.takeOverHeld ? at : new Date(Date.parse(at) - staleAfterMs).toISOString() }, takeoverAlsoRequires?.values);
    }
    return {
      Put: {
        TableName: this.tableName,
        Item: { ...item, status: heldStatus, [claimedAtAttribute]: at, ...(token ? { token } : {}) },
        ConditionExpression: free.join(' OR '),
        ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
        ...(Object.keys(values).length ? { ExpressionAttributeValues: values } : {}),
      },
    };
  }

  /** Claims `item` alone: `refused` when a claim stands (or the effect is done); the caller reads why if it needs to. */
  async claim(item: Key & Readonly<Record<string, unknown>>, at: string, token?: string, options: ClaimOptions = {}): Promise<'claimed' | 'refused'> {
    return conditionally(this.client.send(new PutCommand(this.claimPut(item, at, token, options).Put)), 'claimed', 'refused');
  }

  /** The claim record as stored now, read consistently. */
  async read(key: Key): Promise<Record<string, unknown> | undefined> {
    return (await this.client.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }))).Item;
  }

  /** The update that ends a claim with `outcome` (its status and the fields that record it), for a transaction. */
  doneUpdate(key: Key, holder: ClaimHolder, outcome: Readonly<Record<string, unknown>> & { readonly status: string }) {
    const { status, ...fields } = outcome;
    const holds = this.holderCondition(holder);
    const sets = [`#status = :${status}`, ...Object.keys(fields).map((name) => `#${name} = :${name}`)];
    return {
      Update: {
        TableName: this.tableName,
        Key: key,
        UpdateExpression: `SET ${sets.join(', ')}${typeof holder === 'object' ? ' REMOVE #token' : ''}`,
        ConditionExpression: holds.expression,
        ExpressionAttributeNames: { ...holds.names, '#status': 'status', ...Object.fromEntries(Object.keys(fields).map((name) => [`#${name}`, name])) },
        ExpressionAttributeValues: { ...holds.values, [`:${status}`]: status, ...Object.fromEntries(Object.entries(fields).map(([name, value]) => [`:${name}`, value])) },
      },
    };
  }

  /** Ends a claim alone; fails with DynamoDB's condition error when `holder` no longer holds it. */
  async markDone(key: Key, holder: ClaimHolder, outcome: Readonly<Record<string, unknown>> & { readonly status: string }): Promise<void> {
    await this.client.send(new UpdateCommand(this.doneUpdate(key, holder, outcome).Update));
  }

  /**
   * Gives a claim back after its side effect failed, so the retry can do it: `not-held` when another
   * invocation took it over or it has ended meanwhile (it is left alone), unless `mustHold` makes
   * that an error.
   */
  async release(key: Key, holder: Exclude<ClaimHolder, 'anyone'>, options: { readonly mustHold?: boolean } = {}): Promise<'released' | 'not-held'> {
    const holds = this.holderCondition(holder);
    const condition = { ConditionExpression: holds.expression, ExpressionAttributeNames: { ...holds.names }, ExpressionAttributeValues: { ...holds.values } };
    // An expiring claim is given back by expiring it, so its function needs no delete grant.
    const write = this.policy.expires
      ? new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: `SET expiresAt = :expired${typeof holder === 'object' ? ' REMOVE #token' : ''}`,
          ...condition,
          ExpressionAttributeValues: { ...condition.ExpressionAttributeValues, ':expired': 0 },
        })
      : new DeleteCommand({ TableName: this.tableName, Key: key, ...condition });
    if (options.mustHold) {
      await this.client.send(write);
      return 'released';
    }
    return conditionally(this.client.send(write), 'released', 'not-held');
  }

  private holderCondition(holder: ClaimHolder): ConditionClause {
    if (holder === 'anyone') return { expression: 'attribute_exists(pk)', names: {}, values: {} };
    if (holder === 'while-held') return { expression: `#status = :${this.policy.heldStatus}`, names: { '#status': 'status' }, values: { [`:${this.policy.heldStatus}`]: this.policy.heldStatus } };
    return { expression: '#token = :token', names: { '#token': 'token' }, values: { ':token': holder.token } };
  }
}

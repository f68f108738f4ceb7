import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { OPEN_POLICY, SendPolicy, type LedgerSend } from '../domain/consent/send-policy';
import { batchGet } from './batch-get';
import { conditionally } from './dynamo-errors';
import * as keys from './keys';

/** The stored send-time policy, with the version a save checks and moves. */
export interface StoredSendPolicy {
  readonly policy: SendPolicy;
  readonly version: number;
  readonly updatedAt?: string;
}

/**
 * How long a sender keeps the policy it read: long enough that the recipients of one batch share one
 * read, short enough that a change holds from the next batch on (a read costs less than the email).
 */
export const POLICY_TTL_MS = 1_000;

/** The send-time policy, one settings item; senders keep what they read for a second. */
export class SendPolicyStore {
  private cached?: { readonly policy: Promise<SendPolicy>; readonly until: number };

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** The policy and its version; the open policy (no cap, no quiet hours) at version 0 when none was ever saved. */
  async get(): Promise<StoredSendPolicy> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.sendPolicy(), ConsistentRead: true }));
    if (!Item) return { policy: OPEN_POLICY, version: 0 };
    return { policy: SendPolicy.parse(Item.policy), version: Number(Item.version), updatedAt: String(Item.updatedAt) };
  }

  /** The policy as senders use it: read at most once a second per container. */
  current(): Promise<SendPolicy> {
    if (!this.cached || this.cached.until <= Date.now()) {
      const policy = this.get().then((stored) => stored.policy);
      // A failed read is not kept: the next sender asks again.
      policy.catch(() => (this.cached = undefined));
      this.cached = { policy, until: Date.now() + POLICY_TTL_MS };
    }
    return this.cached.policy;
  }

  /** Saves the policy as the next version if nobody saved another since `previousVersion` (0 for none). */
  async save(policy: SendPolicy, previousVersion: number, at: string): Promise<StoredSendPolicy | 'version-changed'> {
    const stored = { policy, version: previousVersion + 1, updatedAt: at };
    return conditionally(
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys.sendPolicy(), entity: 'send-policy', ...stored },
          ConditionExpression: previousVersion === 0 ? 'attribute_not_exists(pk)' : 'version = :previous',
          ...(previousVersion === 0 ? {} : { ExpressionAttributeValues: { ':previous': previousVersion } }),
        }),
      ),
      stored,
      'version-changed' as const,
    );
  }
}

/** Each lead's recent marketing sends on one item under the lead, replaced only at the version read. */
export class MarketingSendLedgerStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async read(leadId: string): Promise<{ sends: LedgerSend[]; version: number }> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.marketingSends(leadId), ConsistentRead: true }));
    return ledgerOf(Item);
  }

  /** The ledgers of `leadIds`, read consistently and together (a hundred a request). */
  async readMany(leadIds: readonly string[]): Promise<ReadonlyMap<string, { sends: LedgerSend[]; version: number }>> {
    const items = new Map((await batchGet(this.client, this.tableName, [...new Set(leadIds)].map((leadId) => keys.marketingSends(leadId)))).map((item) => [String(item.pk), item]));
    return new Map(leadIds.map((leadId) => [leadId, ledgerOf(items.get(keys.marketingSends(leadId).pk))]));
  }

  async write(leadId: string, sends: readonly LedgerSend[], expectedVersion: number): Promise<boolean> {
    return conditionally(
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys.marketingSends(leadId), entity: 'marketing-sends', leadId, sends, version: expectedVersion + 1 },
          ConditionExpression: expectedVersion === 0 ? 'attribute_not_exists(pk)' : 'version = :expected',
          ...(expectedVersion === 0 ? {} : { ExpressionAttributeValues: { ':expected': expectedVersion } }),
        }),
      ),
      true,
      false,
    );
  }
}

/** A stored ledger item as sends and version; none yet: no sends at version 0. */
function ledgerOf(item: Record<string, unknown> | undefined): { sends: LedgerSend[]; version: number } {
  if (!item) return { sends: [], version: 0 };
  const sends = Array.isArray(item.sends) ? (item.sends as { key: unknown; at: unknown }[]).map((send) => ({ key: String(send.key), at: String(send.at) })) : [];
  return { sends, version: Number(item.version) };
}

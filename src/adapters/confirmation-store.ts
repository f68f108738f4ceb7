import { randomUUID } from 'node:crypto';
import { BatchGetCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { CONFIRMATION_WINDOW_SECONDS, CONFIRMATIONS_PER_ADDRESS, planConfirmation } from '../domain/consent/confirmation-limits';
import { Unavailable } from '../domain/errors';
import { ClaimRecords, type ClaimKey } from './claims';
import { failedConditions, isTransactionConflict } from './dynamo-errors';
import * as keys from './keys';

export type ConfirmationClaim<S extends string = string> =
  | { readonly outcome: 'claimed'; readonly leadId: string; readonly subscriptions: readonly S[]; readonly slot: number; readonly token: string }
  | { readonly outcome: 'already-sent' | 'address-limit' }
  /** Another invocation is sending one of these types now, or died doing so: look again once its claim is stale. */
  | { readonly outcome: 'in-progress' };

/** Claims raced by concurrent requests are read and planned again this many times before the record is retried. */
const CLAIM_ATTEMPTS = 3;

/** Raised so the request is retried later, when concurrent requests kept taking the same claims. */
class ConfirmationContended extends Unavailable {
  override readonly name = 'ConfirmationContended';
}

/**
 * The double opt-in emails a lead got: each type's and each quota slot's item is claimed with a
 * conditional write before the email is sent, marked sent after, given back when the send fails, and
 * holds until its window ends (`expiresAt`, which TTL then removes). A claim left `sending` by a
 * consumer that died mid-send is taken over after `staleAfterMs`: a confirmation is better sent twice
 * after a crash than never.
 */
export class ConfirmationStore {
  private readonly claims: ClaimRecords<ClaimKey>;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly staleAfterMs: number,
  ) {
    this.claims = new ClaimRecords(client, tableName, { heldStatus: 'sending', claimedAtAttribute: 'claimedAt', staleAfterMs, expires: true });
  }

  private itemKeys(leadId: string, subscriptions: readonly string[], slot: number) {
    return [...subscriptions.map((subscription) => keys.confirmationSent(leadId, subscription)), keys.confirmationQuota(leadId, slot)];
  }

  /** Whether a stored claim still holds at `now`: its window is open and it is not a dead consumer's. */
  private holds(item: Record<string, unknown>, now: Date): boolean {
    if (Number(item.expiresAt) <= Math.floor(now.getTime() / 1000)) return false;
    return !(item.status === 'sending' && String(item.claimedAt) < new Date(now.getTime() - this.staleAfterMs).toISOString());
  }

  private async held(leadId: string, pending: readonly string[], now: Date) {
    const wanted = [...pending.map((subscription) => keys.confirmationSent(leadId, subscription)), ...Array.from({ length: CONFIRMATIONS_PER_ADDRESS }, (_, slot) => keys.confirmationQuota(leadId, slot))];
    const { Responses } = await this.client.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: wanted, ConsistentRead: true } } }));
    const live = (Responses?.[this.tableName] ?? []).filter((item) => this.holds(item, now));
    const types = live.filter((item) => item.entity === 'confirmation');
    return {
      subscriptions: new Set(types.map((item) => String(item.subscription))),
      sending: new Set(types.filter((item) => item.status === 'sending').map((item) => String(item.subscription))),
      slots: new Set(live.filter((item) => item.entity === 'confirmation-quota').map((item) => Number(item.slot))),
    };
  }

  /**
   * Claims the confirmation email of those `pending` types not mailed in their window, in a free slot
   * of the address's quota, in one transaction whose conditions repeat the check just read.
   */
  async claim<S extends string>(leadId: string, pending: readonly S[], now: Date): Promise<ConfirmationClaim<S>> {
    const claimedAt = now.toISOString();
    const expiresAt = Math.floor(now.getTime() / 1000) + CONFIRMATION_WINDOW_SECONDS;
    for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt += 1) {
      const held = await this.held(leadId, pending, now);
      // Not yet known to be sent: a crash may have cut that send off, and only its going stale tells.
      if (pending.some((subscription) => held.sending.has(subscription))) return { outcome: 'in-progress' };
      const plan = planConfirmation(pending, held.subscriptions, held.slots);
      if (!plan.send) return { outcome: plan.reason };
      const token = randomUUID();
      const items = [
        ...plan.subscriptions.map((subscription) => ({ ...keys.confirmationSent(leadId, subscription), entity: 'confirmation', subscription, leadId, expiresAt })),
        { ...keys.confirmationQuota(leadId, plan.slot), entity: 'confirmation-quota', slot: plan.slot, leadId, expiresAt },
      ];
      try {
        await this.client.send(new TransactWriteCommand({ TransactItems: items.map((item) => this.claims.claimPut(item, claimedAt, token)) }));
        return { outcome: 'claimed', leadId, subscriptions: plan.subscriptions, slot: plan.slot, token };
      } catch (error) {
        // Another request claimed some of these items since they were read: read and plan again.
        if (!failedConditions(error)?.some(Boolean) && !isTransactionConflict(error)) throw error;
      }
    }
    throw new ConfirmationContended(`Confirmation claims of lead ${leadId} kept changing`);
  }

  async markSent(claim: Extract<ConfirmationClaim, { outcome: 'claimed' }>, messageId: string, at: Date): Promise<void> {
    await this.client.send(
      new TransactWriteCommand({
        TransactItems: this.itemKeys(claim.leadId, claim.subscriptions, claim.slot).map((key) =>
          this.claims.doneUpdate(key, { token: claim.token }, { status: 'sent', sentAt: at.toISOString(), messageId }),
        ),
      }),
    );
  }

  /**
   * Gives the claims back after a failed send, so the retry can send; an item another request took
   * over stays its. Giving back expires the claim at once (TTL removes it later).
   */
  async release(claim: Extract<ConfirmationClaim, { outcome: 'claimed' }>): Promise<void> {
    await Promise.all(this.itemKeys(claim.leadId, claim.subscriptions, claim.slot).map((key) => this.claims.release(key, { token: claim.token })));
  }
}

import { randomUUID } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AlertClaim } from '../domain/handoff/alert-email';
import { ClaimRecords } from './claims';
import * as keys from './keys';

export interface AlertKey {
  readonly leadId: string;
  readonly rulesetVersion: string;
  readonly qualification: number;
}

type AlertRecordKey = ReturnType<typeof keys.alert>;

/**
 * One alert per qualification: the alert record is claimed with a conditional write before the email
 * is sent and marked sent after, so duplicates and concurrent deliveries of one qualification find the
 * claim and send nothing. A claim left by a consumer that died mid-send expires after `staleAfterMs`
 * and is taken over: an alert is better sent twice after a crash than never.
 */
export class AlertStore {
  private readonly claims: ClaimRecords<AlertRecordKey>;

  constructor(client: DynamoDBDocumentClient, tableName: string, staleAfterMs: number) {
    this.claims = new ClaimRecords(client, tableName, { heldStatus: 'sending', claimedAtAttribute: 'claimedAt', staleAfterMs });
  }

  async claim(key: AlertKey, now: Date): Promise<AlertClaim> {
    const token = randomUUID();
    const recordKey = keys.alert(key.leadId, key.rulesetVersion, key.qualification);
    if ((await this.claims.claim({ ...recordKey, entity: 'alert', ...key }, now.toISOString(), token)) === 'claimed') return { outcome: 'claimed', token };
    return (await this.claims.read(recordKey))?.status === 'sent' ? { outcome: 'already-sent' } : { outcome: 'in-progress' };
  }

  async markSent(key: AlertKey, token: string, messageId: string, at: Date): Promise<void> {
    await this.claims.markDone(keys.alert(key.leadId, key.rulesetVersion, key.qualification), { token }, { status: 'sent', sentAt: at.toISOString(), messageId });
  }

  /** Gives the claim back after a failed send, so the retry can send. */
  async release(key: AlertKey, token: string): Promise<void> {
    await this.claims.release(keys.alert(key.leadId, key.rulesetVersion, key.qualification), { token });
  }
}

import { randomUUID } from 'node:crypto';
import { GetCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AttributeValue, LeadProfile, Touch } from '../domain/lead';
import type { ConsentRecord } from '../domain/subscriptions';
import { entryStage } from '../domain/handoff/lifecycle';
import { conditionally, failedConditions, isInvalidDocumentPath } from './dynamo-errors';
import { EmailIndex } from './email-index';
import * as keys from './keys';
import { createLeadWrites, mapEntryUpdates, putConsents, putEvent, type NewLead, type StoredEvent } from './lead-items';

export interface Submission {
  readonly email: string;
  readonly profile: LeadProfile;
  /** Custom attributes to set; attributes the submission does not name are kept. */
  readonly attributes?: Readonly<Record<string, AttributeValue>>;
  readonly touch: Touch;
  readonly consents: readonly ConsentRecord[];
  readonly event: Omit<StoredEvent, 'subject'>;
}

/**
 * `duplicate`: the submission was stored before (a retry), nothing changed now; `conflict`: its id
 * was stored before for a different request (the same idempotency key reused), nothing changed.
 */
export type SubmissionOutcome = { readonly leadId: string; readonly created: boolean; readonly duplicate: boolean; readonly conflict?: boolean };

/**
 * Form submissions: each creates its address's lead or updates its profile, appends consent records
 * and records the submission as an engagement event, all in one transaction.
 */
export class SubmissionStore {
  private readonly emails: EmailIndex;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {
    this.emails = new EmailIndex(client, tableName);
  }

  /**
   * Stores a form submission: creates the lead (one per email, even under concurrent submissions) or
   * updates its profile. A replay of the same submission id changes nothing and reports `duplicate`.
   */
  async captureSubmission(submission: Submission): Promise<SubmissionOutcome> {
    const created = await this.tryCreateLead(submission);
    if (created) return created;
    const leadId = await this.emails.leadIdForEmail(submission.email);
    if (!leadId) throw new Error('Lead for email vanished between create and update');
    try {
      return await this.updateLeadWithSubmission(leadId, submission);
    } catch (error) {
      if (!Object.keys(submission.attributes ?? {}).length || !isInvalidDocumentPath(error)) throw error;
    }
    // The lead has no attributes map yet (it was made from an address alone). DynamoDB refuses the path
    // before it reads any condition, so a submission stored under this id already is answered from its
    // record first: a reused key must change nothing, not even give the lead its map.
    const repeated = await this.repeatedSubmission(leadId, submission);
    if (repeated) return repeated;
    await this.ensureAttributesMap(leadId);
    return this.updateLeadWithSubmission(leadId, submission);
  }

  /**
   * Gives a lead created without custom attributes an empty map, so a submission can set
   * `attributes.<name>` paths (DynamoDB cannot set a path inside a map that does not exist).
   */
  private async ensureAttributesMap(leadId: string): Promise<void> {
    await conditionally(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.lead(leadId),
          UpdateExpression: 'SET #attributes = :empty',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#attributes)',
          ExpressionAttributeNames: { '#attributes': 'attributes' },
          ExpressionAttributeValues: { ':empty': {} },
        }),
      ),
      'created',
      'exists',
    );
  }

  private async tryCreateLead(submission: Submission): Promise<SubmissionOutcome | undefined> {
    const leadId = randomUUID();
    const now = submission.event.receivedAt;
    const lead: NewLead = {
      id: leadId,
      email: submission.email,
      ...submission.profile,
      attributes: { ...submission.attributes },
      createdAt: now,
      updatedAt: now,
      firstTouch: submission.touch,
      lastTouch: submission.touch,
      subscriptions: Object.fromEntries(submission.consents.map((consent) => [consent.subscription, consent.status])),
      stage: entryStage(Object.keys(submission.profile).length > 0 || Object.keys(submission.attributes ?? {}).length > 0),
      stageChangedAt: now,
      version: 1,
    };
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            ...createLeadWrites(this.tableName, lead),
            putEvent(this.tableName, submission.event, { kind: 'lead', id: leadId }),
            this.putSubmission(leadId, submission),
            ...putConsents(this.tableName, leadId, submission.consents, submission.event.id),
          ],
        }),
      );
      return { leadId, created: true, duplicate: false };
    } catch (error) {
      if (failedConditions(error)?.[0]) return undefined;
      throw error;
    }
  }

  /** The record of a submission under its lead, once per id: a retry of it fails this put's condition. */
  private putSubmission(leadId: string, submission: Submission) {
    return {
      Put: {
        TableName: this.tableName,
        Item: { ...keys.submission(leadId, submission.event.id), entity: 'form-submission', at: submission.event.receivedAt, requestHash: submission.event.requestHash },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
  }

  /** A submission whose id is stored already: the same request again, or a different one under its key; undefined when none is. */
  private async repeatedSubmission(leadId: string, submission: Submission): Promise<SubmissionOutcome | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.submission(leadId, submission.event.id), ConsistentRead: true }));
    if (!Item) return undefined;
    const conflict = Item.requestHash !== undefined && Item.requestHash !== submission.event.requestHash;
    return { leadId, created: false, duplicate: true, ...(conflict ? { conflict } : {}) };
  }

  private async updateLeadWithSubmission(leadId: string, submission: Submission): Promise<SubmissionOutcome> {
    const names: Record<string, string> = { '#updatedAt': 'updatedAt', '#lastTouch': 'lastTouch', '#version': 'version' };
    const values: Record<string, unknown> = { ':updatedAt': submission.event.receivedAt, ':lastTouch': submission.touch, ':one': 1 };
    const sets = ['#updatedAt = :updatedAt', '#lastTouch = :lastTouch'];
    for (const [field, value] of Object.entries(submission.profile)) {
      names[`#${field}`] = field;
      values[`:${field}`] = value;
      sets.push(`#${field} = :${field}`);
    }
    const subscriptions = mapEntryUpdates('subscriptions', submission.consents.map((consent) => [consent.subscription, consent.status]));
    const attributes = mapEntryUpdates('attributes', Object.entries(submission.attributes ?? {}));
    for (const update of [subscriptions, attributes]) {
      Object.assign(names, update.names);
      Object.assign(values, update.values);
      sets.push(...update.sets);
    }
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            this.putSubmission(leadId, submission),
            putEvent(this.tableName, submission.event, { kind: 'lead', id: leadId }),
            {
              Update: {
                TableName: this.tableName,
                Key: keys.lead(leadId),
                UpdateExpression: `SET ${sets.join(', ')} ADD #version :one`,
                ConditionExpression: 'attribute_exists(pk)',
                ExpressionAttributeNames: names,
                ExpressionAttributeValues: values,
              },
            },
            ...putConsents(this.tableName, leadId, submission.consents, submission.event.id),
          ],
        }),
      );
      return { leadId, created: false, duplicate: false };
    } catch (error) {
      // Its record was there a moment ago; erased since, it still was a repeat.
      if (failedConditions(error)?.[0]) return (await this.repeatedSubmission(leadId, submission)) ?? { leadId, created: false, duplicate: true };
      throw error;
    }
  }
}

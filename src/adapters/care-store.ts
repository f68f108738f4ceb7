import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DEFAULT_RISK_FORMULA, ChurnRiskFormula, type StoredRiskFormula } from '../domain/care/churn-risk';
import { CareSettings, DEFAULT_CARE_SETTINGS, type CustomerCare } from '../domain/care/customer';
import type { HelpDeskKind } from '../domain/care/help-desk';
import type { Lifespan, LifespanStats } from '../domain/care/lifetime-value';
import type { SurveyAnswer, SurveyKind, SurveySend, SurveySendClaim } from '../domain/care/surveys';
import type { Ticket } from '../domain/care/tickets';
import type { SealedSecret } from '../domain/chat/sources';
import type { AlertClaim } from '../domain/handoff/alert-email';
import type { Lead } from '../domain/lead';
import { LEAD_LISTING_SHARDS } from '../domain/lead-listing';
import type { RiskBand } from '../domain/care/churn-risk';
import { type ClaimOptions, ClaimRecords } from './claims';
import { failedConditions, isTransactionConflict } from './dynamo-errors';
import * as keys from './keys';
import { LifespanStore } from './lifespan-store';
import { queryAll } from './query-pages';
import { transactWrite } from './transactions';

/** The help desk posting to the inbound webhook: its kind and its signing secret, sealed under the signing-key ring. */
export interface StoredHelpDesk {
  readonly kind: HelpDeskKind;
  readonly secret: SealedSecret;
  readonly updatedAt: string;
}

/** A ticket as listed for the reports. */
export type ReportedTicket = Ticket & { readonly leadId: string };

const strip = (item: Record<string, unknown>) => {
  const { pk: _pk, sk: _sk, gsi1pk: _gsi1pk, gsi1sk: _gsi1sk, entity: _entity, ...rest } = item;
  return rest;
};

/** The lead's care record, replaced whole, guarded by the lead's version it was computed from. */
const careUpdate = (lead: Pick<Lead, 'id' | 'version'>, care: CustomerCare, at: string) => ({
  Update: {
    Key: keys.lead(lead.id),
    UpdateExpression: 'SET care = :care, updatedAt = :at, version = :next',
    ConditionExpression: 'version = :version',
    ExpressionAttributeValues: { ':care': care, ':at': at, ':version': lead.version, ':next': lead.version + 1 },
  },
});

/**
 * After-sale records in the single table: tickets and survey sends under their lead, alert claims per
 * episode, and the team's settings, risk formula versions, churned lifespans and help-desk intake.
 */
export class CareStore {
  private readonly alertClaims: ClaimRecords<ReturnType<typeof keys.customerAlert>>;
  private readonly sendClaims: ClaimRecords<ReturnType<typeof keys.surveySend>>;
  private readonly lifespans: LifespanStore;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    staleAfterMs = 60_000,
  ) {
    this.alertClaims = new ClaimRecords(client, tableName, { heldStatus: 'sending', claimedAtAttribute: 'claimedAt', staleAfterMs });
    this.sendClaims = new ClaimRecords(client, tableName, { heldStatus: 'sending', claimedAtAttribute: 'claimedAt', staleAfterMs });
    this.lifespans = new LifespanStore(client, tableName);
  }

  private async getItem(key: { pk: string; sk: string }) {
    return (await this.client.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }))).Item;
  }

  async get(leadId: string, ticketId: string): Promise<Ticket | undefined> {
    const item = await this.getItem(keys.ticket(leadId, ticketId));
    if (!item) return undefined;
    const { leadId: _leadId, ...ticket } = strip(item);
    return ticket as unknown as Ticket;
  }

  /** Puts the ticket when newer than the stored one (by the help desk's time) and replaces the care record, in one transaction. */
  async record(lead: Pick<Lead, 'id' | 'version'>, ticket: Ticket, care: CustomerCare, at: string): Promise<'recorded' | 'not-newer' | 'lead-changed'> {
    try {
      await transactWrite(this.client, this.tableName, [
        {
          Put: {
            Item: { ...keys.ticket(lead.id, ticket.ticketId), ...keys.ticketMonth(ticket.openedAt, lead.id, ticket.ticketId), entity: 'ticket', leadId: lead.id, ...ticket },
            // ISO times in UTC compare as text.
            ConditionExpression: 'attribute_not_exists(pk) OR updatedAt < :updatedAt',
            ExpressionAttributeValues: { ':updatedAt': ticket.updatedAt },
          },
        },
        careUpdate(lead, care, at),
      ]);
      return 'recorded';
    } catch (error) {
      const failed = failedConditions(error);
      if (failed?.[0]) return 'not-newer';
      if (failed?.[1] || isTransactionConflict(error)) return 'lead-changed';
      throw error;
    }
  }

  async saveCare(lead: Pick<Lead, 'id' | 'version'>, care: CustomerCare, at: string): Promise<'saved' | 'lead-changed'> {
    try {
      await transactWrite(this.client, this.tableName, [careUpdate(lead, care, at)]);
      return 'saved';
    } catch (error) {
      if (failedConditions(error)?.[0] || isTransactionConflict(error)) return 'lead-changed';
      throw error;
    }
  }

  async getSend(leadId: string, sendId: string): Promise<SurveySend | undefined> {
    const item = await this.getItem(keys.surveySend(leadId, sendId));
    return item ? (strip(item) as unknown as SurveySend) : undefined;
  }

  /** The answer on its (sent) send record, listed in its month, and the care record, in one transaction. */
  async recordAnswer(lead: Pick<Lead, 'id' | 'version'>, send: SurveySend, answer: SurveyAnswer, care: CustomerCare): Promise<'recorded' | 'lead-changed'> {
    try {
      await transactWrite(this.client, this.tableName, [
        {
          Update: {
            Key: keys.surveySend(lead.id, send.sendId),
            UpdateExpression: 'SET answer = :answer, gsi1pk = :gsi1pk, gsi1sk = :gsi1sk',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeValues: { ':answer': answer, ...Object.fromEntries(Object.entries(keys.answerMonth(answer.answeredAt, lead.id)).map(([name, value]) => [`:${name}`, value])) },
          },
        },
        careUpdate(lead, care, answer.answeredAt),
      ]);
      return 'recorded';
    } catch (error) {
      if (failedConditions(error)?.some(Boolean) || isTransactionConflict(error)) return 'lead-changed';
      throw error;
    }
  }

  async claimSend(send: { readonly leadId: string; readonly sendId: string; readonly surveyId: string; readonly kind: SurveyKind }, now: Date, options: ClaimOptions = {}): Promise<SurveySendClaim> {
    const token = randomUUID();
    const key = keys.surveySend(send.leadId, send.sendId);
    if ((await this.sendClaims.claim({ ...key, entity: 'survey-send', ...send, sentAt: now.toISOString() }, now.toISOString(), token, options)) === 'claimed') return { outcome: 'claimed', token };
    const existing = await this.sendClaims.read(key);
    return existing?.status === 'sent' ? { outcome: 'already-sent', sentAt: String(existing.sentAt) } : { outcome: 'in-progress' };
  }

  async markSendSent(leadId: string, sendId: string, token: string, messageId: string, at: Date): Promise<void> {
    await this.sendClaims.markDone(keys.surveySend(leadId, sendId), { token }, { status: 'sent', sentAt: at.toISOString(), messageId });
  }

  async releaseSend(leadId: string, sendId: string, token: string): Promise<void> {
    await this.sendClaims.release(keys.surveySend(leadId, sendId), { token });
  }

  async claimAlert(leadId: string, triggerId: string, episodeStartedAt: string, now: Date, options: ClaimOptions = {}): Promise<AlertClaim> {
    const token = randomUUID();
    const key = keys.customerAlert(leadId, triggerId, episodeStartedAt);
    if ((await this.alertClaims.claim({ ...key, entity: 'customer-alert', leadId, triggerId, episodeStartedAt }, now.toISOString(), token, options)) === 'claimed') return { outcome: 'claimed', token };
    return (await this.alertClaims.read(key))?.status === 'sent' ? { outcome: 'already-sent' } : { outcome: 'in-progress' };
  }

  async markAlertSent(leadId: string, triggerId: string, episodeStartedAt: string, token: string, messageId: string, at: Date): Promise<void> {
    await this.alertClaims.markDone(keys.customerAlert(leadId, triggerId, episodeStartedAt), { token }, { status: 'sent', sentAt: at.toISOString(), messageId });
  }

  async releaseAlert(leadId: string, triggerId: string, episodeStartedAt: string, token: string): Promise<void> {
    await this.alertClaims.release(keys.customerAlert(leadId, triggerId, episodeStartedAt), { token });
  }

  /** The team's settings, or the standard ones until a team saves its own. */
  async settings(): Promise<CareSettings> {
    const item = await this.getItem(keys.careSettings());
    return item ? CareSettings.parse(item.settings) : DEFAULT_CARE_SETTINGS;
  }

  /** Saves the settings, and their lifespan part beside the churned customers counted, so the average lifespan is one read. */
  async saveSettings(settings: CareSettings, at: string): Promise<void> {
    await transactWrite(this.client, this.tableName, [
      { Put: { Item: { ...keys.careSettings(), entity: 'care-settings', settings, updatedAt: at } } },
      {
        Update: {
          Key: keys.lifespans(),
          UpdateExpression: 'SET entity = :entity, configuredYears = :years, minimumChurned = :minimum',
          ExpressionAttributeValues: { ':entity': 'lifespans', ':years': settings.lifespan.configuredYears, ':minimum': settings.lifespan.minimumChurned },
        },
      },
    ]);
  }

  /** The formula in force: the latest saved version, or the standard formula as version 0. */
  async activeFormula(): Promise<StoredRiskFormula> {
    const item = await this.getItem(keys.riskFormula());
    if (!item) return { version: 0, formula: DEFAULT_RISK_FORMULA, createdAt: '1970-01-01T00:00:00.000Z' };
    return { version: Number(item.version), formula: ChurnRiskFormula.parse(item.formula), createdAt: String(item.createdAt) };
  }

  /** Saves the formula as the next version (versions never change); `version-changed` when another save came first. */
  async saveFormula(formula: ChurnRiskFormula, previousVersion: number, at: string): Promise<StoredRiskFormula | 'version-changed'> {
    const version = previousVersion + 1;
    const stored: StoredRiskFormula = { version, formula, createdAt: at };
    try {
      await transactWrite(this.client, this.tableName, [
        { Put: { Item: { ...keys.riskFormulaVersion(version), entity: 'risk-formula-version', ...stored }, ConditionExpression: 'attribute_not_exists(pk)' } },
        {
          Put: {
            Item: { ...keys.riskFormula(), entity: 'risk-formula', ...stored },
            ConditionExpression: previousVersion === 0 ? 'attribute_not_exists(pk)' : 'version = :previous',
            ...(previousVersion === 0 ? {} : { ExpressionAttributeValues: { ':previous': previousVersion } }),
          },
        },
      ]);
      return stored;
    } catch (error) {
      if (failedConditions(error)?.some(Boolean) || isTransactionConflict(error)) return 'version-changed';
      throw error;
    }
  }

  async formulaVersion(version: number): Promise<StoredRiskFormula | undefined> {
    const item = await this.getItem(keys.riskFormulaVersion(version));
    return item ? { version: Number(item.version), formula: ChurnRiskFormula.parse(item.formula), createdAt: String(item.createdAt) } : undefined;
  }

  lifespanStats(): Promise<LifespanStats | undefined> {
    return this.lifespans.stats();
  }

  /** The average customer lifespan, learned or configured (see `LifespanStore`). */
  lifespan(): Promise<Lifespan> {
    return this.lifespans.lifespan();
  }

  /** Counts one churned customer's lifespan, once per churn (keyed by the lead and when it churned). */
  async addChurnedLifespan(leadId: string, churnedAt: string, days: number): Promise<void> {
    try {
      await transactWrite(this.client, this.tableName, [
        { Put: { Item: { ...keys.appliedOnce(leadId, `lifespan#${churnedAt}`), entity: 'applied-change', at: churnedAt }, ConditionExpression: 'attribute_not_exists(pk)' } },
        { Update: { Key: keys.lifespans(), UpdateExpression: 'ADD churned :one, totalDays :days', ExpressionAttributeValues: { ':one': 1, ':days': Math.round(days * 100) / 100 } } },
      ]);
    } catch (error) {
      if (failedConditions(error)?.[0]) return;
      throw error;
    }
  }

  async helpDesk(): Promise<StoredHelpDesk | undefined> {
    const item = await this.getItem(keys.helpDesk());
    return item ? (strip(item) as unknown as StoredHelpDesk) : undefined;
  }

  async saveHelpDesk(helpDesk: StoredHelpDesk): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: { ...keys.helpDesk(), entity: 'help-desk', ...helpDesk } }));
  }

  /** The lead a help desk's requester is, recorded from an earlier ticket or by an administrator. */
  async leadIdForRequester(kind: HelpDeskKind, requesterId: string): Promise<string | undefined> {
    const item = await this.getItem(keys.helpDeskRequester(kind, requesterId));
    return typeof item?.leadId === 'string' ? item.leadId : undefined;
  }

  async rememberRequester(kind: HelpDeskKind, requesterId: string, leadId: string, at: string): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: { ...keys.helpDeskRequester(kind, requesterId), ...keys.requestersOfLead(leadId, kind, requesterId), entity: 'help-desk-requester', kind, requesterId, leadId, updatedAt: at } }));
  }

  async ticketsOpenedIn(month: string): Promise<ReportedTicket[]> {
    return queryAll(this.client, { tableName: this.tableName, index: 'gsi1', key: keys.ticketMonthPartition(month) }, (item) => strip(item) as unknown as ReportedTicket);
  }

  async answersIn(month: string): Promise<SurveySend[]> {
    return queryAll(this.client, { tableName: this.tableName, index: 'gsi1', key: keys.answerMonthPartition(month) }, (item) => strip(item) as unknown as SurveySend);
  }

  /**
   * How many leads are in each churn-risk band (as last assessed), reading only that attribute of each
   * lead through the 16 listing partitions; stops after `limit` leads and says so.
   */
  async riskDistribution(limit: number): Promise<Record<RiskBand | 'unscored', number> & { readonly partial: boolean }> {
    const counts: Record<RiskBand | 'unscored', number> = { low: 0, medium: 0, high: 0, unscored: 0 };
    let seen = 0;
    for (const shard of LEAD_LISTING_SHARDS) {
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: 'gsi1',
            KeyConditionExpression: 'gsi1pk = :shard',
            ExpressionAttributeValues: { ':shard': `LEADS#${shard}` },
            ExpressionAttributeNames: { '#care': 'care', '#risk': 'risk', '#band': 'band' },
            ProjectionExpression: '#care.#risk.#band',
            ExclusiveStartKey: startKey,
          }),
        );
        for (const item of page.Items ?? []) {
          const band = (item.care as { risk?: { band?: string } } | undefined)?.risk?.band;
          if (band === 'low' || band === 'medium' || band === 'high') counts[band] += 1;
          else counts.unscored += 1;
          seen += 1;
        }
        startKey = page.LastEvaluatedKey;
        if (seen >= limit) return { ...counts, partial: true };
      } while (startKey);
    }
    return { ...counts, partial: false };
  }
}

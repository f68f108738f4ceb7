import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Lead } from '../domain/lead';
import { LEAD_LISTING_SHARDS, type LeadCursor } from '../domain/lead-listing';
import { bandFromKey, bandKey, type BandChunk, type BandRound } from '../domain/score-order';
import { batchGet } from './batch-get';
import { conditionally, failedConditions, isTransactionConflict } from './dynamo-errors';
import * as keys from './keys';
import { LeadListing } from './lead-listing';
import { toLeadWithScore } from './lead-items';
import { transactWrite } from './transactions';

/** Index entries read per query of one band partition. */
const ENTRIES_PER_QUERY = 100;

interface ShardReader {
  readonly partition: string;
  /** Entries read and not yet given out, in index order (highest band first). */
  readonly buffered: { band: number; leadId: string }[];
  startKey?: Record<string, unknown>;
  done: boolean;
}

/**
 * The leads' score bands (index `bands`, keys only): read highest band first across the 16 band partitions,
 * and filled in for leads scored before the index existed.
 */
export class ScoreBandIndex {
  private readonly listing: LeadListing;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {
    this.listing = new LeadListing(client, tableName);
  }

  /**
   * Every banded lead id, band by band from the highest (or from band `from` down): each partition is
   * read in descending order and the partitions are merged, so a chunk holds ids of one band and no
   * later chunk has a higher one.
   */
  async *bands(from?: number): AsyncGenerator<BandChunk> {
    const shards: ShardReader[] = LEAD_LISTING_SHARDS.map((shard) => ({ partition: keys.scoreBandsPartition(shard), buffered: [], done: false }));
    const fromKey = from === undefined ? undefined : bandKey(from);
    for (;;) {
      await Promise.all(shards.map((shard) => this.refill(shard, fromKey)));
      let top: number | undefined;
      for (const shard of shards) {
        const head = shard.buffered[0];
        if (head && (top === undefined || head.band > top)) top = head.band;
      }
      if (top === undefined) return;
      const leadIds: string[] = [];
      for (const shard of shards) {
        while (shard.buffered[0]?.band === top) leadIds.push((shard.buffered.shift() as { leadId: string }).leadId);
      }
      yield { band: top, leadIds };
    }
  }

  private async refill(shard: ShardReader, fromKey: string | undefined): Promise<void> {
    if (shard.buffered.length || shard.done) return;
    const page = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'bands',
        KeyConditionExpression: fromKey === undefined ? 'bp = :partition' : 'bp = :partition AND bs <= :from',
        ExpressionAttributeValues: { ':partition': shard.partition, ...(fromKey === undefined ? {} : { ':from': fromKey }) },
        ScanIndexForward: false,
        Limit: ENTRIES_PER_QUERY,
        ExclusiveStartKey: shard.startKey,
      }),
    );
    for (const item of page.Items ?? []) {
      shard.buffered.push({ band: bandFromKey(String(item.bs)), leadId: String(item.pk).slice('LEAD#'.length) });
    }
    shard.startKey = page.LastEvaluatedKey;
    shard.done = !page.LastEvaluatedKey;
  }

  /**
   * A page of the lead listing's scored leads whose score has no band yet (scored before the index
   * existed), with the listing cursor after the page.
   */
  async unbandedPage(limit: number, cursor: LeadCursor): Promise<{ leads: Lead[]; scanned: number; cursor?: LeadCursor }> {
    const page = await this.listing.listLeadIds(limit, cursor);
    const items = await batchGet(this.client, this.tableName, page.leadIds.flatMap((leadId) => [keys.lead(leadId), keys.score(leadId)]));
    const byKey = new Map(items.map((item) => [`${String(item.pk)}|${String(item.sk)}`, item]));
    const leads = page.leadIds.flatMap((leadId) => {
      const profile = byKey.get(`${keys.lead(leadId).pk}|${keys.lead(leadId).sk}`);
      const score = byKey.get(`${keys.score(leadId).pk}|${keys.score(leadId).sk}`);
      return profile && score?.score && score.bs === undefined ? [toLeadWithScore(profile, score)] : [];
    });
    return { leads, scanned: page.leadIds.length, ...(page.cursor ? { cursor: page.cursor } : {}) };
  }

  /** Files a lead under `band` while its score is still at `scoreVersion` and has no band; false when either changed (the scorer filed it). */
  async fileUnder(leadId: string, scoreVersion: number, band: number): Promise<boolean> {
    const outcome = await conditionally(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.score(leadId),
          UpdateExpression: 'SET bp = :bands, bs = :band',
          ConditionExpression: 'version = :version AND attribute_not_exists(bs)',
          ExpressionAttributeValues: { ':bands': keys.scoreBand(leadId, bandKey(band)).bp, ':band': keys.scoreBand(leadId, bandKey(band)).bs, ':version': scoreVersion },
        }),
      ),
      'filed',
      'changed',
    );
    return outcome === 'filed';
  }

  /**
   * Files a lead under `band`, lower than the `seenBand` its score is filed under, while its score is
   * still at `scoreVersion` and still filed there; false when either changed (the scorer wrote since,
   * and filed the lead under the band of its new score). The score's version is left as it is, so the
   * scorer's next write is not refused because of it. One write of the score item and, the band being
   * the index's sort key, a delete and a put of its index entry.
   */
  async lowerBand(leadId: string, scoreVersion: number, seenBand: number, band: number): Promise<boolean> {
    const outcome = await conditionally(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.score(leadId),
          UpdateExpression: 'SET bs = :band',
          ConditionExpression: 'version = :version AND bs = :seen',
          ExpressionAttributeValues: { ':band': keys.scoreBand(leadId, bandKey(band)).bs, ':seen': keys.scoreBand(leadId, bandKey(seenBand)).bs, ':version': scoreVersion },
        }),
      ),
      'lowered',
      'changed',
    );
    return outcome === 'lowered';
  }

  /** Whether a backfill has walked every lead since the index existed. */
  async filled(): Promise<boolean> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.scoreBandsFilled() }));
    return Item !== undefined;
  }

  async markFilled(at: string): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: { ...keys.scoreBandsFilled(), entity: 'score-bands', filledAt: at } }));
  }

  /** The band round as last saved, with its revision. */
  async round(): Promise<(BandRound & { rev: number }) | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.scoreBandRound(), ConsistentRead: true }));
    if (!Item) return undefined;
    return {
      startedAt: String(Item.startedAt),
      rev: Number(Item.rev),
      inPlace: Number(Item.inPlace),
      lowered: Number(Item.lowered),
      ...(Item.from === undefined ? {} : { from: Number(Item.from) }),
      ...(Item.finishedAt === undefined ? {} : { finishedAt: String(Item.finishedAt) }),
    };
  }

  /** Saves the round at revision `rev` + 1; false when another sweep saved it since `rev` (it goes on from its own place). */
  saveRound(round: BandRound, rev: number): Promise<boolean> {
    return conditionally(
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys.scoreBandRound(), entity: 'score-band-round', ...round, rev: rev + 1 },
          ConditionExpression: rev === 0 ? 'attribute_not_exists(pk)' : 'rev = :rev',
          ...(rev === 0 ? {} : { ExpressionAttributeValues: { ':rev': rev } }),
        }),
      ),
      true,
      false,
    );
  }

  /** The lead with its score, read strongly consistent, and the band its score is filed under (none when unfiled). */
  async bandedLead(leadId: string): Promise<{ lead: Lead; band?: number } | undefined> {
    const items = await batchGet(this.client, this.tableName, [keys.lead(leadId), keys.score(leadId)]);
    const profile = items.find((item) => item.sk === keys.lead(leadId).sk);
    const score = items.find((item) => item.sk === keys.score(leadId).sk);
    if (!profile) return undefined;
    return { lead: toLeadWithScore(profile, score), ...(typeof score?.bs === 'string' ? { band: bandFromKey(score.bs) } : {}) };
  }

  /**
   * Files a lead under `band` while its profile is still at `leadVersion` and its score at
   * `scoreVersion`: the band is the ceiling of that score over that profile. False when either changed
   * (read again and file anew). The score's version is left as it is.
   */
  async refile(leadId: string, leadVersion: number, scoreVersion: number, band: number): Promise<boolean> {
    const entry = keys.scoreBand(leadId, bandKey(band));
    try {
      await transactWrite(this.client, this.tableName, [
        { ConditionCheck: { Key: keys.lead(leadId), ConditionExpression: 'version = :version', ExpressionAttributeValues: { ':version': leadVersion } } },
        { Update: { Key: keys.score(leadId), UpdateExpression: 'SET bp = :bands, bs = :band', ConditionExpression: 'version = :version', ExpressionAttributeValues: { ':bands': entry.bp, ':band': entry.bs, ':version': scoreVersion } } },
      ]);
      return true;
    } catch (error) {
      if (failedConditions(error)?.some(Boolean) || isTransactionConflict(error)) return false;
      throw error;
    }
  }
}

import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { BacktestSummary } from '../domain/scoring/backtest';
import type { Ruleset } from '../domain/scoring/ruleset';
import type { Activation, DraftWrite, RescoreJob, StoredRuleset } from '../domain/scoring/stored-ruleset';
import { starterRuleset } from '../domain/scoring/starter-ruleset';
import { conditionally, failedConditions } from './dynamo-errors';
import { transactWrite } from './transactions';
import * as keys from './keys';
import type { Page, PageRequest } from '../domain/page';
import { listPage, queryAll } from './query-pages';

export type { Activation, DraftWrite, RescoreJob, RulesetStatus, StoredRuleset } from '../domain/scoring/stored-ruleset';

/** The ruleset a new installation scores with until another is activated. */
const builtIn: StoredRuleset = {
  version: starterRuleset.version,
  status: 'active',
  ruleset: starterRuleset,
  createdAt: '2026-11-22T00:00:00.000Z',
  updatedAt: '2026-11-22T00:00:00.000Z',
  builtIn: true,
};

async function readVersion(client: DynamoDBDocumentClient, tableName: string, version: string): Promise<Record<string, unknown> | undefined> {
  return (await client.send(new GetCommand({ TableName: tableName, Key: keys.ruleset(version), ConsistentRead: true }))).Item;
}

/**
 * The ruleset of a version, the built-in starter included, for those that only score with it (journeys'
 * goals and branches): none of the store's writes, pointer or listings come with it into their bundle.
 */
export class RulesetVersionReader {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(version: string): Promise<{ readonly ruleset: Ruleset } | undefined> {
    const item = await readVersion(this.client, this.tableName, version);
    if (item) return { ruleset: item.ruleset as Ruleset };
    return version === builtIn.version ? { ruleset: starterRuleset } : undefined;
  }
}

/** Rulesets as versioned data, the active pointer and rescoring jobs, in the single table. */
export class RulesetStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Creates a draft or replaces one; an active or retired version is never rewritten. */
  async saveDraft(ruleset: Ruleset, at: string): Promise<DraftWrite> {
    if (ruleset.version === builtIn.version) return 'not-a-draft';
    const existing = await this.get(ruleset.version);
    const createdAt = existing?.createdAt ?? at;
    return conditionally(
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...keys.ruleset(ruleset.version),
            ...keys.rulesetListing(createdAt, ruleset.version),
            entity: 'ruleset',
            version: ruleset.version,
            status: 'draft',
            ruleset,
            createdAt,
            updatedAt: at,
          },
          ConditionExpression: 'attribute_not_exists(pk) OR #status = :draft',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':draft': 'draft' },
        }),
      ),
      'saved',
      'not-a-draft',
    );
  }

  async get(version: string): Promise<StoredRuleset | undefined> {
    const Item = await readVersion(this.client, this.tableName, version);
    if (Item) return toStoredRuleset(Item);
    if (version !== builtIn.version) return undefined;
    return (await this.activeVersion()) === builtIn.version ? builtIn : { ...builtIn, status: 'retired' };
  }

  /** Every version, oldest first, the built-in starter included. */
  async list(): Promise<StoredRuleset[]> {
    const [starter, stored] = await Promise.all([this.get(builtIn.version), queryAll(this.client, this.listing, toStoredRuleset)]);
    return starter ? [starter, ...stored] : stored;
  }

  /** The keys under which the rulesets' rescoring jobs count the lead done (rescore-leads): erasure deletes them. */
  async rescoreMarkersOf(leadId: string): Promise<{ pk: string; sk: string }[]> {
    return (await this.list()).flatMap((ruleset) => (ruleset.rescoreJobId ? [keys.leadRescored(ruleset.rescoreJobId, leadId)] : []));
  }

  /**
   * One page of the versions, oldest first. The built-in starter (not in the listing) leads the first
   * page, which then holds one saved version fewer (at least one).
   */
  async listPage(request: PageRequest): Promise<Page<StoredRuleset>> {
    if (request.cursor) return listPage(this.client, this.listing, request, toStoredRuleset);
    const [starter, page] = await Promise.all([this.get(builtIn.version), listPage(this.client, this.listing, { limit: Math.max(1, request.limit - 1) }, toStoredRuleset)]);
    return { ...page, items: starter ? [starter, ...page.items] : page.items };
  }

  private get listing() {
    return { tableName: this.tableName, index: 'gsi1', key: keys.rulesetListing('', '').gsi1pk } as const;
  }

  /** The active version; `recent` reads the pointer eventually consistently (half the read units), so it may lag an activation by a moment. */
  async activeVersion(freshness: 'latest' | 'recent' = 'latest'): Promise<string> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.activeRuleset(), ConsistentRead: freshness === 'latest' }));
    return (Item?.version as string | undefined) ?? builtIn.version;
  }

  /** The ruleset live scoring uses: one read of the pointer; activated versions never change, so they are kept. */
  async active(freshness: 'latest' | 'recent' = 'latest'): Promise<Ruleset> {
    const version = await this.activeVersion(freshness);
    const known = this.activated.get(version);
    if (known) return known;
    const stored = await this.get(version);
    if (!stored) throw new Error(`Active ruleset ${version} is missing`);
    this.activated.set(version, stored.ruleset);
    return stored.ruleset;
  }

  private readonly activated = new Map<string, Ruleset>();

  /** Keeps a draft's latest back-test; one of an active or retired version is reported but not kept. */
  async recordBacktest(version: string, summary: BacktestSummary): Promise<'recorded' | 'not-a-draft'> {
    return conditionally(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.ruleset(version),
          UpdateExpression: 'SET backtest = :summary',
          ConditionExpression: '#status = :draft',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':summary': summary, ':draft': 'draft' },
        }),
      ),
      'recorded',
      'not-a-draft',
    );
  }

  /**
   * Makes a back-tested draft the active ruleset and opens its rescoring job, in one transaction
   * that also retires the previous version and fails if anyone activated another meanwhile.
   */
  async activate(version: string, jobId: string, at: string): Promise<Activation> {
    const draft = await this.get(version);
    if (!draft) return { outcome: 'not-found' };
    if (draft.status !== 'draft') return { outcome: 'not-a-draft' };
    if (!draft.backtest) return { outcome: 'not-backtested' };
    const previousVersion = await this.activeVersion();
    const job: RescoreJob = { jobId, rulesetVersion: version, previousVersion, startedAt: at, updatedAt: at, total: 0, done: 0, planned: false };
    const previousIsStored = previousVersion !== builtIn.version;
    try {
      await transactWrite(this.client, this.tableName, [
        {
          Update: {
            Key: keys.ruleset(version),
            UpdateExpression: 'SET #status = :active, activatedAt = :at, rescoreJobId = :jobId, updatedAt = :at',
            ConditionExpression: '#status = :draft AND updatedAt = :updatedAt',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':active': 'active', ':draft': 'draft', ':at': at, ':jobId': jobId, ':updatedAt': draft.updatedAt },
          },
        },
        {
          Put: {
            Item: { ...keys.activeRuleset(), version, activatedAt: at, rescoreJobId: jobId },
            ConditionExpression: previousIsStored ? 'version = :previous' : 'attribute_not_exists(pk)',
            ...(previousIsStored ? { ExpressionAttributeValues: { ':previous': previousVersion } } : {}),
          },
        },
        { Put: { TableName: this.tableName, Item: { ...keys.rescoreJob(jobId), entity: 'rescore-job', ...job }, ConditionExpression: 'attribute_not_exists(pk)' } },
        ...(previousIsStored
          ? [
              {
                Update: {
                  Key: keys.ruleset(previousVersion),
                  UpdateExpression: 'SET #status = :retired, retiredAt = :at',
                  ExpressionAttributeNames: { '#status': 'status' },
                  ExpressionAttributeValues: { ':retired': 'retired', ':at': at },
                },
              },
            ]
          : []),
      ]);
      return { outcome: 'activated', job };
    } catch (error) {
      if (failedConditions(error)?.some(Boolean)) return { outcome: 'changed-meanwhile' };
      throw error;
    }
  }

  async getJob(jobId: string): Promise<RescoreJob | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.rescoreJob(jobId), ConsistentRead: true }));
    if (!Item) return undefined;
    const { pk: _pk, sk: _sk, entity: _entity, plannedPages: _pages, ...job } = Item;
    return job as RescoreJob;
  }

  /**
   * Counts one planned page of leads into the job, once: a retried page finds its id already in the
   * job and adds nothing. `last` marks the end of planning.
   */
  async recordPlannedPage(jobId: string, pageId: string, leads: number, last: boolean, at: string): Promise<'recorded' | 'already-recorded'> {
    return conditionally(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.rescoreJob(jobId),
          UpdateExpression: `ADD #total :leads, plannedPages :page SET updatedAt = :at${last ? ', planned = :true' : ''}`,
          ExpressionAttributeNames: { '#total': 'total' },
          ConditionExpression: 'attribute_exists(pk) AND NOT contains(plannedPages, :pageId)',
          ExpressionAttributeValues: { ':leads': leads, ':page': new Set([pageId]), ':pageId': pageId, ':at': at, ...(last ? { ':true': true } : {}) },
        }),
      ),
      'recorded',
      'already-recorded',
    );
  }
}

function toStoredRuleset(item: Record<string, unknown>): StoredRuleset {
  const { pk: _pk, sk: _sk, gsi1pk: _gsi1pk, gsi1sk: _gsi1sk, entity: _entity, ...stored } = item;
  return stored as unknown as StoredRuleset;
}

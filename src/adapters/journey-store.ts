import { createHash } from 'node:crypto';
import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { JourneyDefinition, Journey, JourneyStatus } from '../domain/journeys/definition';
import type { EnrolmentState } from '../domain/journeys/interpreter';
import type { DateRound, EmailStepEnd, EmailStepTake, LiveJourney, MoveAll, ReportCount, SalesTask, StepClaim, StepKey, StepRecord, StoredEnrolment } from '../domain/journeys/records';
import type { LeadCursor } from '../domain/lead-listing';
import type { Page, PageRequest } from '../domain/page';
import { ClaimRecords } from './claims';
import { conditionally, failedConditions, isConditionFailure } from './dynamo-errors';
import * as keys from './keys';
import { listPage, queryPages } from './query-pages';

/** Shards of the due-time index and of each journey's counters. */
export const DUE_SHARDS = 16;
const COUNTER_SHARDS = 8;
/** Step claims outlive any run (waits are at most a year), then TTL removes them. */
const CLAIM_KEPT_SECONDS = 400 * 86_400;
/** How long a published journey list and a journey's status may be served from memory. */
const LIVE_CACHE_MS = 5_000;

type Item = Record<string, unknown>;

const shardOf = (text: string, shards: number) => createHash('sha256').update(text).digest().readUInt16BE(0) % shards;
/** The shard of the due-time index a lead's entries (waits, segment check, date entries) go to. */
export const dueShardOf = (leadId: string) => shardOf(leadId, DUE_SHARDS);

/** The counters one report change moves, by attribute name. */
export function counterNames(count: ReportCount): { name: string; delta: number }[] {
  switch (count.metric) {
    case 'entered':
    case 'completed':
    case 'goal': return [{ name: count.metric, delta: 1 }];
    case 'waiting': return [{ name: 'waiting', delta: count.delta }];
    case 'exited': return [{ name: 'exited', delta: 1 }, { name: `exited:${count.reason}`, delta: 1 }];
    case 'step': return [{ name: `step:${count.stepId}:entered`, delta: 1 }];
    case 'arm': return [{ name: `arm:${count.stepId}:${count.arm}`, delta: 1 }];
    case 'email': return [{ name: `email:${count.stepId}:${count.outcome}`, delta: 1 }, ...(count.reason ? [{ name: `skip:${count.stepId}:${count.reason}`, delta: 1 }] : [])];
  }
}

/** An ADD of every counter the changes move, on one of the journey's counter shards; undefined when none. */
function countersUpdate(tableName: string, journeyId: string, counts: readonly ReportCount[], shardKey: string) {
  const totals = new Map<string, number>();
  for (const count of counts) for (const { name, delta } of counterNames(count)) totals.set(name, (totals.get(name) ?? 0) + delta);
  if (!totals.size) return undefined;
  const entries = [...totals];
  return {
    Update: {
      TableName: tableName,
      Key: keys.journeyCounters(journeyId, shardOf(shardKey, COUNTER_SHARDS)),
      UpdateExpression: `ADD ${entries.map((_entry, index) => `#c${index} :c${index}`).join(', ')}`,
      ExpressionAttributeNames: Object.fromEntries(entries.map(([name], index) => [`#c${index}`, name])),
      ExpressionAttributeValues: Object.fromEntries(entries.map(([, delta], index) => [`:c${index}`, delta])),
    },
  };
}

function toJourney(item: Item): Journey {
  const { pk: _pk, sk: _sk, gsi1pk: _gsi1pk, gsi1sk: _gsi1sk, entity: _entity, ...journey } = item;
  return journey as unknown as Journey;
}

/**
 * The journeys as the runner and the sender read them: a version's definition (cached: versions never
 * change), the published and paused journeys, a journey's status. None of the console's writes.
 */
export class PublishedJourneys {
  private readonly versions = new Map<string, Promise<JourneyDefinition | undefined>>();
  private liveCache?: { readonly at: number; readonly journeys: Promise<LiveJourney[]> };

  constructor(
    protected readonly client: DynamoDBDocumentClient,
    protected readonly tableName: string,
  ) {}

  definition(journeyId: string, version: number): Promise<JourneyDefinition | undefined> {
    const key = `${journeyId}#${version}`;
    let cached = this.versions.get(key);
    if (!cached) {
      cached = this.readDefinition(journeyId, version);
      // A version never changes once written; a missing one is looked up again next time.
      cached.then((found) => found ?? this.versions.delete(key), () => this.versions.delete(key));
      this.versions.set(key, cached);
    }
    return cached;
  }

  private async readDefinition(journeyId: string, version: number): Promise<JourneyDefinition | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.journeyVersion(journeyId, version) }));
    return Item?.definition as JourneyDefinition | undefined;
  }

  /** Published and paused journeys at their published version, from memory for a few seconds unless `fresh`. */
  live(options: { readonly fresh?: boolean } = {}): Promise<LiveJourney[]> {
    if (!options.fresh && this.liveCache && Date.now() - this.liveCache.at < LIVE_CACHE_MS) return this.liveCache.journeys;
    const journeys = this.readLive();
    this.liveCache = { at: Date.now(), journeys };
    journeys.catch(() => {
      this.liveCache = undefined;
    });
    return journeys;
  }

  private async readLive(): Promise<LiveJourney[]> {
    const heads: Journey[] = [];
    const input = { TableName: this.tableName, IndexName: 'gsi1', KeyConditionExpression: 'gsi1pk = :pk', ExpressionAttributeValues: { ':pk': keys.journeyListing('', '').gsi1pk } };
    for await (const page of queryPages(this.client, input)) heads.push(...page.map(toJourney));
    const live: LiveJourney[] = [];
    for (const head of heads) {
      if ((head.status !== 'published' && head.status !== 'paused') || head.publishedVersion === undefined) continue;
      const definition = await this.definition(head.id, head.publishedVersion);
      if (definition) live.push({ journeyId: head.id, version: head.publishedVersion, status: head.status, definition });
    }
    return live;
  }

  async status(journeyId: string): Promise<JourneyStatus | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.journey(journeyId), ProjectionExpression: '#status', ExpressionAttributeNames: { '#status': 'status' } }));
    return Item?.status as JourneyStatus | undefined;
  }
}

/** Journeys: the head (status, draft, published version), the versions (never changed) and the report counters. */
export class JourneyStore extends PublishedJourneys {
  async create(journey: Journey): Promise<void> {
    await this.client.send(
      new PutCommand({ TableName: this.tableName, Item: { ...keys.journey(journey.id), ...keys.journeyListing(journey.createdAt, journey.id), entity: 'journey', ...journey }, ConditionExpression: 'attribute_not_exists(pk)' }),
    );
  }

  async get(journeyId: string): Promise<Journey | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.journey(journeyId), ConsistentRead: true }));
    return Item ? toJourney(Item) : undefined;
  }

  list(request: PageRequest): Promise<Page<Journey>> {
    return listPage(this.client, { tableName: this.tableName, index: 'gsi1', key: keys.journeyListing('', '').gsi1pk, newestFirst: true }, request, toJourney);
  }

  /** Replaces the draft of a journey that is not archived, if nobody saved since `updatedAt`. */
  async saveDraft(journeyId: string, draft: JourneyDefinition, updatedAt: string, at: string): Promise<boolean> {
    return conditionally(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.journey(journeyId),
          UpdateExpression: 'SET draft = :draft, #name = :name, updatedAt = :at',
          ConditionExpression: 'updatedAt = :updatedAt AND #status <> :archived',
          ExpressionAttributeNames: { '#name': 'name', '#status': 'status' },
          ExpressionAttributeValues: { ':draft': draft, ':name': draft.name, ':at': at, ':updatedAt': updatedAt, ':archived': 'archived' },
        }),
      ),
      true,
      false,
    );
  }

  /** Writes `definition` as version `version` and makes it the published one, if the head still has `previous`. */
  async publish(journeyId: string, version: number, previous: number | undefined, definition: JourneyDefinition, at: string): Promise<boolean> {
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: this.tableName, Item: { ...keys.journeyVersion(journeyId, version), entity: 'journey-version', version, definition, publishedAt: at }, ConditionExpression: 'attribute_not_exists(pk)' } },
            {
              Update: {
                TableName: this.tableName,
                Key: keys.journey(journeyId),
                UpdateExpression: 'SET publishedVersion = :version, #status = :published, updatedAt = :at',
                ConditionExpression: previous === undefined ? 'attribute_not_exists(publishedVersion) AND #status = :draft' : 'publishedVersion = :previous AND #status IN (:published, :paused)',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: { ':version': version, ':published': 'published', ':at': at, ...(previous === undefined ? { ':draft': 'draft' } : { ':previous': previous, ':paused': 'paused' }) },
              },
            },
          ],
        }),
      );
      return true;
    } catch (error) {
      if (failedConditions(error)?.some(Boolean)) return false;
      throw error;
    }
  }

  async setStatus(journeyId: string, from: readonly JourneyStatus[], to: JourneyStatus, at: string): Promise<boolean> {
    const names = from.map((_status, index) => `:from${index}`);
    return conditionally(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.journey(journeyId),
          UpdateExpression: 'SET #status = :to, updatedAt = :at',
          ConditionExpression: `#status IN (${names.join(', ')})`,
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':to': to, ':at': at, ...Object.fromEntries(from.map((status, index) => [`:from${index}`, status])) },
        }),
      ),
      true,
      false,
    );
  }

  /** Every counter of the journey, summed over its shards. */
  async counters(journeyId: string): Promise<Record<string, number>> {
    const totals: Record<string, number> = {};
    const input = {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.journey(journeyId).pk, ':prefix': keys.journeyCountersPrefix },
    };
    for await (const page of queryPages(this.client, input)) {
      for (const item of page) {
        for (const [name, value] of Object.entries(item)) if (typeof value === 'number' && name !== 'pk' && name !== 'sk') totals[name] = (totals[name] ?? 0) + value;
      }
    }
    return totals;
  }
}

/** An entry of the due-time index: a waiting enrolment, a lead's segment check or a date entry. */
export type DueIndexEntry =
  | { readonly kind?: 'wait'; readonly leadId: string; readonly journeyId: string; readonly run: number; readonly seq: number; readonly wakeAt: string; readonly dueKey: string }
  | { readonly kind: 'segment-check'; readonly leadId: string; readonly dueAt: string; readonly dueKey: string }
  | { readonly kind: 'date-entry'; readonly leadId: string; readonly journeyId: string; readonly dateEntryAt: string; readonly dueKey: string };

function toDueEntry(item: Item): DueIndexEntry {
  const dueKey = item.gsi1sk as string;
  const leadId = item.leadId as string;
  if (item.entity === 'segment-check') return { kind: 'segment-check', leadId, dueAt: item.checkAt as string, dueKey };
  if (item.entity === 'journey-date-entry') return { kind: 'date-entry', leadId, journeyId: item.journeyId as string, dateEntryAt: item.dateEntryAt as string, dueKey };
  return { leadId, journeyId: item.journeyId as string, run: item.run as number, seq: item.seq as number, wakeAt: item.wakeAt as string, dueKey };
}

/** The item an index entry lives on. */
function itemKeyOf(due: DueIndexEntry) {
  if (due.kind === 'segment-check') return keys.segmentCheck(due.leadId);
  if (due.kind === 'date-entry') return keys.dateEntry(due.leadId, due.journeyId);
  return keys.enrolment(due.leadId, due.journeyId);
}

/** An entry's sort key moved to `until`: the same entry, due later. */
const dueKeyAt = (dueKey: string, until: string) => `${until}${dueKey.slice(dueKey.indexOf('#'))}`;

function toEnrolment(item: Item): StoredEnrolment {
  const { pk: _pk, sk: _sk, gsi1pk: _gsi1pk, gsi1sk: _gsi1sk, entity: _entity, ...enrolment } = item;
  return enrolment as unknown as StoredEnrolment;
}

/**
 * Enrolments under their lead (`LEAD#<id>` / `JOURNEY#<journeyId>`), each save conditional on its
 * revision and written with the journey's counters in one transaction; step claims beside them; and
 * the due-time index (gsi1 `JDUE#<shard>`, sorted by wake time) holding waiting enrolments only.
 */
export class EnrolmentStore {
  readonly shards = DUE_SHARDS;
  private readonly claims: ClaimRecords<{ pk: string; sk: string }>;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {
    // A claim a runner left mid-step is taken over with `retakeStep`, once the runner judges it stale,
    // and its effect done again. Claims expire (long after their run), so giving one back expires it
    // and the function needs no delete grant.
    this.claims = new ClaimRecords(client, tableName, { heldStatus: 'claimed', claimedAtAttribute: 'claimedAt', expires: true });
  }

  async get(leadId: string, journeyId: string): Promise<StoredEnrolment | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.enrolment(leadId, journeyId), ConsistentRead: true }));
    return Item ? toEnrolment(Item) : undefined;
  }

  async ofLead(leadId: string): Promise<StoredEnrolment[]> {
    const { Items = [] } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': keys.enrolment(leadId, '').pk, ':prefix': keys.enrolmentPrefix },
        ConsistentRead: true,
      }),
    );
    return Items.map(toEnrolment);
  }

  /** The item of an enrolment state at revision `rev`: in the due-time index while it waits for a timer, or is active (its runner's check). */
  private item(enrolment: EnrolmentState, rev: number): Item {
    const due = (enrolment.status === 'waiting' || enrolment.status === 'active') && enrolment.wakeAt ? keys.enrolmentDue(shardOf(enrolment.leadId, DUE_SHARDS), enrolment.wakeAt, enrolment.leadId, enrolment.journeyId) : {};
    return { ...keys.enrolment(enrolment.leadId, enrolment.journeyId), ...due, entity: 'enrolment', ...enrolment, rev };
  }

  private async write(enrolment: EnrolmentState, rev: number, condition: { expression: string; values?: Item }, counts: readonly ReportCount[]): Promise<boolean> {
    const put = { Put: { TableName: this.tableName, Item: this.item(enrolment, rev), ConditionExpression: condition.expression, ...(condition.values ? { ExpressionAttributeValues: condition.values } : {}) } };
    const counters = countersUpdate(this.tableName, enrolment.journeyId, counts, `${enrolment.leadId}#${rev}`);
    try {
      if (counters) await this.client.send(new TransactWriteCommand({ TransactItems: [put, counters] }));
      else await this.client.send(new PutCommand(put.Put));
      return true;
    } catch (error) {
      if (failedConditions(error)?.[0] || (error instanceof Error && error.name === 'ConditionalCheckFailedException')) return false;
      throw error;
    }
  }

  enter(enrolment: EnrolmentState, counts: readonly ReportCount[], replacing?: number): Promise<boolean> {
    const rev = (replacing ?? 0) + 1;
    return this.write(enrolment, rev, replacing === undefined ? { expression: 'attribute_not_exists(pk)' } : { expression: 'rev = :rev', values: { ':rev': replacing } }, counts);
  }

  save(enrolment: EnrolmentState, rev: number, counts: readonly ReportCount[]): Promise<boolean> {
    return this.write(enrolment, rev + 1, { expression: 'rev = :rev', values: { ':rev': rev } }, counts);
  }

  async claimStep(key: StepKey, stepId: string, at: string): Promise<StepClaim> {
    const itemKey = keys.journeyStep(key.leadId, key.journeyId, key.run, key.seq);
    const expiresAt = Math.floor(Date.parse(at) / 1000) + CLAIM_KEPT_SECONDS;
    if ((await this.claims.claim({ ...itemKey, entity: 'journey-step', stepId, expiresAt }, at)) === 'claimed') return { outcome: 'claimed' };
    return { outcome: 'exists', record: (await this.stepRecord(key)) ?? ({} as StepRecord) };
  }

  async stepRecord(key: StepKey): Promise<StepRecord | undefined> {
    const record = await this.claims.read(keys.journeyStep(key.leadId, key.journeyId, key.run, key.seq));
    if (!record) return undefined;
    return { status: record.status, stepId: record.stepId, claimedAt: record.claimedAt, ...(record.sendingAt ? { sendingAt: record.sendingAt } : {}), ...(record.reason ? { reason: record.reason } : {}) } as StepRecord;
  }

  async retakeStep(key: StepKey, claimedAt: string, at: string): Promise<boolean> {
    const update = new UpdateCommand({
      TableName: this.tableName,
      Key: keys.journeyStep(key.leadId, key.journeyId, key.run, key.seq),
      UpdateExpression: 'SET claimedAt = :at',
      ConditionExpression: '#status = :claimed AND claimedAt = :seen',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':at': at, ':claimed': 'claimed', ':seen': claimedAt },
    });
    return conditionally(this.client.send(update), true, false);
  }

  finishStep(key: StepKey, outcome: { readonly status: 'done' | 'skipped'; readonly reason?: string }): Promise<void> {
    return this.claims.markDone(keys.journeyStep(key.leadId, key.journeyId, key.run, key.seq), 'while-held', outcome);
  }

  async releaseStep(key: StepKey): Promise<void> {
    await this.claims.release(keys.journeyStep(key.leadId, key.journeyId, key.run, key.seq), 'while-held');
  }

  async handStep(key: StepKey): Promise<void> {
    // send-journey-email may have taken the step already (the event is out before this write).
    await conditionally(this.claims.markDone(keys.journeyStep(key.leadId, key.journeyId, key.run, key.seq), 'while-held', { status: 'handed' }), 'handed', 'taken-already');
  }

  /**
   * Counts an open or click of a step's email on the journey's counters, once per step run and metric:
   * the step's claim record keeps the metrics counted, in the same transaction as the counter.
   */
  async recordTracking(key: StepKey, stepId: string, metric: 'opened' | 'clicked'): Promise<'counted' | 'already-counted'> {
    const counters = countersUpdate(this.tableName, key.journeyId, [{ metric: 'email', stepId, outcome: metric }], `${key.leadId}#${key.run}#${key.seq}`);
    if (!counters) return 'already-counted';
    const mark = {
      Update: {
        TableName: this.tableName,
        Key: keys.journeyStep(key.leadId, key.journeyId, key.run, key.seq),
        UpdateExpression: 'ADD tracked :metric',
        ConditionExpression: 'attribute_exists(pk) AND stepId = :stepId AND NOT contains(tracked, :name)',
        ExpressionAttributeValues: { ':metric': new Set([metric]), ':name': metric, ':stepId': stepId },
      },
    };
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: [mark, counters] }));
      return 'counted';
    } catch (error) {
      if (failedConditions(error)?.[0]) return 'already-counted';
      throw error;
    }
  }

  /** Entries of one shard due at `now` (waits' timers, segment checks, date entries), oldest first. */
  async due(shard: number, now: string, limit: number): Promise<DueIndexEntry[]> {
    const { Items = [] } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk <= :now',
        ExpressionAttributeValues: { ':pk': keys.dueShard(shard), ':now': `${now}#~` },
        Limit: limit,
      }),
    );
    return Items.map(toDueEntry);
  }

  /** The shard's earliest entry, due or not: the dispatch learns from it whether anything is due, or when. */
  async first(shard: number): Promise<DueIndexEntry | undefined> {
    const { Items = [] } = await this.client.send(
      new QueryCommand({ TableName: this.tableName, IndexName: 'gsi1', KeyConditionExpression: 'gsi1pk = :pk', ExpressionAttributeValues: { ':pk': keys.dueShard(shard) }, Limit: 1 }),
    );
    const [item] = Items;
    return item ? toDueEntry(item) : undefined;
  }

  /**
   * Moves a due entry later, to `until`, before its event goes out, so the next sweeps do not send it
   * again while its consumer works; the runner's save (or track-segments' next check) takes it out of
   * the index or moves it. False when the entry moved meanwhile (someone else leased or advanced it).
   */
  async lease(due: DueIndexEntry, until: string): Promise<boolean> {
    return conditionally(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: itemKeyOf(due),
          UpdateExpression: 'SET gsi1sk = :later',
          ConditionExpression: 'gsi1sk = :due',
          ExpressionAttributeValues: { ':later': dueKeyAt(due.dueKey, until), ':due': due.dueKey },
        }),
      ),
      true,
      false,
    );
  }

  /** Takes a leased date entry out of the index once its enrolment is requested; one written again meanwhile stays. */
  async done(due: Extract<DueIndexEntry, { kind: 'date-entry' }>, until: string): Promise<void> {
    await conditionally(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: itemKeyOf(due),
          UpdateExpression: 'SET requestedAt = :now REMOVE gsi1pk, gsi1sk',
          ConditionExpression: 'gsi1sk = :leased',
          ExpressionAttributeValues: { ':leased': dueKeyAt(due.dueKey, until), ':now': new Date().toISOString() },
        }),
      ),
      true,
      false,
    );
  }
}

/**
 * The step claims of email and notify steps, as send-journey-email takes them over from the runner:
 * `sending` (since `sendingAt`) by a conditional update, then ended with the step's email counters
 * in one transaction, or handed back after a failed send.
 */
export class EmailStepRunStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async take(key: StepKey, stepId: string, at: string): Promise<EmailStepTake> {
    const itemKey = keys.journeyStep(key.leadId, key.journeyId, key.run, key.seq);
    const taken = await conditionally(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: itemKey,
          UpdateExpression: 'SET #status = :sending, sendingAt = :at',
          // A claim given back after a failed effect is expired (expiresAt 0): its runner hands the step again.
          ConditionExpression: 'stepId = :stepId AND (#status = :claimed OR #status = :handed) AND expiresAt > :now',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':sending': 'sending', ':at': at, ':stepId': stepId, ':claimed': 'claimed', ':handed': 'handed', ':now': Math.floor(Date.parse(at) / 1000) },
        }),
      ),
      true,
      false,
    );
    if (taken) return { outcome: 'taken' };
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: itemKey, ConsistentRead: true }));
    if (!Item || Item.stepId !== stepId || Item.status === 'claimed' || Item.status === 'handed') return { outcome: 'not-handed' };
    const record = { status: Item.status, stepId, claimedAt: Item.claimedAt, ...(Item.sendingAt ? { sendingAt: Item.sendingAt } : {}), ...(Item.reason ? { reason: Item.reason } : {}) };
    return { outcome: 'exists', record: record as StepRecord };
  }

  async finish(key: StepKey, end: EmailStepEnd, counts: readonly ReportCount[]): Promise<boolean> {
    const update = {
      TableName: this.tableName,
      Key: keys.journeyStep(key.leadId, key.journeyId, key.run, key.seq),
      UpdateExpression: `SET #status = :end${end.reason ? ', reason = :reason' : ''}`,
      ConditionExpression: '#status = :sending',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':end': end.status, ':sending': 'sending', ...(end.reason ? { ':reason': end.reason } : {}) },
    };
    const counters = countersUpdate(this.tableName, key.journeyId, counts, `${key.leadId}#${key.run}#${key.seq}`);
    try {
      if (counters) await this.client.send(new TransactWriteCommand({ TransactItems: [{ Update: update }, counters] }));
      else await this.client.send(new UpdateCommand(update));
      return true;
    } catch (error) {
      if (failedConditions(error)?.[0] || isConditionFailure(error)) return false;
      throw error;
    }
  }

  async release(key: StepKey): Promise<void> {
    await conditionally(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.journeyStep(key.leadId, key.journeyId, key.run, key.seq),
          UpdateExpression: 'SET #status = :handed REMOVE sendingAt',
          ConditionExpression: '#status = :sending',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':handed': 'handed', ':sending': 'sending' },
        }),
      ),
      'released',
      'not-held',
    );
  }
}

/** The lease of each due shard's sweep (`JDUE#<shard>` / `SWEEP`): its holder and until when it holds. */
export class ShardSweepStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  take(shard: number, holder: string, until: string, now: string): Promise<boolean> {
    return conditionally(
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys.dueShardSweep(shard), entity: 'due-shard-sweep', holder, until },
          ConditionExpression: 'attribute_not_exists(pk) OR #until < :now',
          ExpressionAttributeNames: { '#until': 'until' },
          ExpressionAttributeValues: { ':now': now },
        }),
      ),
      true,
      false,
    );
  }

  extend(shard: number, holder: string, until: string): Promise<boolean> {
    return conditionally(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.dueShardSweep(shard),
          UpdateExpression: 'SET #until = :until',
          ConditionExpression: 'holder = :holder',
          ExpressionAttributeNames: { '#until': 'until' },
          ExpressionAttributeValues: { ':until': until, ':holder': holder },
        }),
      ),
      true,
      false,
    );
  }

  /** Ends the lease (no delete grant needed: it holds nobody and ended at the epoch); a lease another holds is left alone. */
  async release(shard: number, holder: string): Promise<void> {
    await conditionally(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.dueShardSweep(shard),
          UpdateExpression: 'SET #until = :epoch REMOVE holder',
          ConditionExpression: 'holder = :holder',
          ExpressionAttributeNames: { '#until': 'until' },
          ExpressionAttributeValues: { ':epoch': new Date(0).toISOString(), ':holder': holder },
        }),
      ),
      true,
      false,
    );
  }
}

/** Where the round of journey date entries stands (`JDUE#DATES` / `ROUND`), saved at its revision. */
export class DateRoundStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async read(): Promise<DateRound | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.journeyDateRound, ConsistentRead: true }));
    return Item
      ? { startedAt: Item.startedAt as string, rev: Item.rev as number, ...(Item.cursor ? { cursor: Item.cursor as LeadCursor } : {}), ...(Item.journeys ? { journeys: Item.journeys as string[] } : {}) }
      : undefined;
  }

  save(round: Omit<DateRound, 'rev'>, rev: number): Promise<boolean> {
    return conditionally(
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys.journeyDateRound, entity: 'journey-date-round', startedAt: round.startedAt, rev: rev + 1, ...(round.cursor ? { cursor: round.cursor } : {}), ...(round.journeys ? { journeys: round.journeys } : {}) },
          ConditionExpression: rev === 0 ? 'attribute_not_exists(pk)' : 'rev = :rev',
          ...(rev === 0 ? {} : { ExpressionAttributeValues: { ':rev': rev } }),
        }),
      ),
      true,
      false,
    );
  }
}

/** The move of every enrolled lead of a journey (`JOURNEY#<id>` / `MOVEALL`): its phase, cursor and counts, saved at its revision. */
export class MoveAllStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async read(journeyId: string): Promise<(MoveAll & { rev: number }) | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.journeyMoveAll(journeyId), ConsistentRead: true }));
    if (!Item) return undefined;
    const { pk: _pk, sk: _sk, entity: _entity, ...move } = Item;
    return move as MoveAll & { rev: number };
  }

  save(move: MoveAll, rev: number): Promise<boolean> {
    return conditionally(
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys.journeyMoveAll(move.journeyId), entity: 'journey-move-all', ...move, rev: rev + 1 },
          ConditionExpression: rev === 0 ? 'attribute_not_exists(pk)' : 'rev = :rev',
          ...(rev === 0 ? {} : { ExpressionAttributeValues: { ':rev': rev } }),
        }),
      ),
      true,
      false,
    );
  }
}

/** How long a date entry's item outlives its instant (it is out of the index once requested); then TTL removes it. */
const DATE_ENTRY_KEPT_SECONDS = 30 * 86_400;

/**
 * Leads' upcoming entries into date-entry journeys (`LEAD#<id>` / `JDATE#<journeyId>`), each in the
 * due-time index at its instant until the sweep requests its enrolment. Under the lead, so erasure
 * finds them.
 */
export class DateEntryStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async of(leadId: string): Promise<ReadonlyMap<string, { readonly dateEntryAt: string; readonly indexed: boolean }>> {
    const entries = new Map<string, { dateEntryAt: string; indexed: boolean }>();
    const input = {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.lead(leadId).pk, ':prefix': keys.dateEntryPrefix },
    };
    for await (const page of queryPages(this.client, input)) {
      for (const item of page) entries.set(item.journeyId as string, { dateEntryAt: item.dateEntryAt as string, indexed: typeof item.gsi1pk === 'string' });
    }
    return entries;
  }

  /** Puts the entry in the index at `dateEntryAt` unless it is there (or was requested) at that instant already; false then. */
  put(leadId: string, journeyId: string, dateEntryAt: string): Promise<boolean> {
    return conditionally(
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...keys.dateEntry(leadId, journeyId),
            ...keys.dateEntryDue(dueShardOf(leadId), dateEntryAt, leadId, journeyId),
            entity: 'journey-date-entry',
            leadId,
            journeyId,
            dateEntryAt,
            expiresAt: Math.floor(Date.parse(dateEntryAt) / 1000) + DATE_ENTRY_KEPT_SECONDS,
          },
          ConditionExpression: 'attribute_not_exists(pk) OR dateEntryAt <> :at',
          ExpressionAttributeValues: { ':at': dateEntryAt },
        }),
      ),
      true,
      false,
    );
  }

  /** Takes the entry out of the index: the lead's date no longer falls due soon. */
  async remove(leadId: string, journeyId: string): Promise<void> {
    await conditionally(
      this.client.send(new UpdateCommand({ TableName: this.tableName, Key: keys.dateEntry(leadId, journeyId), UpdateExpression: 'REMOVE gsi1pk, gsi1sk', ConditionExpression: 'attribute_exists(pk)' })),
      true,
      false,
    );
  }
}

/** Follow-up tasks for sales, under their lead (export and erasure find them), filed once per origin. */
export class SalesTaskStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async put(task: SalesTask, originKey: string): Promise<void> {
    await conditionally(
      this.client.send(new PutCommand({ TableName: this.tableName, Item: { ...keys.salesTask(task.leadId, originKey), entity: 'sales-task', ...task }, ConditionExpression: 'attribute_not_exists(pk)' })),
      'filed',
      'already-filed',
    );
  }
}

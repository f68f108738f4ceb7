import { ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { storedScore } from '../../src/adapters/score-items';
import { REPAIR_LAG_MS } from '../../src/app/leads-by-score';
import { bandFromKey, bandKey, bandOf } from '../../src/domain/score-order';
import { apply, scoreCeiling, type ScoreState } from '../../src/domain/scoring/engine';
import { starterRuleset } from '../../src/domain/scoring/starter-ruleset';
import { busEnvelope, context, setHandlerEnvironment, sqsEvent } from './fixtures';
import { TableFake } from './table-fake';

setHandlerEnvironment();
const dynamo = mockClient(DynamoDBDocumentClient);
let handler: (typeof import('../../functions/refile-score-bands/handler'))['handler'];

beforeAll(async () => {
  ({ handler } = await import('../../functions/refile-score-bands/handler'));
});

const LEAD_IDS = ['3f1c2b9e-6a4d-4e8f-9b2a-7c5d1e0f4a21', 'a8e4c7d2-1b3f-4a6e-8d9c-2f7b5e1a0c34'];
const profile = { industry: 'SaaS', teamSize: 120 };
const event = { id: 'e-1', type: 'page_view', occurredAt: new Date(Date.now() - 3_600_000).toISOString(), properties: { url: 'https://example.com/pricing' } };
const score = apply(undefined, { event, lead: { ...profile, role: 'Intern' } }, starterRuleset).state as ScoreState;
/** The band the refile takes: the score's ceiling over the profile as of a day ago. */
const bandOver = (role: string) => bandOf(scoreCeiling(score, { ...profile, role, emailDomain: 'example.com', subscriptions: {}, attributes: {} }, starterRuleset, new Date(Date.now() - REPAIR_LAG_MS).toISOString()));

const profileItem = (leadId: string, role: string, version: number) => ({
  pk: `LEAD#${leadId}`, sk: 'PROFILE', id: leadId, email: `${leadId}@example.com`, ...profile, role,
  createdAt: '2026-11-01T00:00:00.000Z', updatedAt: '2026-11-01T00:00:00.000Z', firstTouch: { at: '2026-11-01T00:00:00.000Z' }, lastTouch: { at: '2026-11-01T00:00:00.000Z' }, subscriptions: {}, version,
});
const scoreItem = (leadId: string, band: number) => ({
  pk: `LEAD#${leadId}`, sk: 'SCORE', entity: 'score', score: storedScore(score), version: 4, through: '', recent: [], bp: `B#${leadId.charAt(0)}`, bs: bandKey(band),
});
/** The CRM's contact change as sales-feedback announces it. */
const roleChanged = (leadId: string, updateId = 'u-1') =>
  busEnvelope('lead.contact-changed', { version: 1, correlationId: 'c-1', leadId, changeId: `crm:${updateId}`, fields: ['role'], at: '2026-11-22T10:00:00.000Z', source: 'crm' });

let table: TableFake;
const filedBand = (leadId: string) => bandFromKey(String(table.get({ pk: `LEAD#${leadId}`, sk: 'SCORE' })?.bs));
const refiles = () => dynamo.commandCalls(TransactWriteCommand).length;

beforeEach(() => {
  dynamo.reset();
  table = new TableFake();
  table.attach(dynamo);
  // Scored as interns, then the CRM made each a VP: the profile is at version 8, the score still filed as an intern's.
  for (const leadId of LEAD_IDS) {
    table.put(profileItem(leadId, 'VP Marketing', 8));
    table.put(scoreItem(leadId, bandOver('Intern')));
  }
});

describe('refile-score-bands', () => {
  it("files the lead's score under the band of its new profile, leaving the score and its version as they are; a repeat writes nothing", async () => {
    expect(bandOver('VP Marketing')).toBeGreaterThan(bandOver('Intern'));
    const [leadId = ''] = LEAD_IDS;

    expect((await handler(sqsEvent([roleChanged(leadId)]), context)).batchItemFailures).toEqual([]);

    expect(filedBand(leadId)).toBe(bandOver('VP Marketing'));
    expect(table.get({ pk: `LEAD#${leadId}`, sk: 'SCORE' })).toMatchObject({ version: 4, score: storedScore(score) });
    expect(refiles()).toBe(1);
    expect((await handler(sqsEvent([roleChanged(leadId)]), context)).batchItemFailures).toEqual([]);
    expect(refiles()).toBe(1);
  });

  it('fails only the record of a lead the table turned away, so SQS delivers it again, and the redelivery files it', async () => {
    const [filed = '', throttled = ''] = LEAD_IDS;
    dynamo.on(BatchGetCommand).callsFake((input: { RequestItems: Record<string, { Keys: Record<string, unknown>[] }> }) => {
      const [tableName = '', { Keys = [] } = {}] = Object.entries(input.RequestItems)[0] ?? [];
      if (Keys.some((key) => key.pk === `LEAD#${throttled}`)) throw new ProvisionedThroughputExceededException({ message: 'Rate exceeded', $metadata: {} });
      return { Responses: { [tableName]: Keys.flatMap((key) => table.get(key) ?? []) } };
    });

    expect((await handler(sqsEvent([roleChanged(filed), roleChanged(throttled, 'u-2')]), context)).batchItemFailures).toEqual([{ itemIdentifier: 'message-1' }]);
    expect([filedBand(filed), filedBand(throttled)]).toEqual([bandOver('VP Marketing'), bandOver('Intern')]);

    table.attach(dynamo);
    expect((await handler(sqsEvent([roleChanged(throttled, 'u-2')]), context)).batchItemFailures).toEqual([]);
    expect(filedBand(throttled)).toBe(bandOver('VP Marketing'));
  });

  it('fails the record when the lead changes under every attempt, filing nothing it read before the change', async () => {
    const [leadId = ''] = LEAD_IDS;
    // Each refile finds the profile a version further on than it read.
    dynamo.on(TransactWriteCommand).callsFake(() => {
      const current = table.get({ pk: `LEAD#${leadId}`, sk: 'PROFILE' }) as { version: number };
      table.put({ ...current, version: current.version + 1 });
      throw Object.assign(new Error('Transaction cancelled'), { name: 'TransactionCanceledException', CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }] });
    });

    expect((await handler(sqsEvent([roleChanged(leadId)]), context)).batchItemFailures).toEqual([{ itemIdentifier: 'message-0' }]);
    expect(filedBand(leadId)).toBe(bandOver('Intern'));
  });
});

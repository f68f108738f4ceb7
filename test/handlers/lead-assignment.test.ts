import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { RoutingStore } from '../../src/adapters/routing-store';
import type { Lead } from '../../src/domain/lead';
import { routeQualifiedLead } from '../../src/app/lead-assignment';
import { TableFake } from './table-fake';

/**
 * Assignment on its own, without the alert claim in front of it: concurrent attempts for one
 * qualification assign once; concurrent qualifications of different leads take turns.
 */
const dynamo = mockClient(DynamoDBDocumentClient);
const store = new RoutingStore(DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })), 'leadflow-test');
const rep = (id: string, capacity = 10) => ({ id, name: `Rep ${id}`, email: `${id}@example.com`, capacity });
let table: TableFake;

const lead = (id: string): Lead => ({
  id,
  email: `${id}@example.com`,
  createdAt: '2026-11-01T00:00:00Z',
  updatedAt: '2026-11-01T00:00:00Z',
  firstTouch: { at: '2026-11-01T00:00:00Z' },
  lastTouch: { at: '2026-11-01T00:00:00Z' },
  subscriptions: {},
  version: 1,
});
const route = async (leadId: string, qualification = 1) =>
  routeQualifiedLead(store, await store.get(), lead(leadId), { leadId, rulesetVersion: 'starter-1', qualification }, async () => table.get({ pk: `LEAD#${leadId}`, sk: 'PROFILE' }) as unknown as Lead | undefined, '2026-11-22T10:00:00Z');

beforeEach(() => {
  dynamo.reset();
  table = new TableFake();
  table.attach(dynamo);
  table.put({
    pk: 'ROUTING',
    sk: 'CONFIG',
    version: 1,
    config: { teams: [{ id: 'sales', name: 'Sales', inbox: 'sales-team@example.com', reps: [rep('ana'), rep('budi'), rep('citra')] }], rules: [], defaultTeam: 'sales' },
  });
  for (const id of ['lead-1', 'lead-2', 'lead-3']) table.put({ pk: `LEAD#${id}`, sk: 'PROFILE', ...lead(id) });
});

describe('assignment of a qualified lead', () => {
  it('assigns once when the same qualification is routed three times at once', async () => {
    const results = await Promise.all([route('lead-1'), route('lead-1'), route('lead-1')]);
    const owners = new Set(results.map((result) => result.assigned?.repId));
    expect(owners.size).toBe(1);
    const [owner] = owners;
    expect(table.get({ pk: 'LEAD#lead-1', sk: 'PROFILE' })?.owner).toMatchObject({ repId: owner });
    // One open MQL in all: the losers' turns are skipped, their reps' loads untouched.
    const loads = ['ana', 'budi', 'citra'].map((repId) => Number(table.get({ pk: `ROUTING#REP#${repId}`, sk: 'LOAD' })?.open ?? 0));
    expect(loads.reduce((sum, open) => sum + open, 0)).toBe(1);
    expect(table.get({ pk: `ROUTING#REP#${String(owner)}`, sk: 'LOAD' })?.open).toBe(1);
  });

  it('routes a redelivered qualification to the decision, taking no turn', async () => {
    await route('lead-1');
    await route('lead-1');
    expect(table.get({ pk: 'ROUTING#TEAM#sales', sk: 'ROUND_ROBIN' })?.position).toBe(1);
  });

  it('gives concurrent qualifications of different leads different reps, in turn', async () => {
    const results = await Promise.all([route('lead-1'), route('lead-2'), route('lead-3')]);
    expect(results.map((result) => result.assigned?.repId).sort()).toEqual(['ana', 'budi', 'citra']);
    expect(table.get({ pk: 'ROUTING#TEAM#sales', sk: 'ROUND_ROBIN' })?.position).toBe(3);
  });

  it('gives a burst of concurrent qualifications one turn each: all assigned at once, evenly, none left to a retry', async () => {
    const ids = Array.from({ length: 12 }, (_, index) => `burst-${index}`);
    for (const id of ids) table.put({ pk: `LEAD#${id}`, sk: 'PROFILE', ...lead(id) });
    const results = await Promise.all(ids.map((id) => route(id)));
    const perRep = new Map<string, number>();
    for (const result of results) perRep.set(String(result.assigned?.repId), (perRep.get(String(result.assigned?.repId)) ?? 0) + 1);
    expect(Object.fromEntries(perRep)).toEqual({ ana: 4, budi: 4, citra: 4 });
    expect(table.get({ pk: 'ROUTING#TEAM#sales', sk: 'ROUND_ROBIN' })?.position).toBe(12);
  });

  it('keeps the owner on a later qualification of the same lead', async () => {
    await route('lead-1', 1);
    const later = await route('lead-1', 2);
    expect(later.assigned).toBeUndefined();
    expect(later.recipient).toMatchObject({ kind: 'owner', rep: { id: 'ana' }, kept: true });
    expect(table.get({ pk: 'ROUTING#REP#ana', sk: 'LOAD' })?.open).toBe(1);
  });

  it('gives the lead back to its owner once it left mql and qualified again: one more open place, once under concurrent copies', async () => {
    await route('lead-1', 1);
    // Sales recycled it: the owner's place was freed.
    const profile = table.get({ pk: 'LEAD#lead-1', sk: 'PROFILE' }) as Record<string, unknown>;
    table.put({ ...profile, owner: { ...(profile.owner as object), releasedAt: '2026-11-23T00:00:00Z' } });
    table.put({ pk: 'ROUTING#REP#ana', sk: 'LOAD', repId: 'ana', open: 0 });
    const results = await Promise.all([route('lead-1', 2), route('lead-1', 2), route('lead-1', 2)]);
    for (const result of results) {
      expect(result.assigned).toBeUndefined();
      expect(result.recipient).toMatchObject({ kind: 'owner', rep: { id: 'ana' }, kept: true });
    }
    expect(table.get({ pk: 'ROUTING#REP#ana', sk: 'LOAD' })?.open).toBe(1);
    expect(table.get({ pk: 'LEAD#lead-1', sk: 'PROFILE' })?.owner).toEqual({ repId: 'ana', teamId: 'sales', assignedAt: '2026-11-22T10:00:00Z' });
    expect(table.get({ pk: 'LEAD#lead-1', sk: 'ASSIGNMENT#starter-1#2' })).toMatchObject({ status: 'assigned', kept: true, repId: 'ana' });
  });

  it('routes to the sales inbox when no routing is configured', async () => {
    table.items.delete(TableFake.keyOf({ pk: 'ROUTING', sk: 'CONFIG' }));
    expect(await route('lead-1')).toEqual({ recipient: { kind: 'sales-inbox' } });
    expect(table.get({ pk: 'LEAD#lead-1', sk: 'PROFILE' })?.owner).toBeUndefined();
  });
});

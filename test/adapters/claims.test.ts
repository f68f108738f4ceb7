import { GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { ClaimRecords, type ClaimPolicy } from '../../src/adapters/claims';
import { dynamoDbLocal, TABLE_NAME } from './dynamo-local';

let table: Awaited<ReturnType<typeof dynamoDbLocal>>;
beforeAll(async () => {
  table = await dynamoDbLocal();
});

const STALE_AFTER_MS = 60_000;
let counter = 0;
const freshKey = () => ({ pk: `CLAIM#${(counter += 1)}`, sk: 'CLAIM' });
const read = async (key: { pk: string; sk: string }) => (await table.documents.send(new GetCommand({ TableName: TABLE_NAME, Key: key, ConsistentRead: true }))).Item;
const records = (policy: ClaimPolicy) => new ClaimRecords<{ pk: string; sk: string }>(table.documents, TABLE_NAME, policy);
const at = (offsetMs: number) => new Date(Date.parse('2026-11-30T10:00:00.000Z') + offsetMs).toISOString();

describe('claim records on DynamoDB Local', () => {
  let tokens: ClaimRecords<{ pk: string; sk: string }>;
  beforeAll(() => {
    tokens = records({ heldStatus: 'sending', claimedAtAttribute: 'claimedAt', staleAfterMs: STALE_AFTER_MS });
  });

  it('claims once, refuses a second claim until the first goes stale, then lets it be taken over with a new token', async () => {
    const key = freshKey();
    expect(await tokens.claim({ ...key, entity: 'test' }, at(0), 'first')).toBe('claimed');
    expect(await tokens.claim({ ...key, entity: 'test' }, at(STALE_AFTER_MS - 1), 'second')).toBe('refused');
    expect(await tokens.claim({ ...key, entity: 'test' }, at(STALE_AFTER_MS + 1), 'second')).toBe('claimed');
    expect(await read(key)).toMatchObject({ status: 'sending', claimedAt: at(STALE_AFTER_MS + 1), token: 'second', entity: 'test' });
  });

  it("takes over a held claim however recent when asked (a queue's last delivery), and never a done one", async () => {
    const key = freshKey();
    expect(await tokens.claim(key, at(0), 'dead')).toBe('claimed');
    expect(await tokens.claim(key, at(1000), 'last', { takeOverHeld: true })).toBe('claimed');
    expect(await read(key)).toMatchObject({ status: 'sending', claimedAt: at(1000), token: 'last' });
    await tokens.markDone(key, { token: 'last' }, { status: 'sent', messageId: 'm-3' });
    expect(await tokens.claim(key, at(2000), 'after', { takeOverHeld: true })).toBe('refused');
    expect(await read(key)).toMatchObject({ status: 'sent', messageId: 'm-3' });
  });

  it('ends a claim only for its token, and a done claim is never taken over', async () => {
    const key = freshKey();
    await tokens.claim(key, at(0), 'mine');
    await expect(tokens.markDone(key, { token: 'not-mine' }, { status: 'sent', messageId: 'm-1' })).rejects.toThrow(/conditional/i);
    await tokens.markDone(key, { token: 'mine' }, { status: 'sent', messageId: 'm-1', sentAt: at(1) });
    const done = await read(key);
    expect(done).toMatchObject({ status: 'sent', messageId: 'm-1', sentAt: at(1) });
    expect(done?.token).toBeUndefined();
    expect(await tokens.claim(key, at(10 * STALE_AFTER_MS), 'later')).toBe('refused');
  });

  it('gives a claim back only to its holder, so the retry can claim it at once', async () => {
    const key = freshKey();
    await tokens.claim(key, at(0), 'mine');
    expect(await tokens.release(key, { token: 'not-mine' })).toBe('not-held');
    expect(await tokens.release(key, { token: 'mine' })).toBe('released');
    expect(await read(key)).toBeUndefined();
    expect(await tokens.claim(key, at(1), 'retry')).toBe('claimed');
  });

  it('never takes over a claim without a stale time, and proves a claim by its held status', async () => {
    const sends = records({ heldStatus: 'sending', claimedAtAttribute: 'claimedAt' });
    const key = freshKey();
    expect(await sends.claim(key, at(0))).toBe('claimed');
    expect(await sends.claim(key, at(100 * STALE_AFTER_MS))).toBe('refused');
    await table.documents.send(new TransactWriteCommand({ TransactItems: [sends.doneUpdate(key, 'while-held', { status: 'sent', messageId: 'm-2' })] }));
    expect(await sends.release(key, 'while-held')).toBe('not-held');
    expect(await read(key)).toMatchObject({ status: 'sent', messageId: 'm-2' });
  });

  it('takes over a stale claim only where the extra condition holds, and a must-hold release of an ended claim fails', async () => {
    const steps = records({
      heldStatus: 'claimed',
      claimedAtAttribute: 'at',
      staleAfterMs: STALE_AFTER_MS,
      takeoverAlsoRequires: { expression: '#outcome <> :reassigned', names: { '#outcome': 'outcome' }, values: { ':reassigned': 'reassigned' } },
    });
    const reminder = freshKey();
    const reassignment = freshKey();
    await steps.claim({ ...reminder, outcome: 'reminded' }, at(0));
    await table.documents.send(new PutCommand({ TableName: TABLE_NAME, Item: { ...reassignment, status: 'claimed', outcome: 'reassigned', at: at(0) } }));
    expect(await steps.claim({ ...reminder, outcome: 'reminded' }, at(STALE_AFTER_MS + 1))).toBe('claimed');
    expect(await steps.claim({ ...reassignment, outcome: 'reminded' }, at(STALE_AFTER_MS + 1))).toBe('refused');
    await steps.markDone(reminder, 'anyone', { status: 'done', doneAt: at(STALE_AFTER_MS + 2) });
    expect(await read(reminder)).toMatchObject({ status: 'done', doneAt: at(STALE_AFTER_MS + 2), at: at(STALE_AFTER_MS + 1) });
    await expect(steps.release(reminder, 'while-held', { mustHold: true })).rejects.toThrow(/conditional/i);
  });

  it('treats an expired claim as free, and gives an expiring claim back by expiring it', async () => {
    const windows = records({ heldStatus: 'sending', claimedAtAttribute: 'claimedAt', staleAfterMs: STALE_AFTER_MS, expires: true });
    const key = freshKey();
    const epoch = (iso: string) => Math.floor(Date.parse(iso) / 1000);
    await table.documents.send(new TransactWriteCommand({ TransactItems: [windows.claimPut({ ...key, expiresAt: epoch(at(3_600_000)) }, at(0), 'first')] }));
    await windows.markDone(key, { token: 'first' }, { status: 'sent' });
    expect(await windows.claim({ ...key, expiresAt: epoch(at(7_200_000)) }, at(1_000), 'early')).toBe('refused');
    expect(await windows.claim({ ...key, expiresAt: epoch(at(7_200_000)) }, at(3_600_000), 'next-window')).toBe('claimed');
    expect(await windows.release(key, { token: 'next-window' })).toBe('released');
    expect(await read(key)).toMatchObject({ expiresAt: 0 });
    expect(await windows.claim({ ...key, expiresAt: epoch(at(7_200_000)) }, at(3_600_001), 'retry')).toBe('claimed');
  });
});

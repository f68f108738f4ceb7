import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import * as keys from '../../src/adapters/keys';
import { ScoreStore } from '../../src/adapters/score-store';
import { addressOnlyLead, createLeadWrites } from '../../src/adapters/lead-items';
import { transactWrite } from '../../src/adapters/transactions';
import type { LoggedEvent } from '../../src/domain/event-log';
import { apply, type ScoredEvent, type ScoreState } from '../../src/domain/scoring/engine';
import { starterRuleset } from '../../src/domain/scoring/starter-ruleset';
import { scopedEventId } from '../../src/domain/idempotency';
import { dynamoDbLocal, TABLE_NAME } from './dynamo-local';

/**
 * The score item keeps the engine's state in a compact form (src/adapters/score-items.ts): written by
 * the scorer and read back from DynamoDB it must be the same state to the last bit, binary-packed
 * events and decayed values included.
 */

let table: Awaited<ReturnType<typeof dynamoDbLocal>>;
beforeAll(async () => {
  table = await dynamoDbLocal();
}, 120_000);

const DAY = 86_400_000;
const OTHER_IDS: Readonly<Record<number, string>> = { 7: 'form-submission-7', 15: 'sub_0f8fad5b-d9cb-469f-a165-70867728950e', 31: `client-${'x'.repeat(300)}` };
const lead = { role: 'VP Marketing', industry: 'SaaS', teamSize: 120, budget: 50_000 };

/**
 * Ten weeks of page views, downloads and chats, event ids as intake stores them but three: a client's
 * own short id, a form submission's (`sub_` and a UUID) and one too long to pack.
 */
function history(): ScoredEvent[] {
  const kinds = [
    ['page_view', { url: 'https://example.com/pricing' }],
    ['page_view', { url: 'https://example.com/features/scoring', secondsOnPage: 300 }],
    ['content_download', {}],
    ['chat_message', {}],
  ] as const;
  return Array.from({ length: 40 }, (_, index) => {
    const [type, properties] = kinds[index % kinds.length] as (typeof kinds)[number];
    const id = OTHER_IDS[index] ?? scopedEventId({ email: 'jane@example.com' }, `e-${index}`);
    return { id, type, occurredAt: new Date(Date.UTC(2026, 8, 1) + index * 1.7 * DAY + index * 37).toISOString(), properties };
  });
}

describe('the score item on DynamoDB Local', () => {
  it('gives back every state the scorer wrote, exactly', async () => {
    const newLead = addressOnlyLead('jane@example.com', { at: '2026-09-01T00:00:00.000Z' });
    await transactWrite(table.documents, TABLE_NAME, createLeadWrites(TABLE_NAME, newLead));
    const scores = new ScoreStore(table.documents, TABLE_NAME);
    let state: ScoreState | undefined;
    let version = 0;
    const layouts = new Set<string>();
    const recent: LoggedEvent[] = [];
    for (const event of history()) {
      state = apply(state, { event, lead }, starterRuleset).state;
      // The watermark's recent events: the last three, packed as the events behind hits are.
      recent.push({ id: event.id, recordedAt: event.occurredAt });
      const watermark = { through: '2026-08-31T00:00:00.000Z', recent: recent.slice(-3) };
      expect(await scores.applyScores(newLead.id, version, state, 0, watermark)).toBe('applied');
      version += 1;
      const view = await scores.scoringView(newLead.id);
      expect(view?.lead.score).toEqual(state);
      expect(view?.watermark).toEqual(watermark);
      const { Item } = await table.documents.send(new GetCommand({ TableName: TABLE_NAME, Key: keys.score(newLead.id) }));
      const hits = (Item?.score as Record<string, unknown> | undefined)?.h;
      const ids = state.hitEvents?.map(([, id]) => id) ?? [];
      if (hits instanceof Uint8Array) layouts.add(hits[0] === 0xff ? 'mixed' : 'fixed');
      else if (ids.length) layouts.add('listed');
      // An id the pipeline makes among them is packed: only the one too long for a byte of length is listed.
      if (ids.some((id) => id.startsWith('sub_')) && !ids.includes(OTHER_IDS[31] ?? '')) expect(hits).toBeInstanceOf(Uint8Array);
      if (recent.slice(-3).some((event) => event.id === OTHER_IDS[15])) expect(Item?.recent).toBeInstanceOf(Uint8Array);
    }
    // Every layout of the events behind hits was stored: intake ids only, other ids among them, and listed.
    expect([...layouts].sort()).toEqual(['fixed', 'listed', 'mixed']);
  }, 120_000);
});

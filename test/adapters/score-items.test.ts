import { beforeAll, describe, expect, it } from 'vitest';
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
const lead = { role: 'VP Marketing', industry: 'SaaS', teamSize: 120, budget: 50_000 };

/** Ten weeks of page views, downloads and a chat, every event id as intake stores it, one with a client's own id format. */
function history(): ScoredEvent[] {
  const kinds = [
    ['page_view', { url: 'https://example.com/pricing' }],
    ['page_view', { url: 'https://example.com/features/scoring', secondsOnPage: 300 }],
    ['content_download', {}],
    ['chat_message', {}],
  ] as const;
  return Array.from({ length: 40 }, (_, index) => {
    const [type, properties] = kinds[index % kinds.length] as (typeof kinds)[number];
    const id = index === 7 ? 'form-submission-7' : scopedEventId({ email: 'jane@example.com' }, `e-${index}`);
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
    let packedOnce = false;
    let listedOnce = false;
    const recent: LoggedEvent[] = [];
    for (const event of history()) {
      state = apply(state, { event, lead }, starterRuleset).state;
      // The watermark's recent events: the last three, packed unless one has a client's own id.
      recent.push({ id: event.id, recordedAt: event.occurredAt });
      const watermark = { through: '2026-08-31T00:00:00.000Z', recent: recent.slice(-3) };
      expect(await scores.applyScores(newLead.id, version, state, 0, watermark)).toBe('applied');
      version += 1;
      const view = await scores.scoringView(newLead.id);
      expect(view?.lead.score).toEqual(state);
      expect(view?.watermark).toEqual(watermark);
      packedOnce ||= Boolean(state.hitEvents?.every(([, id]) => id.startsWith('ev_')));
      listedOnce ||= Boolean(state.hitEvents?.some(([, id]) => id === 'form-submission-7'));
    }
    // Both forms of the events behind hits were stored: packed, and listed when an id is not an intake id.
    expect(packedOnce).toBe(true);
    expect(listedOnce).toBe(true);
  }, 120_000);
});

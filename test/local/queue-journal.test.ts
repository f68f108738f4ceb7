import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openQueueJournal, type JournaledMessage } from '../../local/queue-journal';

const folder = mkdtempSync(join(tmpdir(), 'leadflow-journal-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

const message = (id: string, queue = 'score-lead'): JournaledMessage => ({ id, queue, body: JSON.stringify({ detail: { id } }) });
const open = (file: string, compactAtBytes?: number) => openQueueJournal({ file, log: () => {}, ...(compactAtBytes ? { compactAtBytes } : {}) });

describe('queue journal of the local stack', () => {
  it('gives back, after a crash, every message journaled and not finished, and only those', async () => {
    const file = join(folder, 'recovery.ndjson');
    const first = await open(file);
    expect(first.pending).toEqual([]);
    await first.journal.recordEnqueued([message('a'), message('b', 'alert-sales'), message('c'), message('d')]);
    first.journal.recordDeleted(['a']);
    first.journal.recordDeadLettered(['c']);
    // The process dies here: close() is never called.
    await first.journal.recordEnqueued([message('e')]);

    const second = await open(file);
    expect(second.pending.map((pending) => pending.id)).toEqual(['b', 'd', 'e']);
    expect(second.pending[0]).toEqual(message('b', 'alert-sales'));
    // The dead-lettered one is kept apart, for its DLQ.
    expect(second.deadLettered).toEqual([message('c')]);
    await second.journal.close();
    await first.journal.close();
  });

  it('keeps what went to a DLQ across restarts and compaction until a replay of it succeeds, then forgets it', async () => {
    const file = join(folder, 'dead-lettered.ndjson');
    const first = await open(file, 4_096);
    await first.journal.recordEnqueued([message('failing'), message('replayed')]);
    first.journal.recordDeadLettered(['failing', 'replayed']);
    // Enough finished traffic to compact the file while they wait in the DLQ.
    for (let round = 0; round < 100; round += 1) {
      await first.journal.recordEnqueued([message(`done-${round}`)]);
      first.journal.recordDeleted([`done-${round}`]);
    }
    await first.journal.recordEnqueued([message('last')]);
    expect(statSync(file).size).toBeLessThan(4_096 + 1_024);
    await first.journal.close();

    const second = await open(file);
    expect(second.pending.map((pending) => pending.id)).toEqual(['last']);
    expect(second.deadLettered.map((dead) => dead.id)).toEqual(['failing', 'replayed']);
    // `leadflow dlq redrive` puts one back with its journal id; its consumer succeeds; the other fails again.
    second.journal.recordDeleted(['replayed', 'last']);
    second.journal.recordDeadLettered(['failing']);
    await second.journal.close();

    const third = await open(file);
    expect(third.pending).toEqual([]);
    expect(third.deadLettered).toEqual([message('failing')]);
    await third.journal.close();
  });

  it('has each message on disk when recordEnqueued resolves, also when calls overlap', async () => {
    const file = join(folder, 'durable.ndjson');
    const { journal } = await open(file);
    await Promise.all(Array.from({ length: 50 }, (_, index) => journal.recordEnqueued([message(`m${index}`)])));
    const onDisk = readFileSync(file, 'utf8').trim().split('\n');
    expect(onDisk).toHaveLength(50);
    await journal.close();
  });

  it('skips a last line cut short by a crash', async () => {
    const file = join(folder, 'torn.ndjson');
    const { journal } = await open(file);
    await journal.recordEnqueued([message('whole')]);
    await journal.close();
    appendFileSync(file, '{"op":"enqueued","id":"half","que');
    const reopened = await open(file);
    expect(reopened.pending.map((pending) => pending.id)).toEqual(['whole']);
    await reopened.journal.close();
  });

  it('rewrites itself with only the pending messages at start and when it grows past its limit', async () => {
    const file = join(folder, 'compaction.ndjson');
    const { journal } = await open(file, 4_096);
    for (let round = 0; round < 100; round += 1) {
      await journal.recordEnqueued([message(`done-${round}`)]);
      journal.recordDeleted([`done-${round}`]);
    }
    await journal.recordEnqueued([message('kept')]);
    expect(statSync(file).size).toBeLessThan(4_096 + 1_024);
    await journal.close();
    const reopened = await open(file);
    expect(reopened.pending.map((pending) => pending.id)).toEqual(['kept']);
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(1);
    await reopened.journal.close();
  });
});

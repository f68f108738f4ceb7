import { randomUUID } from 'node:crypto';
import { mkdir, open, readFile, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { replaceAtomically } from './atomic-file';

/**
 * The message attribute that carries a journaled message's id through its queue, so the poller that
 * finishes it can record which one it was (SQS message ids change when a message is sent again).
 */
export const JOURNAL_ID_ATTRIBUTE = 'leadflow-journal-id';

/** A message the local bus routed to a queue, as the journal keeps it until a consumer finishes it. */
export interface JournaledMessage {
  readonly id: string;
  /** The queue's name (its URL changes with the port between runs). */
  readonly queue: string;
  readonly body: string;
}

const JournalLine = z.discriminatedUnion('op', [
  z.object({ op: z.literal('enqueued'), id: z.string().min(1), queue: z.string().min(1), body: z.string() }),
  z.object({ op: z.literal('deleted'), id: z.string().min(1) }),
  z.object({ op: z.literal('dead-lettered'), id: z.string().min(1) }),
]);
type JournalLine = z.infer<typeof JournalLine>;

/** Where the local runtime keeps what is queued; a stack without a data folder keeps nothing. */
export interface QueueJournal {
  /** Resolves once the messages are on disk (fsynced): only then may the bus answer PutEvents. */
  recordEnqueued(messages: readonly JournaledMessage[]): Promise<void>;
  /**
   * A consumer deleted the messages after success (one replayed from its DLQ too), or they are to be
   * forgotten; written with the next group, never waited on nor fsynced.
   */
  recordDeleted(ids: readonly string[]): void;
  /** The queue moves the messages to its DLQ on their next receive: kept, to be put back in the DLQ after a restart. */
  recordDeadLettered(ids: readonly string[]): void;
  close(): Promise<void>;
}

/** A journal for a stack whose queues need not outlive it (tests that keep data in memory). */
export const noJournal: QueueJournal = {
  recordEnqueued: async () => {},
  recordDeleted: () => {},
  recordDeadLettered: () => {},
  close: async () => {},
};

export const newJournalId = () => randomUUID();

/** Past this size the journal is rewritten with only what it holds (pending and dead-lettered messages). */
const DEFAULT_COMPACT_AT_BYTES = 16 * 1024 * 1024;

/** What the journal holds: messages in their queues, and messages in their queues' DLQs, each in the order first journaled. */
interface Held {
  readonly pending: Map<string, JournaledMessage>;
  readonly deadLettered: Map<string, JournaledMessage>;
}

/** The messages journaled and not finished, and those dead-lettered and not replayed since. */
function heldIn(text: string, log: (line: string) => void): Held {
  const pending = new Map<string, JournaledMessage>();
  const deadLettered = new Map<string, JournaledMessage>();
  let unreadable = 0;
  for (const raw of text.split('\n')) {
    if (!raw) continue;
    let line: JournalLine;
    try {
      line = JournalLine.parse(JSON.parse(raw));
    } catch {
      // Only a line cut short by a crash can be unreadable, and its PutEvents was never answered.
      unreadable += 1;
      continue;
    }
    if (line.op === 'enqueued') {
      if (!pending.has(line.id) && !deadLettered.has(line.id)) pending.set(line.id, { id: line.id, queue: line.queue, body: line.body });
    } else {
      finishIn({ pending, deadLettered }, line.op, line.id);
    }
  }
  if (unreadable) log(`queue journal: ${unreadable} unreadable line(s) skipped (a write cut short by a crash)`);
  return { pending, deadLettered };
}

/** A message deleted is forgotten, wherever it was; one dead-lettered moves from its queue to the DLQ's side. */
function finishIn(held: Held, op: 'deleted' | 'dead-lettered', id: string): void {
  const message = held.pending.get(id);
  held.pending.delete(id);
  if (op === 'deleted') held.deadLettered.delete(id);
  else if (message) held.deadLettered.set(id, message);
}

const lineOf = (line: JournalLine) => `${JSON.stringify(line)}\n`;
const enqueuedLine = (message: JournaledMessage) => lineOf({ op: 'enqueued', id: message.id, queue: message.queue, body: message.body });

/**
 * A write-ahead journal of the local queues (fauxqs keeps them in memory): one JSON line per message
 * the bus routes to a queue, fsynced before the bus answers, and one per message a consumer finished
 * or its queue dead-lettered. Appends that arrive while a write is in flight are written and fsynced
 * together (group commit), so concurrent PutEvents calls share one fsync. Opening it returns the
 * messages still pending from the last run and those in DLQs (which `leadflow dlq redrive` replays
 * with their journal id: the consumer's success then forgets them), and rewrites the file with only
 * those; it is rewritten the same way whenever it grows past `compactAtBytes`.
 */
export async function openQueueJournal(options: {
  file: string;
  compactAtBytes?: number;
  log: (line: string) => void;
}): Promise<{ journal: QueueJournal; pending: readonly JournaledMessage[]; deadLettered: readonly JournaledMessage[] }> {
  const { file, log } = options;
  const compactAtBytes = options.compactAtBytes ?? DEFAULT_COMPACT_AT_BYTES;
  await mkdir(dirname(file), { recursive: true });
  const previous = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return '';
    throw error;
  });
  const held = heldIn(previous, log);
  const { pending, deadLettered } = held;
  const compacted = () =>
    [...pending.values()].map(enqueuedLine).join('') + [...deadLettered.values()].map((message) => enqueuedLine(message) + lineOf({ op: 'dead-lettered', id: message.id })).join('');
  await replaceAtomically(file, compacted());
  const recovered = { pending: [...pending.values()], deadLettered: [...deadLettered.values()] };

  let handle: FileHandle = await open(file, 'a', 0o600);
  let size = (await handle.stat()).size;
  let queued: { text: string; durable: boolean; done: { resolve(): void; reject(error: unknown): void }[] } = { text: '', durable: false, done: [] };
  let writing: Promise<void> | undefined;
  let closed = false;

  async function writeQueued(): Promise<void> {
    while (queued.text) {
      const group = queued;
      queued = { text: '', durable: false, done: [] };
      try {
        await handle.write(group.text);
        // Only enqueued messages need to be on disk before anyone hears of them.
        if (group.durable) await handle.datasync();
        size += Buffer.byteLength(group.text);
        if (size > compactAtBytes) {
          const text = compacted();
          await handle.close();
          await replaceAtomically(file, text);
          handle = await open(file, 'a', 0o600);
          size = Buffer.byteLength(text);
        }
        group.done.forEach((waiter) => waiter.resolve());
      } catch (error) {
        group.done.forEach((waiter) => waiter.reject(error));
      }
    }
    writing = undefined;
  }

  function append(text: string, durable: boolean): Promise<void> {
    if (closed) return Promise.reject(new Error('the queue journal is closed'));
    const written = new Promise<void>((resolve, reject) => queued.done.push({ resolve, reject }));
    queued.text += text;
    queued.durable ||= durable;
    writing ??= writeQueued();
    return written;
  }

  const finish = (op: 'deleted' | 'dead-lettered', ids: readonly string[]) => {
    if (ids.length === 0 || closed) return;
    for (const id of ids) finishIn(held, op, id);
    // Losing this line in a crash only sends the message again, and every consumer is idempotent.
    append(ids.map((id) => lineOf({ op, id })).join(''), false).catch((error: unknown) =>
      log(`queue journal: could not record ${ids.length} finished message(s): ${(error as Error).message}`),
    );
  };

  const journal: QueueJournal = {
    recordEnqueued: (messages) => {
      if (messages.length === 0) return Promise.resolve();
      for (const message of messages) pending.set(message.id, message);
      return append(messages.map(enqueuedLine).join(''), true);
    },
    recordDeleted: (ids) => finish('deleted', ids),
    recordDeadLettered: (ids) => finish('dead-lettered', ids),
    close: async () => {
      closed = true;
      await writing;
      await handle.close();
    },
  };
  return { journal, ...recovered };
}
